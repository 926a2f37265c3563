// One process per embedded store (issue: two processes on one data directory both reported
// success and half the rows vanished). Real `mds` and admin processes on one directory: the second
// opener fails at once with MDS_STORE_LOCKED (or waits with --lock-wait), every row of the first
// is there afterwards, a SIGKILLed owner leaves no lock behind, a kill while the store closes and
// a full disk lose nothing that was committed.
import { createPgliteBackend, STORE_LOCK_FILE } from "@mds/client";
import { assert, assertEquals } from "../testing/assert.ts";
import { baseEnv, startAdminServer } from "../testing/admin_server.ts";
import { cleanEnv, type Env, expectExit, mds, ROOT, type Run } from "../testing/cli.ts";
import { ndjson, sleep, startIngest } from "../testing/cli_ingest.ts";
import { soak } from "../testing/soak.ts";

const TENANT = "5a1e5a1e-0000-4000-8000-00000000000a";
const SYMBOLS = 500;
const ROWS = soak(20_000, 100_000);
const BASE = Date.UTC(2024, 0, 2, 14, 30);

/** `count` 1m bars of 500 symbols from `firstMinute` on; volume tells the file apart. */
function bars(count: number, firstMinute: number, volume: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const price = 100 + (i % 97);
    lines.push(JSON.stringify({
      ts: new Date(BASE + (firstMinute + Math.floor(i / SYMBOLS)) * 60_000).toISOString(),
      vendor: "polygon",
      symbol: `S${i % SYMBOLS}`,
      timeframe: "1m",
      open: price,
      high: price + 1,
      low: price - 1,
      close: price,
      volume,
    }));
  }
  return ndjson(lines);
}

interface Stored {
  rows: number;
  byVolume: Record<string, number>;
}

/** Every bar in the store, counted by the volume that names its input file. */
async function stored(dir: string): Promise<Stored> {
  await using db = await createPgliteBackend({ dataDir: dir });
  const rows = await db.query<{ volume: number; n: number }>(
    "SELECT volume::float8 AS volume, count(*)::int AS n FROM mds_core.bars GROUP BY 1 ORDER BY 1",
  );
  return {
    rows: rows.reduce((n, r) => n + r.n, 0),
    byVolume: Object.fromEntries(rows.map((r) => [String(r.volume), r.n])),
  };
}

async function newStore(): Promise<{ root: string; dir: string; env: Env }> {
  const root = await Deno.makeTempDir({ prefix: "mds_lock_" });
  const dir = `${root}/store`;
  const env = cleanEnv({ MDS_DATA_DIR: dir, MDS_TENANT_ID: TENANT });
  await expectExit(0, ["migrate"], { env });
  return { root, dir, env };
}

async function lockFileAppears(dir: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      await Deno.stat(`${dir}/${STORE_LOCK_FILE}`);
      return;
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`${dir}/${STORE_LOCK_FILE} did not appear within ${timeoutMs} ms`);
}

