// Concurrency and crash safety of `mds ingest-ndjson`, end to end with the real command:
// four processes writing overlapping key ranges into the same tables at once (bars, news and
// option snapshots; COPY and unnest writers side by side), and an ingest killed with SIGKILL
// mid-way, then rerun, on the servers and on the embedded store. Inputs are generated,
// deterministically; sizes come from soak() (small in every run, large under MDS_SOAK=1).
import { createPgliteBackend, createPostgresBackend, type Queryable } from "@mds/client";
import {
  parseBar,
  parseNews,
  parseOptionSnap,
  rowKey,
  type RowKind,
  TABLES,
  type TableSpec,
} from "@mds/sql";
import { assert, assertEquals } from "../testing/assert.ts";
import {
  backendSuite,
  createServerDatabase,
  newTenant,
  serverUrl,
  type TestDb,
} from "../testing/backends.ts";
import { cleanEnv, type Env, expectExit, type Run, spawnMds } from "../testing/cli.ts";
import {
  ndjson,
  type RunningIngest,
  sleep,
  startIngest,
  summaryOf,
} from "../testing/cli_ingest.ts";
import { randomBar, seeded } from "../testing/random.ts";
import { soak } from "../testing/soak.ts";

const encoder = new TextEncoder();
const BASE = Date.UTC(2024, 0, 2, 14, 30);
const PROCESSES = 4;
/** Batch size of every ingest here: small, so many transactions of different writers interleave. */
const MAX_ROWS = "500";

type Kind = "bars" | "news" | "options";

/**
 * The input line of key `i` of a kind, as written by `version`: the same version always gives
 * the same values, and two versions of one key differ in at least one value column.
 */
const LINES: Record<Kind, (i: number, version: number) => Record<string, unknown>> = {
  // 250 symbols x 2 vendors = 500 series, so each 500-row batch touches a different subset of
  // latest_prices and cursor rows; 97-minute steps spread the keys over several days (chunks)
  bars: (i, version) => {
    const series = i % 500;
    const rand = seeded(i * 31 + version * 1_000_003 + 17);
    const values = randomBar(rand, ["X"], 1);
    return {
      ...values,
      ts: new Date(BASE + Math.floor(i / 500) * 97 * 60_000).toISOString(),
      vendor: series % 2 === 0 ? "alpha" : "beta",
      symbol: `S${series >> 1}`,
      volume: values.volume * 10 + version,
    };
  },
  news: (i, version) => {
    const rand = seeded(i * 37 + version * 1_000_033 + 5);
    return {
      published_at: new Date(BASE + i * 11_000).toISOString(),
      vendor: i % 2 === 0 ? "wire" : "feed",
      id: `n${i}`,
      symbols: [`S${i % 250}`, `S${(i * 7) % 250}`],
      title: `Headline ${i} (version ${version})`,
      url: `https://news.example/${i}`,
      summary: rand() < 0.3 ? null : `Summary ${i} ${rand()}`,
      source: "example",
      sentiment: Math.round((rand() * 2 - 1) * 1_000) / 1_000,
    };
  },
  // 100 underlyings x 14 contracts per snapshot time; the cursors track 100 series
  options: (i, version) => {
    const contract = i % 14;
    const rand = seeded(i * 41 + version * 1_000_037 + 3);
    const bid = Math.round(rand() * 1_000) / 100;
    return {
      ts: new Date(BASE + Math.floor(i / 1_400) * 60 * 60_000).toISOString(),
      vendor: "opra",
      symbol: `S${Math.floor(i / 14) % 100}`,
      expiry: "2024-02-16",
      option_type: contract % 2 === 0 ? "C" : "P",
      strike: 100 + (contract >> 1) * 5,
      bid,
      ask: bid + 0.05,
      last: rand() < 0.2 ? null : bid + 0.02,
      volume: Math.floor(rand() * 10_000) * 10 + version,
      open_interest: Math.floor(rand() * 50_000),
      implied_volatility: Math.round(rand() * 1_000) / 1_000,
      delta: Math.round(rand() * 1_000) / 1_000,
    };
  },
};

const PARSE: Record<Kind, (input: unknown) => object> = {
  bars: parseBar,
  news: parseNews,
  options: parseOptionSnap,
};

