// The client on Node: bundle @mds/client with `deno bundle --platform=node` and run
// tests/node/smoke.mjs on it with the `node` on PATH (Node 20 on the build machines). PGlite stays
// outside the bundle and is installed from npm next to it, because it loads pglite.wasm,
// initdb.wasm and pglite.data relative to its own module, which a bundle does not carry. The
// embedded store (in memory) always runs; a PostgreSQL server runs too when MDS_TEST_DATABASE_URL
// is set, on a fresh database the Node script migrates. With a server, the same bundle also runs
// from a directory where PGlite cannot be resolved: the client loads PGlite only for an embedded
// store, so a server-only program needs nothing but the bundle (and postgres.js inside it).
import { assert, assertEquals } from "../testing/assert.ts";
import { createServerDatabase, serverUrl } from "../testing/backends.ts";
import { acquireStoreLock, StoreLockedError } from "@mds/client";

const ROOT = new URL("../", import.meta.url);
const PGLITE = "@electric-sql/pglite";
const SERVER = serverUrl("postgres");

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
async function run(
  cmd: string,
  args: string[],
  options: { cwd: string | URL; env?: Record<string, string>; timeoutMs: number },
): Promise<Output> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env: options.env ?? {},
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

function must(what: string, out: Output): Output {
  assertEquals(
    out.code,
    0,
    `${what} exited with ${out.code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`,
  );
  return out;
}

/** The PGlite version Deno resolved (deno.lock), else the range deno.json asks for. */
async function pgliteVersion(): Promise<string> {
  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT)));
  for (const key of Object.keys(lock.npm ?? {})) {
    if (key.startsWith(`${PGLITE}@`)) return key.slice(PGLITE.length + 1).split("_")[0]!;
  }
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const spec: string = config.imports[PGLITE];
  return spec.slice(`npm:${PGLITE}@`.length);
}

const BARS_1M = [0, 1, 2, 3].map((i) => ({
  ts: `2024-01-02T14:3${i}:00.000Z`,
  vendor: "polygon",
  symbol: "AAPL",
  timeframe: "1m",
  open: 185 + i,
  high: 185.5 + i,
  low: 184.5 + i,
  close: 185.25 + i,
  volume: 100 * (i + 1),
  vwap: i === 0 ? 185.2 : null,
  trade_count: i === 0 ? 12 : null,
}));

function expected(backend: string) {
  const first = { rows: 5, unique: 5, inserted: 5, updated: 0, unchanged: 0 };
  const same = { rows: 5, unique: 5, inserted: 0, updated: 0, unchanged: 5 };
  return {
    backend,
    first,
    again: same,
    againCopy: same,
    latest: [
      {
        symbol: "AAPL",
        vendor: "polygon",
        price: 188.25,
        as_of: "2024-01-02T14:34:00.000Z",
        timeframe: "1m",
      },
      {
        symbol: "MSFT",
        vendor: "polygon",
        price: 370.75,
        as_of: "2024-01-02T14:31:00.000Z",
        timeframe: "1m",
      },
    ],
    window1m: BARS_1M,
    window5m: [{
      ts: "2024-01-02T14:30:00.000Z",
      open: 185,
      high: 188.5,
      low: 184.5,
      close: 188.25,
      volume: 1000,
    }],
  };
}

Deno.test({
  name: `the client bundled for Node 20 upserts and reads back on PGlite${
    SERVER ? " and PostgreSQL" : ""
  }`,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "mds_node_" });
    let db: { url: string; drop: () => Promise<void> } | undefined;
    try {
      const bundle = `${dir}/mds_client.mjs`;
      must(
        "deno bundle",
        await run(Deno.execPath(), [
          "bundle",
          "--platform=node",
          "--format=esm",
          `--external=${PGLITE}`,
          `--output=${bundle}`,
          "client/mod.ts",
        ], { cwd: ROOT, timeoutMs: 300_000 }),
      );
      must(
        "npm install",
        await run("npm", [
          "install",
          "--prefix",
          dir,
          "--no-audit",
          "--no-fund",
          "--ignore-scripts",
          "--loglevel=error",
          `${PGLITE}@${await pgliteVersion()}`,
        ], { cwd: dir, timeoutMs: 300_000 }),
      );

      await t.step(
        "the embedded store's lock works across Node and Deno, and a killed owner of either leaves none",
        () => storeLockAcrossRuntimes(bundle, `${dir}/store`),
      );

      const env: Record<string, string> = {};
      if (SERVER) {
        db = await createServerDatabase(SERVER);
        env.MDS_NODE_SERVER_URL = db.url;
      }
      const out = must(
        "node tests/node/smoke.mjs",
        await run("node", [
          decodeURIComponent(new URL("tests/node/smoke.mjs", ROOT).pathname),
          bundle,
        ], {
          cwd: dir,
          env,
          timeoutMs: 120_000,
        }),
      );
      const lines = out.stdout.trim().split("\n");
      assertEquals(lines.length, 1, `one JSON line expected, got:\n${out.stdout}`);
      const printed = JSON.parse(lines[0]!) as { node: string; results: unknown[] };
      assert(
        Number(/^v(\d+)\./.exec(printed.node)?.[1]) >= 20,
        `Node 20 or later expected, got ${printed.node}`,
      );
      assertEquals(
        printed.results,
        SERVER ? [expected("pglite"), expected("postgres")] : [expected("pglite")],
      );

      if (db) {
        const url = db.url;
        await t.step(
          "without PGlite installed the bundle loads, and connects, upserts and reads on the server",
          () => withoutPglite(bundle, url),
        );
      }
    } finally {
      try {
        await db?.drop();
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});

