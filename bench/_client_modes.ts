// Client upserts in each write mode across call sizes (calls of 100 to 100,000 rows, each its
// own unit of work, as the BatchProcessor makes them) into an empty table. The crossover sets
// AUTO_COPY_MIN_ROWS in client/write_mode.ts.
import { BASE_TABLES } from "@mds/sql";
import { createClient, createPostgresBackend, type WriteMode } from "@mds/client";
import type { BarInput } from "@mds/sql";
import { createServerDatabase } from "../testing/backends.ts";
import { benchBar } from "./_data.ts";
import { type Spread, spread } from "./_stats.ts";

/** One cell: a mode and a call size. */
export interface ModeFigure {
  mode: WriteMode;
  batch: number;
  rows: number;
  rate: Spread;
}

/** Options of {@linkcode benchWriteModes}. */
export interface WriteModesOptions {
  baseUrl: string;
  /** Call sizes. */
  batches: readonly number[];
  /** Rows written per measurement at call size `batch`. */
  rowsFor: (batch: number) => number;
  runs: number;
  log: (line: string) => void;
}

/** Measures rows/s of `upsertBars` per mode and call size. */
export async function benchWriteModes(o: WriteModesOptions): Promise<ModeFigure[]> {
  const db = await createServerDatabase(o.baseUrl);
  const su = createPostgresBackend({ url: db.url, max: 1 });
  const out: ModeFigure[] = [];
  try {
    await using client = await createClient({
      url: db.url,
      migrate: true,
      timescale: "off",
      pool: { max: 2 },
    });
    const tenant = crypto.randomUUID();
    const api = client.tenant(tenant);
    const most = Math.max(...o.batches.map(o.rowsFor));
    const all: BarInput[] = Array.from({ length: most }, (_, i) => ({
      ...benchBar(i, 2_000),
      vendor: "bench",
      timeframe: "1m",
    }));
    // One untimed pass first: the first cell measured would otherwise carry the process's cold
    // start (V8 compiling the write path, the pool connecting, statements being prepared); it
    // came out ~30% below the same cell measured later in the same run.
    await su.query(
      `TRUNCATE ${BASE_TABLES.bars}, ${BASE_TABLES.latest_prices}, ${BASE_TABLES.ingest_cursors}`,
    );
    const warm = Math.min(...o.batches);
    for (let i = 0; i < Math.min(all.length, warm * 100); i += warm) {
      await api.upsertBars(all.slice(i, i + warm), { mode: "insert", batchRows: warm });
    }
    for (const batch of o.batches) {
      const rows = all.slice(0, o.rowsFor(batch));
      for (const mode of ["insert", "copy", "auto"] as const) {
        const rates: number[] = [];
        for (let r = 0; r < o.runs; r++) {
          await su.query(
            `TRUNCATE ${BASE_TABLES.bars}, ${BASE_TABLES.latest_prices}, ${BASE_TABLES.ingest_cursors}`,
          );
          const started = performance.now();
          for (let i = 0; i < rows.length; i += batch) {
            await api.upsertBars(rows.slice(i, i + batch), { mode, batchRows: batch });
          }
          rates.push(rows.length / ((performance.now() - started) / 1000));
        }
        const rate = spread(rates);
        out.push({ mode, batch, rows: rows.length, rate });
        o.log(
          `  ${mode.padEnd(6)} calls of ${String(batch).padStart(6)}: ${
            Math.round(rate.median)
          } rows/s`,
        );
      }
    }
  } finally {
    await su.close();
    await db.drop();
  }
  return out;
}
