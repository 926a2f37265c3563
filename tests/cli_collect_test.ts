// `mds collect` as a command: one pass over an empty universe, its usage and configuration
// errors, and the foreground run answering SIGHUP and SIGTERM. Each run is a real subprocess
// (`deno run cli/main.ts`) on an embedded store in a temporary directory. The collector's work
// against vendors is tested in tests/collector*.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, type Run, spawnMds } from "../testing/cli.ts";
import { newTenant } from "../testing/backends.ts";

/** Runs `mds args` with `env` and fails unless it exits with `code`. */
function run(code: number, args: readonly string[], env: Env): Promise<Run> {
  return expectExit(code, args, { env });
}

async function withStore(fn: (dir: string, env: Env) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mds_cli_collect_" });
  try {
    await fn(dir, cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: newTenant() }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mds collect --once over an empty universe exits 0 and prints the summary", async () => {
  await withStore(async (_dir, env) => {
    const out = await run(0, ["collect", "--once", "--workers", "2"], env);
    assertEquals(out.stdout.split("\n").map((l) => l.split(":")[0]), [
      "sweep",
      "jobs",
      "gaps",
      "waiting",
      "slo",
      "",
    ]);
    assertIncludes(out.stdout, "sweep: 0 series, 0 jobs enqueued");
    assertIncludes(out.stdout, "jobs: 0 done, 0 to retry, 0 dead");
    assertIncludes(out.stdout, "slo: no active series");
    const events = jsonLines(out.stderr).map((l) => l.event);
    assert(events.includes("sweep") && events.includes("gap_scan"), out.stderr);

    const json = await run(
      0,
      ["collect", "--once", "--until", "2024-07-01T00:00:00Z", "--json"],
      env,
    );
    const [summary, ...rest] = jsonLines(json.stdout);
    assertEquals(rest, []);
    assertEquals(summary!.sweep, { series: 0, enqueued: 0, closed: 0, pending: 0, uncollected: 0 });
    assertEquals(summary!.jobs, { done: 0, retry: 0, dead: 0, deferred: 0, no_data: 0 });
    assertEquals(summary!.waiting, 0);
    assert(Array.isArray(summary!.slo) && summary!.slo.length > 0);
  });
});

Deno.test("mds collect refuses bad usage with exit 2", async () => {
  await withStore(async (_dir, env) => {
    const cases: [string[], string][] = [
      [["collect", "--once", "--workers", "0"], "--workers must be a whole number from 1 to 64"],
      [["collect", "--once", "--workers", "65"], "--workers must be a whole number from 1 to 64"],
      [["collect", "--once", "--until", "2024-07-01"], "--until"],
    ];
    for (const [args, message] of cases) {
      const out = await run(2, args, env);
      assertIncludes(out.stderr, message);
    }
    const noTenant = { ...env };
    delete noTenant.MDS_TENANT_ID;
    const out = await run(2, ["collect", "--once"], noTenant);
    assertIncludes(out.stderr, "No tenant: pass --tenant or set MDS_TENANT_ID");
  });
});

Deno.test("mds collect exits 1 on a bad --config, naming the file and the setting", async () => {
  await withStore(async (dir, env) => {
    const file = `${dir}/collector.json`;
    await Deno.writeTextFile(file, '{"workers":{"count":0},"sweep":{"everySeconds":"soon"}}');
    const bad = await run(1, ["collect", "--once", "--config", file], env);
    assertIncludes(bad.stderr, `Invalid collector configuration "${file}"`);
    assertIncludes(bad.stderr, "workers.count: is 0: must be at least 1");
    assertIncludes(bad.stderr, "sweep.everySeconds");
    assertIncludes(bad.stderr, "[MDS_CONFIG]");
    assertEquals(bad.stdout, "");

    const viaEnv = await run(1, ["collect", "--once"], { ...env, MDS_COLLECTOR_CONFIG: file });
    assertIncludes(viaEnv.stderr, `"${file}"`);
    const missing = await run(1, ["collect", "--once", "--config", `${dir}/nope.json`], env);
    assertIncludes(missing.stderr, `"${dir}/nope.json": cannot be read`);
    await Deno.writeTextFile(file, "{ workers: 2 }");
    const notJson = await run(1, ["collect", "--once", "--config", file], env);
    assertIncludes(notJson.stderr, "is not valid JSON");
  });
});

/** Reads JSON log lines from a stream, for waiting on one event at a time. */
class LogLines {
  readonly seen: Record<string, unknown>[] = [];
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The first line from now on whose `event` is `event`; fails when the stream ends first. */
  async next(event: string): Promise<Record<string, unknown>> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        this.seen.push(parsed);
        if (parsed.event === event) return parsed;
        continue;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        throw new Error(`No "${event}" line; got: ${JSON.stringify(this.seen)} ${this.#buffer}`);
      }
      this.#buffer += value;
    }
  }

  /** Reads to the end. */
  async rest(): Promise<string> {
    for (;;) {
      const { value, done } = await this.#reader.read();
      if (done) return this.#buffer;
      this.#buffer += value;
    }
  }
}

Deno.test({
  name: "mds collect runs until SIGTERM, and SIGHUP reloads --config or keeps the running one",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withStore(async (dir, env) => {
      const file = `${dir}/collector.json`;
      await Deno.writeTextFile(file, '{"sweep":{"everySeconds":1}}');
      const child = spawnMds(["collect", "--config", file], env);
      await child.stdin.close();
      const stdout = new Response(child.stdout).text();
      const log = new LogLines(child.stderr);
      const watchdog = setTimeout(() => child.kill("SIGKILL"), 60_000);
      try {
        const started = await log.next("started");
        assertEquals([started.config, started.workers], [file, 4]);
        await log.next("sweep");

        await Deno.writeTextFile(file, '{"sweep":{"everySecond":1}}');
        child.kill("SIGHUP");
        const refused = await log.next("reload_refused");
        assertIncludes(String(refused.error), "sweep.everySecond");

        await Deno.writeTextFile(file, '{"sweep":{"everySeconds":2}}');
        child.kill("SIGHUP");
        await log.next("config_reloaded");

        child.kill("SIGTERM");
        assertEquals((await log.next("signal")).signal, "SIGTERM");
        await log.next("stopped");
        await log.rest();
        const status = await child.status;
        assertEquals(status.code, 0);
        assertEquals(await stdout, "");
      } finally {
        clearTimeout(watchdog);
        try {
          child.kill("SIGKILL");
        } catch {
          // it has exited
        }
        await Promise.all([child.status, stdout, log.rest()]);
      }
    });
  },
});
