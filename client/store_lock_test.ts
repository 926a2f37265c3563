import * as fs from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { acquireStoreLock, STORE_LOCK_FILE, StoreLockedError } from "./store_lock.ts";

/** A store path in a fresh temporary directory, removed with everything in it on dispose. */
function tempStore(): { dir: string } & Disposable {
  const root = Deno.makeTempDirSync({ prefix: "mds-lock-" });
  return {
    dir: join(root, "store"),
    [Symbol.dispose]: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** A pid that belonged to a process which has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true", { stdout: "null", stderr: "null" }).spawn();
  await child.status;
  return child.pid;
}

function owner(fields: Record<string, unknown>): string {
  return JSON.stringify({
    pid: 1,
    host: hostname(),
    runtime: "node",
    command: "mds ingest-ndjson bars -",
    since: "2026-01-01T00:00:00.000Z",
    processStart: null,
    ...fields,
  });
}

Deno.test("acquireStoreLock() refuses a second opener at once, naming the directory and the owner", async () => {
  using store = tempStore();
  const dir = store.dir;
  const lock = await acquireStoreLock(dir);
  const started = Date.now();
  const err = await assertRejects(() => acquireStoreLock(dir), StoreLockedError);
  assert(Date.now() - started < 1_000, "a second opener must fail at once");
  assertEquals(err.code, "MDS_STORE_LOCKED");
  assertEquals(err.owner?.pid, Deno.pid);
  assertEquals(err.owner?.runtime, "deno");
  assert(err.message.includes(JSON.stringify(err.dir)), err.message);
  assert(err.message.includes(`process ${Deno.pid}`), err.message);
  assert(err.message.includes("PostgreSQL server"), err.message);
  await lock.release();
  assertEquals(fs.existsSync(join(dir, STORE_LOCK_FILE)), false, "release removes the file");
  await (await acquireStoreLock(dir)).release();
});

Deno.test("acquireStoreLock() with waitMs waits for the owner to release, and gives up after it", async () => {
  using store = tempStore();
  const dir = store.dir;
  const lock = await acquireStoreLock(dir);
  const timer = setTimeout(() => void lock.release(), 300);
  const started = Date.now();
  const second = await acquireStoreLock(dir, { waitMs: 10_000, pollMs: 20 });
  const waited = Date.now() - started;
  clearTimeout(timer);
  assert(waited >= 250 && waited < 5_000, `waited ${waited} ms`);
  const gaveUp = Date.now();
  const err = await assertRejects(
    () => acquireStoreLock(dir, { waitMs: 400, pollMs: 50 }),
    StoreLockedError,
  );
  assert(Date.now() - gaveUp >= 380, "waited the whole bound");
  assert(err.message.includes("after waiting 0.4 s"), err.message);
  await second.release();
});

Deno.test("acquireStoreLock() takes over at once a lock whose owner is dead or whose pid was reused", async () => {
  using store = tempStore();
  const dir = store.dir;
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, STORE_LOCK_FILE);
  // a Node owner that exited without releasing
  fs.writeFileSync(path, owner({ pid: await deadPid() }));
  const a = await acquireStoreLock(dir);
  assertEquals(a.owner.pid, Deno.pid);
  await a.release();
  // a live pid that started at another time than the owner did: not the owner any more
  fs.writeFileSync(path, owner({ pid: Deno.pid, processStart: "1" }));
  const b = await acquireStoreLock(dir);
  await b.release();
  // a Deno owner whose flock is free: it is gone, even if its pid is alive
  fs.writeFileSync(path, owner({ pid: Deno.pid, runtime: "deno" }));
  const c = await acquireStoreLock(dir);
  await c.release();
  // an empty file left by a crash between creating and writing it, once it is old
  fs.writeFileSync(path, "");
  fs.utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  const d = await acquireStoreLock(dir);
  await d.release();
  assertEquals(fs.readdirSync(dir), [], "no stale file is left behind");
});

Deno.test("acquireStoreLock() counts as held a live Node owner, another host's owner and a file being written", async () => {
  using store = tempStore();
  const dir = store.dir;
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, STORE_LOCK_FILE);
  fs.writeFileSync(path, owner({ pid: Deno.pid, runtime: "node" }));
  const live = await assertRejects(() => acquireStoreLock(dir), StoreLockedError);
  assertEquals(live.owner?.runtime, "node");
  fs.writeFileSync(path, owner({ pid: 12345, host: "elsewhere.example" }));
  const foreign = await assertRejects(() => acquireStoreLock(dir), StoreLockedError);
  assert(foreign.message.includes("cannot be checked from here"), foreign.message);
  assert(foreign.message.includes(JSON.stringify(path)), foreign.message);
  fs.writeFileSync(path, "");
  const writing = await assertRejects(() => acquireStoreLock(dir), StoreLockedError);
  assertEquals(writing.owner, undefined);
  assertEquals(fs.readFileSync(path, "utf8"), "", "a held lock is never touched");
});

