// The embedded store: the CLI's ingest path (cli/ingest.ts: read, parse, validate, batch,
// upsert through the tenant view) against a hand-written loop that parses the same NDJSON and
// upserts batches of the CLI's size with one unnest statement, on the same kind of PGlite store.
import { BASE_TABLES } from "@mds/sql";
import { type Backend, createClient, createPgliteBackend, migrate } from "@mds/client";
import { DEFAULT_INGEST_ROWS, ingestNdjson } from "../cli/ingest.ts";
import type { BarFiles } from "./_data.ts";
import { type Spread, spread } from "./_stats.ts";

/** Rows per second of both paths. */
export interface PgliteFigures {
  mds: Spread;
  handLoop: Spread;
  rows: number;
}

/** Options of {@linkcode benchPglite}. */
export interface PgliteOptions {
  files: BarFiles;
  runs: number;
  log: (line: string) => void;
}

/** Measures both paths `runs` times, each on a fresh store in a temporary directory. */
export async function benchPglite(o: PgliteOptions): Promise<PgliteFigures> {
  const mds: number[] = [];
  const hand: number[] = [];
  for (let r = 1; r <= o.runs; r++) {
    const dir = await Deno.makeTempDir({ prefix: "mds-bench-pglite-" });
    try {
      {
        await using client = await createClient({ dataDir: `${dir}/mds`, migrate: true });
        const file = await Deno.open(o.files.ndjson);
        const started = performance.now();
        const summary = await ingestNdjson({
          kind: "bars",
          input: file.readable,
          api: client.tenant(crypto.randomUUID()),
          maxRows: DEFAULT_INGEST_ROWS,
          maxBytes: 8 * 1024 * 1024,
          maxMs: 1_000,
          maxLineBytes: 1024 * 1024,
          strict: true,
          onReject: (line, reason) => {
            throw new Error(`line ${line}: ${reason}`);
          },
        });
        mds.push(o.files.rows / ((performance.now() - started) / 1000));
        if (summary.inserted !== o.files.rows) throw new Error(`inserted ${summary.inserted}`);
      }
      {
        const db = await createPgliteBackend({ dataDir: `${dir}/hand` });
        try {
          await migrate(db);
          const started = performance.now();
          const n = await handLoop(db, o.files.ndjson, crypto.randomUUID());
          hand.push(o.files.rows / ((performance.now() - started) / 1000));
          if (n !== o.files.rows) throw new Error(`hand loop wrote ${n}`);
        } finally {
          await db.close();
        }
      }
      o.log(
        `  run ${r}/${o.runs}: mds ${Math.round(mds.at(-1)!)}, hand loop ${
          Math.round(hand.at(-1)!)
        } rows/s`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  return { mds: spread(mds), handLoop: spread(hand), rows: o.files.rows };
}

const UPSERT = `INSERT INTO ${BASE_TABLES.bars} AS t
  (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume)
  SELECT $1::uuid, * FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[],
    $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::int8[])
  ON CONFLICT (ts, tenant_id, vendor, symbol, timeframe) DO UPDATE
  SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
      volume = EXCLUDED.volume`;

const literal = (values: readonly unknown[]) => `{${values.map((v) => `"${v}"`).join(",")}}`;

/** The baseline: no validation, no view, no counts; JSON.parse and one statement per batch. */
async function handLoop(db: Backend, path: string, tenant: string): Promise<number> {
  const file = await Deno.open(path);
  const cols: unknown[][] = Array.from({ length: 9 }, () => []);
  let written = 0;
  const flush = async () => {
    if (cols[0]!.length === 0) return;
    await db.query(UPSERT, [tenant, ...cols.map(literal)]);
    written += cols[0]!.length;
    for (const c of cols) c.length = 0;
  };
  const add = async (line: string) => {
    if (line === "") return;
    const b = JSON.parse(line);
    const values = [
      b.ts,
      b.vendor,
      b.symbol,
      b.timeframe,
      b.open,
      b.high,
      b.low,
      b.close,
      b.volume,
    ];
    for (let i = 0; i < 9; i++) cols[i]!.push(values[i]);
    if (cols[0]!.length === DEFAULT_INGEST_ROWS) await flush();
  };
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) await add(line);
  }
  await add(rest);
  await flush();
  return written;
}