/** The stored form of an input line for `tenant`, as a comparable string. */
function expectedRow(kind: Kind, tenant: string, i: number, version: number) {
  const row = { ...PARSE[kind](LINES[kind](i, version)), tenant_id: tenant };
  return { key: rowKey(TABLES[kind], row), canon: canon(TABLES[kind], row) };
}

/** The columns of a row, in table order, as JSON; times as ISO text. */
function canon(spec: TableSpec, row: object): string {
  const r = row as Record<string, unknown>;
  return JSON.stringify(spec.columns.map((c) => {
    const v = r[c.name];
    return v instanceof Date ? v.toISOString() : v ?? null;
  }));
}

interface Stored {
  key: string;
  canon: string;
  revision: number;
  row: Record<string, unknown>;
}

/** Every row of a tenant in a table, read through a superuser connection. */
async function storedRows(db: Queryable, kind: RowKind, tenant: string): Promise<Stored[]> {
  const spec = TABLES[kind];
  const rows = await db.query<Record<string, unknown>>(
    `SELECT ${spec.columns.map((c) => c.name).join(", ")}, revision FROM ${spec.table}
     WHERE tenant_id = $1 ORDER BY ${spec.key.join(", ")}`,
    [tenant],
  );
  return rows.map((row) => ({
    key: rowKey(spec, row),
    canon: canon(spec, row),
    revision: Number(row.revision),
    row,
  }));
}