Deno.test("acquireStoreLock() takes turns over a stale lock: a live taker's turn counts as held, a dead taker's is cleared", async () => {
  using store = tempStore();
  const dir = store.dir;
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, STORE_LOCK_FILE);
  const turn = `${path}.takeover`;
  const stale = owner({ pid: await deadPid() });
  fs.writeFileSync(path, stale);
  // another opener (alive: this process, as Node) is taking the stale lock over
  fs.writeFileSync(turn, owner({ pid: Deno.pid, runtime: "node", command: "mds taker" }));
  const err = await assertRejects(() => acquireStoreLock(dir), StoreLockedError);
  assertEquals(err.owner?.command, "mds taker");
  assertEquals(fs.readFileSync(path, "utf8"), stale, "only the taker removes the stale lock");
  // a waiting opener takes over once the taker's turn ends
  const timer = setTimeout(() => fs.rmSync(turn), 200);
  const waited = await acquireStoreLock(dir, { waitMs: 5_000, pollMs: 20 });
  clearTimeout(timer);
  await waited.release();
  // a taker that died in its turn, a Node one and a Deno one (its flock is free): cleared at once
  for (const dead of [{ pid: await deadPid() }, { pid: Deno.pid, runtime: "deno" }]) {
    fs.writeFileSync(path, stale);
    fs.writeFileSync(turn, owner(dead));
    const lock = await acquireStoreLock(dir);
    await lock.release();
    assertEquals(fs.readdirSync(dir), [], "no lock, turn or stale file is left behind");
  }
});

Deno.test("acquireStoreLock() gives up a new lock file whose flock a stopped prober holds, and takes another", async () => {
  using store = tempStore();
  const dir = store.dir;
  const path = join(dir, STORE_LOCK_FILE);
  const open = Deno.open;
  let prober: Deno.FsFile | undefined;
  // the first lock file created: another handle takes its flock at once and keeps it, as an
  // opener stopped (SIGSTOP) in the middle of probing it would
  const patched = async (p: string | URL, o?: Deno.OpenOptions) => {
    const file = await open(p, o);
    if (o?.createNew && prober === undefined && String(p) === path) {
      prober = await open(p, { read: true });
      assert(await prober.tryLock(true), "the prober takes the flock first");
    }
    return file;
  };
  Object.assign(Deno, { open: patched });
  try {
    const started = Date.now();
    const lock = await acquireStoreLock(dir);
    const waited = Date.now() - started;
    assert(prober !== undefined, "the prober ran");
    assert(waited >= 900 && waited < 5_000, `took the lock after ${waited} ms`);
    assertEquals(JSON.parse(fs.readFileSync(path, "utf8")).pid, Deno.pid);
    assert(fs.statSync(path).ino !== (await prober.stat()).ino, "a new file, not the probed one");
    await lock.release();
    assertEquals(fs.readdirSync(dir), []);
  } finally {
    Object.assign(Deno, { open });
    prober?.close();
  }
});

Deno.test("acquireStoreLock() lets exactly one of several processes win over a stale lock", async () => {
  // Real processes interleave where one process's openers cannot: between a check and a removal.
  const script = `import { acquireStoreLock } from ${
    JSON.stringify(new URL("./store_lock.ts", import.meta.url).href)
  };
    const [dir, at] = Deno.args;
    while (Date.now() < Number(at)) await new Promise((r) => setTimeout(r, 1));
    try {
      const lock = await acquireStoreLock(dir);
      console.log("won");
      await new Promise((r) => setTimeout(r, 500));
      await lock.release();
    } catch (err) {
      console.log(err.code ?? String(err));
    }`;
  const dead = await deadPid();
  for (let round = 0; round < 3; round++) {
    using store = tempStore();
    const dir = store.dir;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, STORE_LOCK_FILE), owner({ pid: dead }));
    const at = String(Date.now() + 2_000); // all started before any tries
    const outputs = await Promise.all(
      Array.from({ length: 5 }, () =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", "--ext=ts", script, dir, at],
          stdout: "piped",
          stderr: "inherit",
        }).output()),
    );
    const said = outputs.map((o) => new TextDecoder().decode(o.stdout).trim()).sort();
    assertEquals(said, [
      "MDS_STORE_LOCKED",
      "MDS_STORE_LOCKED",
      "MDS_STORE_LOCKED",
      "MDS_STORE_LOCKED",
      "won",
    ], `round ${round}`);
    assertEquals(fs.readdirSync(dir), []);
  }
});

Deno.test("acquireStoreLock() lets exactly one of many racing openers win over a stale lock", async () => {
  // Many rounds: the race that let two win (a new lock whose flock was taken by an opener's
  // probe at the moment its owner tried for it, so it looked stale) showed in a few rounds of a
  // thousand on a loaded machine.
  const dead = await deadPid();
  for (let round = 0; round < 50; round++) {
    using store = tempStore();
    const dir = store.dir;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, STORE_LOCK_FILE), owner({ pid: dead }));
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () => acquireStoreLock(dir)),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    assertEquals(won.length, 1, `exactly one opener holds the lock (round ${round})`);
    for (const r of results) {
      if (r.status === "rejected") assert(r.reason instanceof StoreLockedError, String(r.reason));
    }
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireStoreLock>>>).value
      .release();
    assertEquals(fs.readdirSync(dir), []);
  }
});
