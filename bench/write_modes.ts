// Measures client upserts in each write mode across write sizes (calls of 100 to 100,000 rows,
// each its own unit of work), into an empty table and again with every row present, on the
// server in MDS_BENCH_DATABASE_URL; median, min and max of 3 runs. Used to set
// AUTO_COPY_MIN_ROWS (client/write_mode.ts). Prints a table and one JSON summary line.
//
//   MDS_BENCH_DATABASE_URL=postgres://... deno run -A bench/write_modes.ts [--rows N]
import { createClient, type WriteMode } from "@mds/client";
import { createServerDatabase } from "../testing/backends.ts";
import { randomBar, seeded } from "../testing/random.ts";

const url = Deno.env.get("MDS_BENCH_DATABASE_URL");
if (!url) {
  console.error(
    "set MDS_BENCH_DATABASE_URL to a PostgreSQL server (a scratch database is created)",
  );
  Deno.exit(2);
}
const rowsArg = Deno.args.indexOf("--rows");
const total = rowsArg >= 0 ? Number(Deno.args[rowsArg + 1]) : 100_000;
const sizes = [100, 1_000, 10_000, 100_000].filter((s) => s <= total);
const modes: WriteMode[] = ["insert", "copy"];
const runs = 3;

const db = await createServerDatabase(url);
const results: {
  mode: string;
  batch: number;
  phase: string;
  median: number;
  min: number;
  max: number;
}[] = [];
try {
  await using client = await createClient({
    url: db.url,
    migrate: true,
    timescale: "off",
    pool: { max: 2 },
  });
  const rand = seeded(7);
  const symbols = Array.from({ length: 200 }, (_, i) => `S${i}`);
  // distinct keys: one bar per symbol and minute
  const rows = Array.from({ length: total }, (_, i) => ({
    ...randomBar(rand, symbols, 1),
    symbol: symbols[i % symbols.length]!,
    ts: Date.UTC(2024, 0, 2) + Math.floor(i / symbols.length) * 60_000,
    vendor: "bench",
  }));
  for (const batch of sizes) {
    for (const mode of modes) {
      for (const phase of ["empty", "present"]) {
        const rates: number[] = [];
        for (let r = 0; r < runs; r++) {
          const tenant = crypto.randomUUID();
          const api = client.tenant(tenant);
          if (phase === "present") await api.upsertBars(rows, { mode: "copy", batchRows: 10_000 });
          // calls of `batch` rows, each its own unit of work, as the BatchProcessor makes them
          const started = performance.now();
          for (let i = 0; i < rows.length; i += batch) {
            await api.upsertBars(rows.slice(i, i + batch), { mode, batchRows: batch });
          }
          rates.push(total / ((performance.now() - started) / 1000));
        }
        rates.sort((a, b) => a - b);
        results.push({
          mode,
          batch,
          phase,
          median: Math.round(rates[1]!),
          min: Math.round(rates[0]!),
          max: Math.round(rates[2]!),
        });
        console.log(
          `${mode.padEnd(6)} batch ${String(batch).padStart(6)} ${phase.padEnd(7)} ${
            Math.round(rates[1]!).toString().padStart(7)
          } rows/s (min ${Math.round(rates[0]!)}, max ${Math.round(rates[2]!)})`,
        );
      }
    }
  }
} finally {
  await db.drop();
}
console.log(JSON.stringify({ bench: "write_modes", rows: total, runs, results }));
