// Ingest into a server, side by side with psql's own bulk paths on the same table in the same
// run: `\copy` append, `\copy` to staging + INSERT ... ON CONFLICT (empty table, every row
// present, skipping unchanged rows), and the real `mds ingest-ndjson bars -` (empty table, then
// the same input again). On plain PostgreSQL also how the CLI scales: 1, 2 and 4 batches in flight
// (`--concurrency`), and two `mds ingest-ndjson` processes side by side, each given half the lines.
import { BASE_TABLES } from "@mds/sql";
import { type Backend, createPostgresBackend, migrate } from "@mds/client";
import { createServerDatabase } from "../testing/backends.ts";
import { type BarFiles, CSV_COLUMNS } from "./_data.ts";
import { type ProcRun, runMds, runProc } from "./_proc.ts";
import { type Spread, spread } from "./_stats.ts";

/** Measured figures of one server, rows per second unless named otherwise. */
export interface IngestFigures {
  psqlAppend?: Spread;
  psqlStageEmpty?: Spread;
  psqlStagePresent?: Spread;
  psqlStageSkip?: Spread;
  mdsEmpty: Spread;
  mdsReingest: Spread;
  /** `mds ingest-ndjson` of the same bars in the original system's shape, empty table. */
  mdsSeedEmpty: Spread;
  /** `mds ingest-ndjson`, empty table, with the point-in-time history trigger disabled. */
  mdsNoHistory: Spread;
  /** Rows whose tuple the re-ingest rewrote (largest over the runs). */
  reingestRewritten: number;
  /** Peak RSS of the `mds` process during the empty-table ingests, in bytes. */
  mdsPeakRss: Spread;
  /** With `scaling`: `mds ingest-ndjson --concurrency N`, empty table, for N in {@linkcode INFLIGHT}. */
  mdsInflight?: { batches: number; rate: Spread }[];
  /**
   * With `scaling`: two `mds ingest-ndjson` processes at once, each with half the lines, empty
   * table; all rows over the wall time from starting both to the end of the last.
   */
  mdsTwoProcesses?: Spread;
}

/** Batches in flight of the scaling figures. */
export const INFLIGHT = [1, 2, 4] as const;

const KEY = "ts, tenant_id, vendor, symbol, timeframe";
const VALUES = ["open", "high", "low", "close", "volume"];

function stageScript(csv: string, onConflict: "update" | "skip-unchanged"): string {
  const set = VALUES.map((c) => `${c} = EXCLUDED.${c}`).join(", ");
  const where = onConflict === "skip-unchanged"
    ? ` WHERE (t.${VALUES.join(", t.")}) IS DISTINCT FROM (EXCLUDED.${VALUES.join(", EXCLUDED.")})`
    : "";
  return [
    `CREATE TEMP TABLE stage AS SELECT ${CSV_COLUMNS} FROM ${BASE_TABLES.bars} WITH NO DATA;`,
    `\\copy stage (${CSV_COLUMNS}) FROM '${csv}' WITH (FORMAT csv)`,
    `INSERT INTO ${BASE_TABLES.bars} AS t (${CSV_COLUMNS}) SELECT ${CSV_COLUMNS} FROM stage`,
    `  ON CONFLICT (${KEY}) DO UPDATE SET ${set}${where};`,
  ].join("\n");
}