/** Keys stored more than once (never, with a primary key; asked of the database anyway). */
async function duplicateKeys(db: Queryable, kind: RowKind, tenant: string): Promise<number> {
  const spec = TABLES[kind];
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${spec.table} WHERE tenant_id = $1
     GROUP BY ${spec.key.join(", ")} HAVING count(*) > 1) AS d`,
    [tenant],
  );
  return row!.n;
}

/** latest_prices and the ingestion cursors of a tenant, as comparable text, sorted. */
async function seriesState(db: Queryable, tenant: string): Promise<string[]> {
  const latest = await db.query<Record<string, unknown>>(
    `SELECT vendor, symbol, as_of, price, timeframe FROM mds_core.latest_prices
     WHERE tenant_id = $1 ORDER BY vendor, symbol`,
    [tenant],
  );
  const cursors = await db.query<Record<string, unknown>>(
    `SELECT dataset, vendor, symbol, timeframe, last_ts FROM mds_core.ingest_cursors
     WHERE tenant_id = $1 ORDER BY dataset, vendor, symbol, timeframe`,
    [tenant],
  );
  const text = (r: Record<string, unknown>) =>
    JSON.stringify(Object.values(r).map((v) => (v instanceof Date ? v.toISOString() : v)));
  return [...latest.map((r) => `latest ${text(r)}`), ...cursors.map((r) => `cursor ${text(r)}`)];
}

/**
 * latest_prices and cursors derived from the stored rows: per series the newest row (its close
 * at its close time for bars) and the newest time.
 */
function seriesFromRows(kind: Kind, rows: readonly Stored[]): string[] {
  const spec = TABLES[kind];
  if (!spec.series) return [];
  const newest = new Map<string, Record<string, unknown>>();
  for (const { row } of rows) {
    const series = spec.series.map((c) => String(row[c])).join("|");
    const seen = newest.get(series);
    if (!seen || (row[spec.time] as Date) > (seen[spec.time] as Date)) newest.set(series, row);
  }
  const text = (values: unknown[]) => JSON.stringify(values);
  const latest: string[] = [];
  const cursors: string[] = [];
  for (const r of newest.values()) {
    const ts = r[spec.time] as Date;
    if (kind === "bars") {
      const asOf = new Date(ts.getTime() + 60_000).toISOString(); // every bar here is 1m
      latest.push(`latest ${text([r.vendor, r.symbol, asOf, r.close, r.timeframe])}`);
    }
    const timeframe = kind === "bars" ? r.timeframe : "";
    cursors.push(`cursor ${text([kind, r.vendor, r.symbol, timeframe, ts.toISOString()])}`);
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...latest.sort(byText), ...cursors.sort(byText)];
}

async function deadlocks(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    "SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return row!.n;
}

/** Fisher-Yates with a seeded generator. */
function shuffled<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** `mds args`, its stdin streamed from `lines` 1,000 at a time. */
async function ingestStream(
  args: readonly string[],
  env: Env,
  lines: Iterable<string>,
): Promise<Run> {
  const child = spawnMds(args, env);
  const output = child.output();
  const writer = child.stdin.getWriter();
  try {
    let chunk: string[] = [];
    for (const line of lines) {
      chunk.push(line);
      if (chunk.length === 1_000) {
        await writer.write(encoder.encode(chunk.join("\n") + "\n"));
        chunk = [];
      }
    }
    if (chunk.length > 0) await writer.write(encoder.encode(chunk.join("\n") + "\n"));
    await writer.close();
  } catch {
    // the command exited without reading all its input; its exit code tells
  }
  const { code, stdout, stderr } = await output;
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/** Keys shared by neighbouring writers, per kind: each writer gets 2 x this many rows. */
const SLICE: Record<Kind, number> = soak(
  { bars: 2_500, news: 500, options: 700 },
  { bars: 100_000, news: 10_000, options: 14_000 },
);

/**
 * Four `mds ingest-ndjson` processes at once on one tenant. Writer p gets keys
 * [p·S, p·S + 2S) of 4S (wrapping), shuffled, so every key is written by exactly two processes
 * whose batches interleave; writers 0 and 2 use unnest (`insert`), 1 and 3 COPY. With
 * `conflicting`, writer p writes version p + 1 of each key (other values), else all write the
 * same values. Returns the summaries and the database's deadlock count over the run.
 */
async function concurrentIngest(db: TestDb, kind: Kind, tenant: string, conflicting: boolean) {
  const slice = SLICE[kind];
  const keys = PROCESSES * slice;
  const tmp = await Deno.makeTempDir({ prefix: "mds_concurrency_test_" });
  try {
    // MDS_DATA_DIR too, so a command that wrongly ignored the URL could not touch ./.mds
    const env = cleanEnv({ MDS_DATA_DIR: `${tmp}/unused` });
    const deadlocksBefore = await deadlocks(db.backend);
    const started = performance.now();
    const runs = await Promise.all(Array.from({ length: PROCESSES }, (_, p) => {
      const order = shuffled(
        Array.from({ length: 2 * slice }, (_, j) => (p * slice + j) % keys),
        seeded(1_000 + p),
      );
      const version = conflicting ? p + 1 : 0;
      const args = [
        "ingest-ndjson",
        kind,
        "-",
        "--database-url",
        db.url!,
        "--tenant",
        tenant,
        "--write-mode",
        p % 2 === 0 ? "insert" : "copy",
        "--max-rows",
        MAX_ROWS,
        "--json",
      ];
      return ingestStream(args, env, order.map((i) => JSON.stringify(LINES[kind](i, version))));
    }));
    const seconds = (performance.now() - started) / 1000;
    for (const [p, run] of runs.entries()) {
      assert(
        !/deadlock|40P01/i.test(run.stderr),
        `writer ${p} reported a deadlock:\n${run.stderr.slice(0, 2_000)}`,
      );
      assertEquals(run.code, 0, `writer ${p} exited ${run.code}:\n${run.stderr.slice(0, 2_000)}`);
    }
    // the counter is flushed when a server process ends, so it may lag: never counts too many
    const deadlocksSeen = (await deadlocks(db.backend)) - deadlocksBefore;
    return { keys, slice, seconds, summaries: runs.map(summaryOf), deadlocksSeen };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/**
 * Checks the table holds exactly one row per key, each equal to the version of one of the
 * writers of that key, with `revision` as expected; and that latest_prices and the cursors
 * agree with the newest stored row of each series.
 */
async function assertUnion(
  db: TestDb,
  kind: Kind,
  tenant: string,
  keys: number,
  versionsOf: (i: number) => number[],
  revision: number,
): Promise<void> {
  const rows = await storedRows(db.backend, kind, tenant);
  assertEquals(rows.length, keys, `${kind}: ${rows.length} rows stored for ${keys} keys`);
  assertEquals(await duplicateKeys(db.backend, kind, tenant), 0, `${kind}: duplicate keys`);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  assertEquals(byKey.size, keys, `${kind}: distinct keys`);
  const wrong: string[] = [];
  for (let i = 0; i < keys; i++) {
    const versions = versionsOf(i).map((v) => expectedRow(kind, tenant, i, v));
    const stored = byKey.get(versions[0]!.key);
    if (!stored) wrong.push(`key ${i}: missing`);
    else if (!versions.some((v) => v.canon === stored.canon)) {
      wrong.push(`key ${i}: ${stored.canon} is none of ${versions.map((v) => v.canon)}`);
    } else if (stored.revision !== revision) {
      wrong.push(`key ${i}: revision ${stored.revision}, not ${revision}`);
    }
  }
  assertEquals(
    wrong.length,
    0,
    `${kind}: ${wrong.length} rows wrong:\n${wrong.slice(0, 5).join("\n")}`,
  );
  const expectedSeries = seriesFromRows(kind, rows);
  const series = (await seriesState(db.backend, tenant)).filter((s) =>
    kind === "bars" || s.startsWith(`cursor ["${kind}"`)
  );
  assertEquals(series, expectedSeries, `${kind}: latest_prices/cursors differ from the rows`);
}

function sum(summaries: Record<string, unknown>[], field: string): number {
  return summaries.reduce((n, s) => n + Number(s[field]), 0);
}

backendSuite("concurrent ingest", {
  "4 processes writing the same values for overlapping keys end with exactly the union: no deadlock, no duplicate, no lost row":
    async (db) => {
      for (const kind of ["bars", "news", "options"] as const) {
        const tenant = newTenant();
        const r = await concurrentIngest(db, kind, tenant, false);
        // every key is inserted by exactly one writer; the other finds it unchanged
        assertEquals(
          [
            sum(r.summaries, "inserted"),
            sum(r.summaries, "updated"),
            sum(r.summaries, "unchanged"),
          ],
          [r.keys, 0, r.keys],
          `${kind}: ${JSON.stringify(r.summaries)}`,
        );
        await assertUnion(db, kind, tenant, r.keys, () => [0], 0);
        assertEquals(r.deadlocksSeen, 0, "deadlocks detected by the server");
        console.log(
          `concurrent ingest [${db.name}] ${kind}, same values: ${PROCESSES} processes x ${
            2 * r.slice
          } rows (${r.slice} keys shared with each neighbour), ${r.keys} distinct keys, ${
            r.seconds.toFixed(1)
          } s, deadlocks ${r.deadlocksSeen}`,
        );
      }
    },
  "4 processes writing different values for overlapping keys: each row is one writer's version, revision 1, latest price of the newest bar":
    async (db) => {
      for (const kind of ["bars", "news", "options"] as const) {
        const tenant = newTenant();
        const r = await concurrentIngest(db, kind, tenant, true);
        // the second writer of each key finds the first one's values and replaces them
        assertEquals(
          [
            sum(r.summaries, "inserted"),
            sum(r.summaries, "updated"),
            sum(r.summaries, "unchanged"),
          ],
          [r.keys, r.keys, 0],
          `${kind}: ${JSON.stringify(r.summaries)}`,
        );
        const writerOf = (i: number) => Math.floor(i / r.slice);
        await assertUnion(
          db,
          kind,
          tenant,
          r.keys,
          (i) => [writerOf(i) + 1, ((writerOf(i) + PROCESSES - 1) % PROCESSES) + 1],
          1,
        );
        assertEquals(r.deadlocksSeen, 0, "deadlocks detected by the server");
        console.log(
          `concurrent ingest [${db.name}] ${kind}, conflicting values: ${PROCESSES} processes x ${
            2 * r.slice
          } rows, ${r.keys} distinct keys, ${r.seconds.toFixed(1)} s, deadlocks ${r.deadlocksSeen}`,
        );
      }
    },
  "SIGKILL mid-ingest, then the same command rerun: the table equals one clean ingest into a fresh database":
    async (db) => {
      const plan = SERVER_KILL;
      const tenant = newTenant();
      const tmp = await Deno.makeTempDir({ prefix: "mds_concurrency_test_" });
      const fresh = await createServerDatabase(serverUrl(db.name as "postgres" | "timescale")!);
      try {
        const env = cleanEnv({ MDS_DATA_DIR: `${tmp}/unused` });
        const args = (url: string) => [
          "ingest-ndjson",
          "bars",
          "-",
          "--database-url",
          url,
          "--tenant",
          tenant,
          "--max-rows",
          MAX_ROWS,
        ];
        const count = async () =>
          (await db.backend.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM mds_core.bars WHERE tenant_id = $1",
            [tenant],
          ))[0]!.n;
        // committed rows are visible to a second connection: kill once a tenth is in
        const { partial, seconds, before } = await killMidIngest(
          plan,
          env,
          args(db.url!),
          async () => {
            const committed = await count();
            return committed >= plan.keys / 10 ? committed : null;
          },
          count,
        );
        const input = ndjson(killInput(plan.keys));
        await expectExit(0, args(db.url!), { env, stdin: input });
        await expectExit(0, [
          "migrate",
          "--database-url",
          fresh.url,
          "--timescale",
          db.name === "timescale" ? "require" : "off",
        ], { env });
        await expectExit(0, args(fresh.url), { env, stdin: input });
        const other = createPostgresBackend({ url: fresh.url, max: 1 });
        try {
          await assertSameStore(db.backend, other, tenant, plan.keys);
        } finally {
          await other.close();
        }
        console.log(
          `SIGKILL mid-ingest [${db.name}]: killed after ${
            seconds.toFixed(1)
          } s with ${partial} of ${plan.keys} rows stored (${before} seen committed before); rerun equals a clean ingest`,
        );
      } finally {
        await fresh.drop();
        await Deno.remove(tmp, { recursive: true });
      }
    },
}, { only: ["postgres", "timescale"] });

/** Size and pace of a SIGKILL test: distinct keys, and `chunk` input lines every `everyMs`. */
interface KillPlan {
  keys: number;
  chunk: number;
  everyMs: number;
}

/** Servers ingest 500-row batches at 20-40k rows/s here: feed at up to 25k lines/s. */
const SERVER_KILL: KillPlan = { keys: soak(20_000, 200_000), chunk: 1_000, everyMs: 40 };
/** The embedded store ingests 500-row batches at about 8k rows/s: feed at up to 5k lines/s. */
const EMBEDDED_KILL: KillPlan = { keys: soak(10_000, 100_000), chunk: 500, everyMs: 100 };

/**
 * The SIGKILL input: bars 0..keys-1 in order, and after every tenth line a correction (another
 * version) of the bar 3,000 lines back, so corrections are spread through the input.
 */
function killInput(keys: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < keys; i++) {
    lines.push(JSON.stringify(LINES.bars(i, 0)));
    if (i % 10 === 9 && i >= 3_000) lines.push(JSON.stringify(LINES.bars(i - 3_000, 1)));
  }
  return lines;
}

/** Distinct keys among the first `n` lines of the SIGKILL input (corrections repeat keys). */
function keysInFirstLines(n: number): number {
  let lines = 0;
  for (let i = 0; lines < n; i++) {
    lines += i % 10 === 9 && i >= 3_000 ? 2 : 1;
    if (lines >= n) return i + 1;
  }
  return 0;
}

/**
 * Starts `mds args` on the SIGKILL input, feeding stdin steadily (so the ingest is busy writing
 * when it dies) until `committed()` answers a number (rows known to be committed), then kills it
 * with SIGKILL. Returns the rows `count()` finds afterwards; asserts they are some but not all of
 * the input's keys, and no fewer than were known to be committed.
 */
async function killMidIngest(
  plan: KillPlan,
  env: Env,
  args: readonly string[],
  committed: (ingest: RunningIngest) => Promise<number | null>,
  count: () => Promise<number>,
): Promise<{ partial: number; seconds: number; before: number }> {
  const lines = killInput(plan.keys);
  const ingest = startIngest({ env }, args);
  const started = performance.now();
  let stop = false;
  const feeding = (async () => {
    for (let at = 0; at < lines.length && !stop; at += plan.chunk) {
      await ingest.write(ndjson(lines.slice(at, at + plan.chunk)));
      await sleep(plan.everyMs);
    }
  })();
  const deadline = Date.now() + 120_000;
  let run: Run;
  let before: number | null = null;
  try {
    while (Date.now() < deadline && (before = await committed(ingest)) === null) await sleep(25);
  } finally {
    stop = true;
    run = await ingest.stop("SIGKILL");
    await feeding;
  }
  const seconds = (performance.now() - started) / 1000;
  assertEquals(run.code, 137, `not killed by SIGKILL (exit ${run.code}):\n${run.stderr}`);
  assert(before !== null, `the ingest made no progress:\n${run.stderr}`);
  const partial = await count();
  assert(
    partial > 0 && partial < plan.keys,
    `the kill should leave some but not all of ${plan.keys} rows, found ${partial}`,
  );
  assert(partial >= before, `${before} rows were committed before the kill, ${partial} after`);
  return { partial, seconds, before };
}

/** Bars, latest_prices and cursors of `tenant` hold the same values in both stores. */
async function assertSameStore(
  a: Queryable,
  b: Queryable,
  tenant: string,
  keys: number,
): Promise<void> {
  const rowsA = (await storedRows(a, "bars", tenant)).map((r) => r.canon);
  const rowsB = (await storedRows(b, "bars", tenant)).map((r) => r.canon);
  assertEquals(rowsA.length, keys, "rows after the rerun");
  assertEquals(rowsB.length, keys, "rows of the clean ingest");
  const differ = rowsA.filter((r, i) => r !== rowsB[i]);
  assertEquals(
    differ.length,
    0,
    `${differ.length} rows differ from a clean ingest, e.g. ${differ[0]}`,
  );
  assertEquals(await seriesState(a, tenant), await seriesState(b, tenant));
}

/** Copies a directory tree (a closed PGlite data directory). */
async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

Deno.test("SIGKILL mid-ingest on the embedded store, then the same command rerun: the data directory opens and ends equal to a clean ingest", async () => {
  const plan = EMBEDDED_KILL;
  const tenant = newTenant();
  const tmp = await Deno.makeTempDir({ prefix: "mds_concurrency_test_" });
  try {
    const killedDir = `${tmp}/killed`;
    const cleanDir = `${tmp}/clean`;
    const args = ["ingest-ndjson", "bars", "-", "--tenant", tenant, "--max-rows", MAX_ROWS];
    const envOf = (dir: string) => cleanEnv({ MDS_DATA_DIR: dir });
    // creating a store takes seconds: create one, and copy it for the clean ingest
    await expectExit(0, ["migrate"], { env: envOf(killedDir) });
    await copyDir(killedDir, cleanDir);
    const openCount = async () => {
      // the first open after the kill: PGlite must recover the data directory
      await using store = await createPgliteBackend({ dataDir: killedDir });
      return (await store.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM mds_core.bars WHERE tenant_id = $1",
        [tenant],
      ))[0]!.n;
    };
    // a second process cannot open the data directory: the progress lines tell instead (at
    // most two batches in flight and one buffered, so N accepted lines mean the first N - 1,500
    // committed)
    const { partial, seconds, before } = await killMidIngest(
      plan,
      envOf(killedDir),
      [...args, "--progress"],
      (ingest) => {
        const accepted = ingest.accepted();
        return Promise.resolve(
          accepted >= plan.keys / 4 ? keysInFirstLines(accepted - 3 * Number(MAX_ROWS)) : null,
        );
      },
      openCount,
    );
    const input = ndjson(killInput(plan.keys));
    await expectExit(0, args, { env: envOf(killedDir), stdin: input });
    await expectExit(0, args, { env: envOf(cleanDir), stdin: input });
    await using a = await createPgliteBackend({ dataDir: killedDir });
    await using b = await createPgliteBackend({ dataDir: cleanDir });
    await assertSameStore(a, b, tenant, plan.keys);
    console.log(
      `SIGKILL mid-ingest [embedded]: killed after ${
        seconds.toFixed(1)
      } s with ${partial} of ${plan.keys} rows stored (at least ${before} committed before); the data directory reopened; rerun equals a clean ingest`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