/**
 * Copies the bundle into a fresh directory with no node_modules up its path (PGlite cannot be
 * resolved from there), then runs tests/node/smoke.mjs on the server only, the tenant riding in
 * the URL.
 */
async function withoutPglite(bundle: string, url: string): Promise<void> {
  const bare = await Deno.makeTempDir({ prefix: "mds_node_bare_" });
  try {
    for (let dir = bare; dir !== "/"; dir = dir.slice(0, dir.lastIndexOf("/")) || "/") {
      const found = await Deno.stat(`${dir}/node_modules`).then(() => true, () => false);
      assert(!found, `${dir}/node_modules exists: PGlite might resolve from there`);
    }
    const copy = `${bare}/mds_client.mjs`;
    await Deno.copyFile(bundle, copy);
    const out = must(
      "node tests/node/smoke.mjs without PGlite",
      await run("node", [
        decodeURIComponent(new URL("tests/node/smoke.mjs", ROOT).pathname),
        copy,
      ], {
        cwd: bare,
        env: { MDS_NODE_SERVER_URL: url, MDS_NODE_WITHOUT_PGLITE: "1" },
        timeoutMs: 120_000,
      }),
    );
    const printed = JSON.parse(out.stdout.trim()) as { results: unknown[] };
    assertEquals(printed.results, [expected("postgres")]);
  } finally {
    await Deno.remove(bare, { recursive: true });
  }
}

const LOCK_SCRIPT = decodeURIComponent(new URL("tests/node/store_lock.mjs", ROOT).pathname);

/** Runs tests/node/store_lock.mjs once and returns the JSON line it printed. */
async function nodeLock(bundle: string, dir: string, mode: "try" | "client") {
  const out = must(
    `node store_lock.mjs ${mode}`,
    await run("node", [LOCK_SCRIPT, bundle, dir, mode], { cwd: ROOT, timeoutMs: 120_000 }),
  );
  return JSON.parse(out.stdout.trim()) as Record<string, unknown> & {
    owner?: { pid: number; runtime: string };
  };
}

/** Starts a process that holds the lock of `dir` until killed; resolves once it holds it. */
async function holder(cmd: string, args: string[]): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  reader.releaseLock();
  void child.stdout.cancel().catch(() => {});
  assertEquals(JSON.parse(out).held, child.pid, `the holder did not take the lock: ${out}`);
  return child;
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.status;
  await child.stdin.close().catch(() => {});
}

async function storeLockAcrossRuntimes(bundle: string, dir: string): Promise<void> {
  // Node holds: Deno and another Node are refused, naming the Node owner
  const nodeHolder = await holder("node", [LOCK_SCRIPT, bundle, dir, "hold"]);
  const refused = await acquireStoreLock(dir).then(() => undefined, (e) => e);
  assert(refused instanceof StoreLockedError, String(refused));
  assertEquals([refused.owner?.runtime, refused.owner?.pid], ["node", nodeHolder.pid]);
  const other = await nodeLock(bundle, dir, "try");
  assertEquals([other.code, other.owner?.pid], ["MDS_STORE_LOCKED", nodeHolder.pid]);
  // SIGKILL leaves the file behind; Deno takes it over at once
  await kill(nodeHolder);
  const started = Date.now();
  const lock = await acquireStoreLock(dir);
  assert(Date.now() - started < 1_000, "taken over at once");
  // Deno holds: Node is refused, also when opening the store with createClient
  const fromNode = await nodeLock(bundle, dir, "try");
  assertEquals([fromNode.code, fromNode.owner?.runtime], ["MDS_STORE_LOCKED", "deno"]);
  assertEquals((await nodeLock(bundle, dir, "client")).code, "MDS_STORE_LOCKED");
  await lock.release();
  // free again: Node opens the embedded store in the directory, writes and reads back
  assertEquals(await nodeLock(bundle, dir, "client"), { rows: 1 });
  // a SIGKILLed Deno owner leaves its file, and Node takes it over
  const denoHolder = await holder(Deno.execPath(), [
    "eval",
    `--config=${decodeURIComponent(new URL("deno.json", ROOT).pathname)}`,
    `import { acquireStoreLock } from "@mds/client";
     await acquireStoreLock(${JSON.stringify(dir)});
     console.log(JSON.stringify({ held: Deno.pid }));
     await new Promise(() => setInterval(() => {}, 1000));`,
  ]);
  await kill(denoHolder);
  assertEquals(await nodeLock(bundle, dir, "try"), { acquired: true });
}