/** Options of {@linkcode benchIngest}. */
export interface IngestBenchOptions {
  /** A server URL; a scratch database is created there and dropped after. */
  baseUrl: string;
  /** Migrate with TimescaleDB (hypertables) instead of plain tables. */
  timescale: boolean;
  /** The data. */
  files: BarFiles;
  /** The tenant the CSV names. */
  tenant: string;
  /** Runs of each figure. */
  runs: number;
  /** psql, or undefined to skip the baselines. */
  psql: string | undefined;
  /** Also measure the scaling figures (batches in flight, two processes). */
  scaling?: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Runs the ingest section on one server. */
export async function benchIngest(o: IngestBenchOptions): Promise<IngestFigures> {
  const db = await createServerDatabase(o.baseUrl);
  const su = createPostgresBackend({ url: db.url, max: 1 });
  const dir = await Deno.makeTempDir({ prefix: "mds-bench-sql-" });
  try {
    await migrate(su, { timescale: o.timescale ? "require" : "off" });
    if (o.timescale) await pauseTimescaleJobs(su);
    const rates: Record<string, number[]> = {};
    const add = (name: string, seconds: number) =>
      (rates[name] ??= []).push(o.files.rows / seconds);
    const rss: number[] = [];
    let rewritten = 0;
    const psql = async (name: string, script: string) => {
      const file = `${dir}/${name}.sql`;
      await Deno.writeTextFile(file, script);
      await su.query("CHECKPOINT");
      const run = await runProc(o.psql!, [
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        db.url,
        "-f",
        file,
      ], {
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      });
      add(name, run.seconds);
    };
    const ingestArgs = (extra: readonly string[] = []) => [
      "--database-url",
      db.url,
      "--tenant",
      o.tenant,
      "ingest-ndjson",
      "bars",
      "-",
      ...extra,
      "--json",
    ];
    const summaryOf = (run: ProcRun) => JSON.parse(run.stdout.trim().split("\n").pop()!);
    const mds = async (name: string, input = o.files.ndjson, extra: readonly string[] = []) => {
      await su.query("CHECKPOINT");
      const run = await runMds(ingestArgs(extra), {}, input);
      add(name, run.seconds);
      return { run, summary: summaryOf(run) };
    };
    const halves = o.scaling ? await splitLines(o.files.ndjson, o.files.rows) : undefined;
    const baselines = async () => {
      if (o.psql) {
        await reset(su);
        await psql(
          "psqlAppend",
          `\\copy ${BASE_TABLES.bars} (${CSV_COLUMNS}) FROM '${o.files.csv}' WITH (FORMAT csv)`,
        );
        await expectRows(su, o.files.rows, "psql append");
        await reset(su);
        await psql("psqlStageEmpty", stageScript(o.files.csv, "update"));
        await psql("psqlStageSkip", stageScript(o.files.csv, "skip-unchanged"));
        await psql("psqlStagePresent", stageScript(o.files.csv, "update"));
        await expectRows(su, o.files.rows, "psql staging upsert");
      }
    };
    for (let r = 1; r <= o.runs; r++) {
      // The machine's speed drifts within a run: psql's baselines go before mds's ingest and
      // re-ingest in odd runs and after them in even ones, so a drift does not favour one side.
      if (r % 2 === 1) await baselines();
      await reset(su);
      const empty = await mds("mdsEmpty");
      if (empty.summary.inserted !== o.files.rows) {
        throw new Error(`mds ingest inserted ${empty.summary.inserted} of ${o.files.rows} rows`);
      }
      await expectRows(su, o.files.rows, "mds ingest");
      rss.push(empty.run.peakRssBytes);
      const xid = (await su.query<{ xid: string }>(
        "SELECT (txid_current() % 4294967296)::text AS xid",
      ))[0]!.xid;
      const again = await mds("mdsReingest");
      if (again.summary.unchanged !== o.files.rows) {
        throw new Error(`re-ingest: ${JSON.stringify(again.summary)}`);
      }
      const [changed] = await su.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${BASE_TABLES.bars} WHERE xmin::text::bigint >= $1::bigint`,
        [xid],
      );
      rewritten = Math.max(rewritten, changed!.n);
      if (r % 2 === 0) await baselines();
      await reset(su);
      const seed = await mds("mdsSeedEmpty", o.files.seedNdjson);
      if (seed.summary.inserted !== o.files.rows) {
        throw new Error(`seed-shaped ingest: ${JSON.stringify(seed.summary)}`);
      }
      // the same ingest without the history trigger: what keeping corrections costs new data
      await reset(su);
      await su.query(`ALTER TABLE ${BASE_TABLES.bars} DISABLE TRIGGER bars_keep_history`);
      try {
        const bare = await mds("mdsNoHistory");
        if (bare.summary.inserted !== o.files.rows) {
          throw new Error(`ingest without history: ${JSON.stringify(bare.summary)}`);
        }
      } finally {
        await su.query(`ALTER TABLE ${BASE_TABLES.bars} ENABLE TRIGGER bars_keep_history`);
      }
      if (halves) {
        for (const n of INFLIGHT) {
          await reset(su);
          const inflight = await mds(`mdsInflight${n}`, o.files.ndjson, [
            "--concurrency",
            String(n),
          ]);
          if (inflight.summary.inserted !== o.files.rows) {
            throw new Error(`ingest, ${n} batches in flight: ${JSON.stringify(inflight.summary)}`);
          }
          await expectRows(su, o.files.rows, `mds ingest, ${n} batches in flight`);
        }
        // two processes side by side: wall time from starting both to the end of the last
        await reset(su);
        await su.query("CHECKPOINT");
        const started = performance.now();
        const both = await Promise.all(halves.map((h) => runMds(ingestArgs(), {}, h.file)));
        add("mdsTwoProcesses", (performance.now() - started) / 1000);
        for (const [i, run] of both.entries()) {
          const summary = summaryOf(run);
          if (summary.inserted !== halves[i]!.rows) {
            throw new Error(`two processes, half ${i + 1}: ${JSON.stringify(summary)}`);
          }
        }
        await expectRows(su, o.files.rows, "two mds ingest processes");
      }
      o.log(`  run ${r}/${o.runs}: ${summaryLine(rates)}`);
    }
    const fig = (name: string) => (rates[name] ? spread(rates[name]) : undefined);
    const figures: IngestFigures = {
      mdsEmpty: fig("mdsEmpty")!,
      mdsReingest: fig("mdsReingest")!,
      mdsSeedEmpty: fig("mdsSeedEmpty")!,
      mdsNoHistory: fig("mdsNoHistory")!,
      reingestRewritten: rewritten,
      mdsPeakRss: spread(rss),
    };
    if (halves) {
      figures.mdsInflight = INFLIGHT.map((n) => ({ batches: n, rate: fig(`mdsInflight${n}`)! }));
      figures.mdsTwoProcesses = fig("mdsTwoProcesses")!;
    }
    if (o.psql) {
      figures.psqlAppend = fig("psqlAppend")!;
      figures.psqlStageEmpty = fig("psqlStageEmpty")!;
      figures.psqlStagePresent = fig("psqlStagePresent")!;
      figures.psqlStageSkip = fig("psqlStageSkip")!;
    }
    return figures;
  } finally {
    await su.close();
    await db.drop();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Splits an NDJSON file into its first `floor(lines / 2)` lines and the rest, written next to it
 * as `<name>-half1.ndjson` and `<name>-half2.ndjson`; streams, so memory stays flat.
 */
async function splitLines(
  path: string,
  lines: number,
): Promise<{ file: string; rows: number }[]> {
  const stem = path.replace(/\.ndjson$/, "");
  const first = Math.floor(lines / 2);
  const halves = [
    { file: `${stem}-half1.ndjson`, rows: first },
    { file: `${stem}-half2.ndjson`, rows: lines - first },
  ];
  const input = await Deno.open(path); // its readable closes it
  using a = await Deno.open(halves[0]!.file, { write: true, create: true, truncate: true });
  using b = await Deno.open(halves[1]!.file, { write: true, create: true, truncate: true });
  const write = async (file: Deno.FsFile, data: Uint8Array) => {
    let written = 0;
    while (written < data.length) written += await file.write(data.subarray(written));
  };
  let seen = 0; // newlines written to the first half
  for await (const chunk of input.readable) {
    let at = 0;
    while (seen < first && at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) break;
      seen++;
      at = nl + 1;
    }
    if (seen < first) {
      await write(a, chunk);
      continue;
    }
    await write(a, chunk.subarray(0, at));
    await write(b, chunk.subarray(at));
  }
  if (seen < first) throw new Error(`${path} has fewer than ${first} lines`);
  return halves;
}

function summaryLine(rates: Record<string, number[]>): string {
  return Object.entries(rates).map(([k, v]) => `${k} ${Math.round(v[v.length - 1]!)}`).join(", ");
}

async function reset(su: Backend): Promise<void> {
  await su.query(
    `TRUNCATE ${BASE_TABLES.bars}, ${BASE_TABLES.latest_prices}, ${BASE_TABLES.ingest_cursors}`,
  );
}

async function expectRows(su: Backend, rows: number, what: string): Promise<void> {
  const [row] = await su.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${BASE_TABLES.bars}`);
  const n = row!.n;
  if (n !== rows) throw new Error(`${what} left ${n} rows, expected ${rows}`);
}

/** Stops TimescaleDB's policy jobs so compression or refreshes cannot run during a measurement. */
async function pauseTimescaleJobs(su: Backend): Promise<void> {
  await su.query(
    `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
     WHERE job_id >= 1000`,
  );
}

/**
 * Peak RSS of `mds ingest-ndjson bars -` into an empty table, `runs` times per input; the first
 * input also without the binary's V8 flags (`bare`), to show what they save.
 */
export async function benchRss(o: {
  baseUrl: string;
  inputs: readonly BarFiles[];
  tenant: string;
  runs: number;
  log: (line: string) => void;
}): Promise<{ rows: number; bare: boolean; peakRss: Spread; rate: Spread }[]> {
  const db = await createServerDatabase(o.baseUrl);
  const su = createPostgresBackend({ url: db.url, max: 1 });
  const out = [];
  try {
    await migrate(su, { timescale: "off" });
    const plans = [
      ...o.inputs.map((files) => ({ files, bare: false })),
      { files: o.inputs[0]!, bare: true },
    ];
    for (const { files, bare } of plans) {
      const peaks: number[] = [];
      const rates: number[] = [];
      for (let r = 1; r <= o.runs; r++) {
        await reset(su);
        const run = await runMds(
          ["--database-url", db.url, "--tenant", o.tenant, "ingest-ndjson", "bars", "-", "--json"],
          {},
          files.ndjson,
          bare,
        );
        await expectRows(su, files.rows, "mds ingest");
        peaks.push(run.peakRssBytes);
        rates.push(files.rows / run.seconds);
        o.log(
          `  ${files.rows} rows${bare ? ", without the V8 flags" : ""}, run ${r}/${o.runs}: ` +
            `peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(1)} MiB`,
        );
      }
      out.push({ rows: files.rows, bare, peakRss: spread(peaks), rate: spread(rates) });
    }
  } finally {
    await su.close();
    await db.drop();
  }
  return out;
}
