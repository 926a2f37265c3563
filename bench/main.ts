// The benchmark suite: `deno task bench`. Measures ingest next to psql's own bulk paths, client
// write modes, read latency on a large table, the ingest process's peak memory and the embedded
// store, every figure the median of several runs with min and max, then prints a table, the
// targets with PASS/MISS and one JSON summary line.
//
//   MDS_BENCH_DATABASE_URL=postgres://... [MDS_BENCH_TIMESCALE_URL=...] deno task bench [options]
//
//   --smoke             tiny row counts: checks that every section runs (CI does this)
//   --runs N            runs per figure (default 3)
//   --rows N            rows of the ingest section (default 1,000,000)
//   --rss-rows A,B      inputs of the memory section (default 1,000,000,4,000,000)
//   --read-symbols N    symbols of the read table (default 2,000)
//   --read-minutes N    1m bars per symbol in the read table (default 5,000: 10M bars)
//   --calls N           calls per latency figure (default 200)
//   --pglite-rows N     rows of the embedded section (default 250,000)
//   --ws-clients N      WebSocket clients of the service section (default 1,000)
//   --only a,b          sections: ingest, timescale, modes, reads, rss, pglite, service
import { benchWriteModes } from "./_client_modes.ts";
import { type BarFiles, writeBarFiles } from "./_data.ts";
import { benchIngest, benchRss, type IngestFigures } from "./_ingest.ts";
import { benchPglite } from "./_pglite.ts";
import { findPsql } from "./_proc.ts";
import { benchReads } from "./_reads.ts";
import { benchService } from "./_service.ts";
import { type Figure, figureTable, judge, type Target, targetTable } from "./_report.ts";
import type { Spread } from "./_stats.ts";
import { createPostgresBackend } from "@mds/client";

const SECTIONS = ["ingest", "timescale", "modes", "reads", "rss", "pglite", "service"] as const;
type Section = (typeof SECTIONS)[number];

function option(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
function count(name: string, fallback: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replaceAll("_", ""));
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`${name} must be a whole number above 0 (got "${raw}")`);
    Deno.exit(2);
  }
  return n;
}

const smoke = Deno.args.includes("--smoke");
const runs = count("--runs", 3);
const rows = count("--rows", smoke ? 3_000 : 1_000_000);
const rssRows = (option("--rss-rows") ?? (smoke ? "3000,6000" : "1000000,4000000")).split(",")
  .map((s) => Number(s.replaceAll("_", "")));
const readSymbols = count("--read-symbols", smoke ? 50 : 2_000);
const readMinutes = count("--read-minutes", smoke ? 400 : 5_000);
const calls = count("--calls", smoke ? 30 : 200);
const pgliteRows = count("--pglite-rows", smoke ? 3_000 : 250_000);
const wsClients = count("--ws-clients", smoke ? 20 : 1_000);
const only = option("--only")?.split(",") as Section[] | undefined;
for (const s of only ?? []) {
  if (!SECTIONS.includes(s)) {
    console.error(`--only takes ${SECTIONS.join(", ")} (got "${s}")`);
    Deno.exit(2);
  }
}
const wanted = (s: Section) => !only || only.includes(s);

const url = Deno.env.get("MDS_BENCH_DATABASE_URL");
const tsUrl = Deno.env.get("MDS_BENCH_TIMESCALE_URL") || undefined;
if (!url) {
  console.error(
    "set MDS_BENCH_DATABASE_URL to a PostgreSQL server (scratch databases are created and dropped)",
  );
  Deno.exit(2);
}
const log = (line: string) => console.error(line);
const psql = findPsql();
if (!psql) log("psql not found: the psql baselines are skipped");
const tenant = crypto.randomUUID();
const dir = await Deno.makeTempDir({ prefix: "mds-bench-" });
const figures: Figure[] = [];
const targets: Target[] = [];
const fig = (key: string, label: string, unit: string, value: Spread | undefined) => {
  if (value) figures.push({ key, label, unit, value });
};
const ratio = (a: Spread | undefined, b: Spread | undefined) =>
  a && b ? a.median / b.median : undefined;
const files = new Map<number, BarFiles>();
const data = async (n: number) => {
  if (!files.has(n)) files.set(n, await writeBarFiles(dir, n, tenant));
  return files.get(n)!;
};
const started = performance.now();