function assertLockedRun(run: Run, ownerPid: number): void {
  assertEquals(run.code, 1, `exit 1 expected\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  const lines = run.stderr.trim().split("\n");
  assertEquals(lines.length, 1, `one line on stderr: ${run.stderr}`);
  assert(lines[0]!.includes("[MDS_STORE_LOCKED]"), run.stderr);
  assert(lines[0]!.includes(`in use by process ${ownerPid} `), run.stderr);
  assert(lines[0]!.includes("--lock-wait"), run.stderr);
  assert(lines[0]!.includes("PostgreSQL server"), run.stderr);
}

Deno.test({
  name:
    `two mds processes on one embedded store: the second fails at once, or waits with --lock-wait; ${
      2 * ROWS
    } bars all kept`,
  sanitizeResources: false,
  fn: async () => {
    const store = await newStore();
    const a = bars(ROWS, 0, 1);
    const b = bars(ROWS, ROWS / SYMBOLS, 2);
    const first = startIngest(store, ["ingest-ndjson", "bars", "-", "--json"]);
    void first.write(a);
    await lockFileAppears(store.dir);

    // the reproduction: the second ingest must not report success
    const second = await mds(["ingest-ndjson", "bars", "-", "--json"], {
      env: store.env,
      stdin: b,
    });
    assertLockedRun(second, first.pid);
    assertEquals(second.stdout, "", "no summary: nothing was ingested");
    // a read-only command is refused the same way, never reading a half-written directory
    assertLockedRun(await mds(["latest-prices", "S1"], { env: store.env }), first.pid);

    // with --lock-wait it waits for the owner, then runs
    const waiting = mds(["ingest-ndjson", "bars", "-", "--json", "--lock-wait", "5m"], {
      env: store.env,
      stdin: b,
    });
    await sleep(500);
    const done = await first.finish();
    assertEquals(done.code, 0, done.stderr);
    const waited = await waiting;
    assertEquals(waited.code, 0, waited.stderr);
    assertEquals(JSON.parse(waited.stdout).inserted, ROWS);
    assertEquals(await stored(store.dir), {
      rows: 2 * ROWS,
      byVolume: { "1": ROWS, "2": ROWS },
    });
    await Deno.remove(store.root, { recursive: true });
  },
});

Deno.test({
  name:
    "the admin server and the CLI on one embedded store: whichever opens second exits 1 and says why",
  sanitizeResources: false,
  fn: async () => {
    const store = await newStore();
    const env = { ...baseEnv(), MDS_DATA_DIR: store.dir, ADMIN_TOKEN: "t0ken-for-lock-test" };
    {
      await using admin = await startAdminServer(env);
      const pid = admin.process.pid;
      assertLockedRun(
        await mds(["ingest-ndjson", "bars", "-"], { env: store.env, stdin: bars(1_000, 0, 3) }),
        pid,
      );
      const health = await fetch(`${admin.base}/health`);
      assertEquals(health.status, 200, "the server is unharmed");
      await health.body?.cancel();
    }
    // the server has closed the store: the CLI may write now
    await expectExit(0, ["ingest-ndjson", "bars", "-"], {
      env: store.env,
      stdin: bars(1_000, 0, 3),
    });

    // the CLI holds the store: the server does not start, and its log says why
    const ingest = startIngest(store, ["ingest-ndjson", "bars", "-"]);
    await lockFileAppears(store.dir);
    const server = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "admin/main.ts"],
      cwd: ROOT,
      clearEnv: true,
      env: { ...env, PORT: "0", HOST: "127.0.0.1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(server.stdout);
    assertEquals(server.code, 1, log);
    const failed = log.trim().split("\n").map((l) => JSON.parse(l)).find((l) => l.msg === "failed");
    assertEquals(failed?.code, "MDS_STORE_LOCKED", log);
    assert(String(failed?.detail).includes(`in use by process ${ingest.pid} `), log);
    assertEquals((await ingest.finish()).code, 0);
    assertEquals(await stored(store.dir), { rows: 1_000, byVolume: { "3": 1_000 } });
    await Deno.remove(store.root, { recursive: true });
  },
});

Deno.test({
  name:
    "a SIGKILLed owner leaves no lock behind: the next opener proceeds at once and completes the input",
  sanitizeResources: false,
  fn: async () => {
    const store = await newStore();
    const input = bars(ROWS, 0, 4);
    const victim = startIngest(store, [
      "ingest-ndjson",
      "bars",
      "-",
      "--progress",
      "--max-rows",
      "2000",
    ]);
    void victim.write(input);
    const until = Date.now() + 60_000;
    while (victim.accepted() < 2_000 && Date.now() < until) await sleep(20);
    const killed = await victim.stop("SIGKILL");
    assertEquals(killed.code, 137, killed.stderr);
    // the lock file is still there, naming a dead owner
    assert((await Deno.stat(`${store.dir}/${STORE_LOCK_FILE}`)).isFile);
    const started = Date.now();
    const rerun = await expectExit(0, ["ingest-ndjson", "bars", "-", "--json"], {
      env: store.env,
      stdin: input,
    });
    assert(Date.now() - started < 60_000);
    assertEquals(JSON.parse(rerun.stdout).lines, ROWS);
    assertEquals(await stored(store.dir), { rows: ROWS, byVolume: { "4": ROWS } });
    await Deno.remove(store.root, { recursive: true });
  },
});

// A process that opens the store, writes 20,000 bars (so closing has pages to write back), then
// closes it while a worker thread, started beforehand, SIGKILLs the process `delay` ms after the
// close began: a thread of its own, so the kill lands even while close runs synchronous wasm.
const CLOSE_ROWS = 20_000;
const CLOSE_VICTIM = `
import { createClient } from "@mds/client";
const [dir, tenant, run, delay] = Deno.args;
const killer = new Worker(URL.createObjectURL(new Blob([\`
  self.onmessage = (e) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, e.data.delay);
    Deno.kill(e.data.pid, "SIGKILL");
  };
  self.postMessage("ready");
\`], { type: "application/javascript" })), { type: "module" });
await new Promise((resolve) => killer.onmessage = resolve);
const client = await createClient({ dataDir: dir, tenant });
const rows = Array.from({ length: ${CLOSE_ROWS} }, (_, i) => ({
  ts: new Date(${BASE} + (Number(run) * 40 + Math.floor(i / 500)) * 60000).toISOString(),
  vendor: "polygon", symbol: "S" + (i % 500), timeframe: "1m", open: 1, high: 2, low: 0.5,
  close: 1.5, volume: 5,
}));
await client.tenant().upsertBars(rows);
console.log("committed");
killer.postMessage({ delay: Number(delay), pid: Deno.pid });
await client.close();
console.log("closed");
`;

Deno.test({
  name: "a process killed while the embedded store closes loses none of its committed rows",
  sanitizeResources: false,
  fn: async () => {
    const store = await newStore();
    const script = `${store.dir}/../close_victim.ts`;
    await Deno.writeTextFile(script, CLOSE_VICTIM);
    // closing after 20,000 bars takes ~11 ms on the reference machine
    const delays = [0, 1, 2, 3, 5, 7, 9, 12, 40];
    let killedInClose = 0;
    for (const [run, delay] of delays.entries()) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `--config=${ROOT}deno.json`,
          script,
          store.dir,
          TENANT,
          String(run),
          String(delay),
        ],
        cwd: ROOT,
        clearEnv: true,
        env: baseEnv(),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert(stdout.includes("committed\n"), new TextDecoder().decode(out.stderr));
      if (out.signal === "SIGKILL" && !stdout.includes("closed\n")) killedInClose++;
      // the next opener proceeds at once and sees every committed row so far
      assertEquals(
        (await stored(store.dir)).rows,
        CLOSE_ROWS * (run + 1),
        `after a kill ${delay} ms into close`,
      );
    }
    console.log(`KILL-DURING-CLOSE ${killedInClose} of ${delays.length} kills landed inside close`);
    assert(
      killedInClose > 0,
      "at least one kill must land inside close for the test to mean anything",
    );
    await Deno.remove(store.root, { recursive: true });
  },
});

/** Whether this process may mount a tmpfs (root on Linux). */
function canMount(): boolean {
  return Deno.build.os === "linux" && Deno.uid() === 0;
}

Deno.test({
  name: canMount()
    ? "a filling disk stops the ingest with MDS_DISK_FULL before PGlite runs out; committed batches stay, and after space is freed the rerun completes"
    : "a full disk ... (skipped: mounting a small tmpfs needs root on Linux)",
  ignore: !canMount(),
  sanitizeResources: false,
  fn: async () => {
    const store = await newStore();
    const used = Number(
      new TextDecoder().decode(
        (await new Deno.Command("du", { args: ["-sm", store.dir], stdout: "piped" }).output())
          .stdout,
      ).split("\t")[0],
    );
    const mountpoint = await Deno.makeTempDir({ prefix: "mds_full_" });
    const mount = (...args: string[]) =>
      new Deno.Command("mount", { args, stdout: "null", stderr: "piped" }).output();
    // 100 MiB free: under the 64 MiB floor after a few batches (each grows table and WAL)
    const mounted = await mount("-t", "tmpfs", "-o", `size=${used + 100}m`, "tmpfs", mountpoint);
    assertEquals(mounted.code, 0, new TextDecoder().decode(mounted.stderr));
    try {
      const dir = `${mountpoint}/store`;
      const cp = await new Deno.Command("cp", { args: ["-a", store.dir, dir] }).output();
      assertEquals(cp.code, 0);
      const env = { ...store.env, MDS_DATA_DIR: dir };
      const input = bars(200_000, 0, 5);
      const full = await mds(["ingest-ndjson", "bars", "-", "--max-rows", "5000"], {
        env,
        stdin: input,
      });
      assertEquals(full.code, 1, full.stderr);
      assert(/below the floor of 64\.0 MiB .*\[MDS_DISK_FULL\]$/m.test(full.stderr), full.stderr);
      const before = await stored(dir);
      assert(before.rows > 0 && before.rows < 200_000, `some batches committed: ${before.rows}`);
      const grown = await mount("-o", "remount,size=512m", mountpoint);
      assertEquals(grown.code, 0, new TextDecoder().decode(grown.stderr));
      const rerun = await expectExit(0, ["ingest-ndjson", "bars", "-", "--json"], {
        env,
        stdin: input,
      });
      assertEquals(JSON.parse(rerun.stdout).unchanged, before.rows);
      assertEquals(await stored(dir), { rows: 200_000, byVolume: { "5": 200_000 } });
    } finally {
      await new Deno.Command("umount", { args: [mountpoint] }).output();
      await Deno.remove(mountpoint, { recursive: true });
      await Deno.remove(store.root, { recursive: true });
    }
  },
});