try {
  const server = await serverInfo(url, tsUrl);
  log(`bench: ${JSON.stringify({ smoke, runs, rows, server })}`);

  const ingestSection = async (name: string, base: string, timescale: boolean) => {
    log(`${name}: ${rows} bars, ${runs} runs`);
    const f = await benchIngest({
      baseUrl: base,
      timescale,
      files: await data(rows),
      tenant,
      runs,
      psql,
      scaling: !timescale,
      log,
    });
    const p = timescale ? "timescale." : "";
    const l = timescale ? " (TimescaleDB)" : "";
    fig(`${p}psql_append`, `psql \\copy append${l}`, "rows/s", f.psqlAppend);
    fig(`${p}psql_stage_empty`, `psql staging upsert, empty table${l}`, "rows/s", f.psqlStageEmpty);
    fig(
      `${p}psql_stage_present`,
      `psql staging upsert, all rows present${l}`,
      "rows/s",
      f.psqlStagePresent,
    );
    fig(
      `${p}psql_stage_skip`,
      `psql staging upsert skipping unchanged${l}`,
      "rows/s",
      f.psqlStageSkip,
    );
    fig(`${p}mds_ingest_empty`, `mds ingest-ndjson, empty table${l}`, "rows/s", f.mdsEmpty);
    fig(`${p}mds_reingest`, `mds ingest-ndjson, same input again${l}`, "rows/s", f.mdsReingest);
    fig(
      `${p}mds_ingest_seed_shaped`,
      `mds ingest-ndjson, original field names, empty table${l}`,
      "rows/s",
      f.mdsSeedEmpty,
    );
    fig(
      `${p}mds_ingest_no_history`,
      `mds ingest-ndjson, empty table, history trigger off${l}`,
      "rows/s",
      f.mdsNoHistory,
    );
    // scaling (plain PostgreSQL only): batches in flight, then two processes side by side
    for (const { batches, rate } of f.mdsInflight ?? []) {
      fig(
        `${p}mds_ingest_inflight_${batches}`,
        `mds ingest-ndjson, empty table, ${batches} batch${
          batches === 1 ? "" : "es"
        } in flight${l}`,
        "rows/s",
        rate,
      );
    }
    fig(
      `${p}mds_ingest_two_processes`,
      `two mds ingest-ndjson processes side by side, empty table${l}`,
      "rows/s",
      f.mdsTwoProcesses,
    );
    ingestTargets(p, l, f);
  };
  if (wanted("ingest")) await ingestSection("ingest into PostgreSQL", url, false);
  if (wanted("timescale")) {
    if (tsUrl) await ingestSection("ingest into TimescaleDB", tsUrl, true);
    else log("timescale: MDS_BENCH_TIMESCALE_URL is not set, skipped");
  }

  if (wanted("modes")) {
    const batches = smoke ? [100, 1_000] : [100, 1_000, 10_000, 100_000];
    log(`client write modes: calls of ${batches.join(", ")} rows`);
    const modes = await benchWriteModes({
      baseUrl: url,
      batches,
      rowsFor: (b) => smoke ? 2_000 : Math.min(100_000, Math.max(10_000, b * 100)),
      runs,
      log,
    });
    for (const m of modes) {
      fig(
        `upsert.${m.mode}.${m.batch}`,
        `upsertBars ${m.mode}, calls of ${m.batch}`,
        "rows/s",
        m.rate,
      );
    }
    targets.push({
      key: "upsert_calls_of_100",
      label: "upsertBars, calls of 100 rows",
      value: modes.find((m) => m.mode === "insert" && m.batch === 100)?.rate.median,
      op: ">=",
      bound: 30_000,
      unit: "rows/s",
    });
  }

  if (wanted("reads")) {
    log(`reads: ${readSymbols * readMinutes} bars over ${readSymbols} symbols`);
    const r = await benchReads({
      baseUrl: url,
      timescale: false,
      symbols: readSymbols,
      minutes: readMinutes,
      pick: smoke ? 20 : 500,
      calls,
      log,
    });
    const one = (v: number) => ({ median: v, min: v, max: v, runs: 1 });
    fig(
      "reads.latest_prices.p50",
      `latestPrices (${Math.min(500, readSymbols)} symbols) p50`,
      "ms",
      one(r.latestPrices.p50),
    );
    fig("reads.latest_prices.p99", "latestPrices p99", "ms", one(r.latestPrices.p99));
    fig(
      "reads.raw_latest_prices.p50",
      "latestPrices' SQL, raw, no tenant scope p50",
      "ms",
      one(r.rawLatestPrices.p50),
    );
    fig("reads.distinct_on.p50", "DISTINCT ON reference p50", "ms", one(r.distinctOn.p50));
    fig(
      "reads.distinct_on.p99",
      `DISTINCT ON reference p99 (of ${r.distinctOn.calls} calls)`,
      "ms",
      one(r.distinctOn.p99),
    );
    fig(
      "reads.bars_window.p50",
      `barsWindow (${r.windowBars} 1m bars) p50`,
      "ms",
      one(r.barsWindow.p50),
    );
    fig("reads.bars_window.p99", "barsWindow p99", "ms", one(r.barsWindow.p99));
    fig(
      "reads.raw_window.p50",
      "the same SQL, raw, no tenant scope p50",
      "ms",
      one(r.rawWindow.p50),
    );
    targets.push(
      {
        key: "latest_prices_p50",
        label: "latestPrices p50",
        value: r.latestPrices.p50,
        op: "<",
        bound: 2,
        unit: "ms",
      },
      {
        key: "latest_prices_speedup",
        label: "latestPrices vs DISTINCT ON (p50)",
        value: r.distinctOn.p50 / r.latestPrices.p50,
        op: ">=",
        bound: 5,
        unit: "x",
      },
      {
        key: "bars_window_vs_raw",
        label: "barsWindow vs the same SQL raw (p50)",
        value: r.barsWindow.p50 / r.rawWindow.p50,
        op: "<=",
        bound: 1.3,
        unit: "x",
      },
      {
        key: "bars_window_p50",
        label: "barsWindow p50",
        value: r.barsWindow.p50,
        op: "<",
        bound: 2.5,
        unit: "ms",
      },
    );
  }

  if (wanted("rss")) {
    log(`memory: peak RSS of mds ingest for ${rssRows.join(", ")} rows`);
    const inputs = [];
    for (const n of rssRows) inputs.push(await data(n));
    const all = await benchRss({ baseUrl: url, inputs, tenant, runs, log });
    for (const r of all) {
      fig(
        r.bare ? `rss.bare.${r.rows}` : `rss.${r.rows}`,
        r.bare
          ? `same, ${r.rows} rows, plain deno run (no --v8-flags)`
          : `mds ingest peak RSS, ${r.rows} rows`,
        "MiB",
        scale(r.peakRss, 2 ** -20),
      );
    }
    const rss = all.filter((r) => !r.bare);
    const peaks = rss.map((r) => r.peakRss.median / 2 ** 20);
    const first = peaks[0]!, last = peaks[peaks.length - 1]!;
    targets.push(
      {
        key: "rss_peak",
        label: "ingest peak RSS (largest input)",
        value: Math.max(...peaks),
        op: "<",
        bound: 200,
        unit: "MiB",
      },
      {
        key: "rss_growth",
        label: `peak RSS growth ${rssRows[0]} -> ${rssRows[rssRows.length - 1]} rows`,
        value: ((last - first) / first) * 100,
        op: "<=",
        bound: 10,
        unit: "%",
      },
    );
  }

  if (wanted("pglite")) {
    log(`embedded: ${pgliteRows} bars into PGlite`);
    const p = await benchPglite({ files: await data(pgliteRows), runs, log });
    fig("pglite.mds", "PGlite: mds ingest path", "rows/s", p.mds);
    fig("pglite.hand_loop", "PGlite: hand-written unnest loop", "rows/s", p.handLoop);
    targets.push({
      key: "pglite_ratio",
      label: "PGlite ingest vs hand-written loop",
      value: ratio(p.mds, p.handLoop),
      op: ">=",
      bound: 0.9,
      unit: "x",
    });
  }

  if (wanted("service")) {
    const svc = await benchService({
      baseUrl: url,
      connections: smoke ? 5 : 50,
      requests: smoke ? 200 : 20_000,
      clients: wsClients,
      messages: smoke ? 5 : 20,
      log,
    });
    const one = (v: number) => ({ median: v, min: v, max: v, runs: 1 });
    fig(
      "service.price.p50",
      `GET /stocks/{symbol}/price p50, ${svc.price.connections} connections`,
      "ms",
      one(svc.price.p50),
    );
    fig("service.price.p99", "GET /stocks/{symbol}/price p99", "ms", one(svc.price.p99));
    fig("service.price.rps", "GET /stocks/{symbol}/price", "requests/s", one(svc.price.rps));
    fig(
      "service.fanout.p50",
      `WebSocket fan-out to ${svc.fanout.clients} clients, commit to receive p50`,
      "ms",
      one(svc.fanout.p50),
    );
    fig(
      "service.fanout.p99",
      "WebSocket fan-out, commit to receive p99",
      "ms",
      one(svc.fanout.p99),
    );
    fig(
      "service.fanout.received",
      `messages received of ${svc.fanout.clients * svc.fanout.messages}`,
      "messages",
      one(svc.fanout.received),
    );
    targets.push(
      {
        key: "service_price_p99",
        label: "price p99",
        value: svc.price.p99,
        op: "<",
        bound: 20,
        unit: "ms",
      },
      {
        key: "service_fanout_p99",
        label: `fan-out p99 (${svc.fanout.clients} clients)`,
        value: svc.fanout.p99,
        op: "<",
        bound: 250,
        unit: "ms",
      },
      {
        key: "service_fanout_complete",
        label: "fan-out messages lost",
        value: svc.fanout.clients * svc.fanout.messages - svc.fanout.received,
        op: "==",
        bound: 0,
        unit: "messages",
      },
    );
  }

  const seconds = (performance.now() - started) / 1000;
  console.log(figureTable(figures));
  console.log();
  console.log(targetTable(targets));
  console.log();
  console.log(JSON.stringify({
    bench: "mds",
    smoke,
    runs,
    seconds: Math.round(seconds),
    machine: machine(),
    server,
    params: { rows, rssRows, readSymbols, readMinutes, calls, pgliteRows, wsClients },
    figures: Object.fromEntries(figures.map((f) => [f.key, { ...f.value, unit: f.unit }])),
    targets: targets.map((t) => ({
      key: t.key,
      value: t.value ?? null,
      goal: `${t.op} ${t.bound} ${t.unit}`,
      status: judge(t),
    })),
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}

function ingestTargets(p: string, l: string, f: IngestFigures): void {
  const skipped = psql ? undefined : "psql not found";
  const add = (
    key: string,
    label: string,
    value: number | undefined,
    op: Target["op"],
    bound: number,
    unit: string,
  ) =>
    targets.push({
      key: p + key,
      label: label + l,
      value,
      op,
      bound,
      unit,
      ...(skipped && value === undefined ? { skipped } : {}),
    });
  add(
    "ingest_vs_stage",
    "mds ingest vs psql staging upsert",
    ratio(f.mdsEmpty, f.psqlStageEmpty),
    ">=",
    1.0,
    "x",
  );
  add(
    "reingest_vs_skip",
    "mds re-ingest vs psql skip-unchanged",
    ratio(f.mdsReingest, f.psqlStageSkip),
    ">=",
    0.75,
    "x",
  );
  // Keeping corrections (point-in-time history) may cost new data at most 5%.
  targets.push({
    key: `${p}history_cost`,
    label: `ingest with history vs without${l}`,
    value: ratio(f.mdsEmpty, f.mdsNoHistory),
    op: ">=",
    bound: 0.95,
    unit: "x",
  });
  // The original system's field names cost one more lookup per field: no slower than 0.95x.
  targets.push({
    key: `${p}seed_vs_mds_shape`,
    label: `ingest of original field names vs mds's${l}`,
    value: ratio(f.mdsSeedEmpty, f.mdsEmpty),
    op: ">=",
    bound: 0.95,
    unit: "x",
  });
  add(
    "reingest_rewritten",
    "rows rewritten by the re-ingest",
    f.reingestRewritten,
    "==",
    0,
    "rows",
  );
}

function scale(s: Spread, k: number): Spread {
  return { median: s.median * k, min: s.min * k, max: s.max * k, runs: s.runs };
}

function machine() {
  return {
    cpus: navigator.hardwareConcurrency,
    memory_gib: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
  };
}

async function serverInfo(base: string, timescale: string | undefined) {
  const version = async (u: string, sql: string) => {
    const db = createPostgresBackend({ url: u, max: 1 });
    try {
      const [row] = await db.query<{ v: string }>(sql);
      return row?.v ?? "unknown";
    } finally {
      await db.close();
    }
  };
  return {
    postgres: await version(base, "SELECT current_setting('server_version') AS v"),
    timescale: timescale
      ? await version(
        timescale,
        "SELECT default_version AS v FROM pg_available_extensions WHERE name = 'timescaledb'",
      )
      : null,
  };
}
