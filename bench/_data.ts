// Deterministic benchmark bars: row i is the bar of symbol S(i mod symbols) at minute
// floor(i / symbols) after 2024-01-02T14:30Z, so every row has its own key and the same row
// count always gives the same bytes. Written as NDJSON (for mds) and CSV (for psql).

/** The files of one data set. */
export interface BarFiles {
  /** NDJSON, one bar per line, without tenant_id. */
  ndjson: string;
  /**
   * The same bars in the original Python system's shape: `open_price` .. `close_price`, an `id`,
   * and zone-less UTC timestamps.
   */
  seedNdjson: string;
  /** CSV of tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume. */
  csv: string;
  /** Rows in each. */
  rows: number;
  /** Size of the NDJSON file. */
  ndjsonBytes: number;
}

/** Columns of the CSV file, in order. */
export const CSV_COLUMNS =
  "tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume";

const START = Date.UTC(2024, 0, 2, 14, 30);

/** Field values of row `i`. */
export function benchBar(i: number, symbols: number): {
  ts: string;
  symbol: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
} {
  const minute = Math.floor(i / symbols);
  const s = i % symbols;
  const base = 10 + (s % 500) + (minute % 97) / 100;
  return {
    ts: new Date(START + minute * 60_000).toISOString(),
    symbol: `S${s}`,
    open: base,
    high: base + 0.5,
    low: base - 0.5,
    close: base + 0.25,
    volume: 1000 + (i % 5000),
  };
}

/** Writes `rows` bars over `symbols` symbols to `dir`/bars.ndjson and `dir`/bars.csv. */
export async function writeBarFiles(
  dir: string,
  rows: number,
  tenant: string,
  symbols = 2_000,
): Promise<BarFiles> {
  const files: BarFiles = {
    ndjson: `${dir}/bars-${rows}.ndjson`,
    seedNdjson: `${dir}/bars-${rows}-seed.ndjson`,
    csv: `${dir}/bars-${rows}.csv`,
    rows,
    ndjsonBytes: 0,
  };
  const json = await Deno.open(files.ndjson, { write: true, create: true, truncate: true });
  const csv = await Deno.open(files.csv, { write: true, create: true, truncate: true });
  const seed = await Deno.open(files.seedNdjson, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  try {
    let j: string[] = [];
    let c: string[] = [];
    let o: string[] = [];
    for (let i = 0; i < rows; i++) {
      const b = benchBar(i, symbols);
      j.push(
        `{"ts":"${b.ts}","vendor":"bench","symbol":"${b.symbol}","timeframe":"1m","open":${b.open},` +
          `"high":${b.high},"low":${b.low},"close":${b.close},"volume":${b.volume}}`,
      );
      o.push(
        `{"id":${i},"ts":"${b.ts.slice(0, 19)}","vendor":"bench","symbol":"${b.symbol}",` +
          `"timeframe":"1m","open_price":${b.open},"high_price":${b.high},"low_price":${b.low},` +
          `"close_price":${b.close},"volume":${b.volume}}`,
      );
      c.push(
        `${tenant},${b.ts},bench,${b.symbol},1m,${b.open},${b.high},${b.low},${b.close},${b.volume}`,
      );
      if (j.length === 10_000 || i === rows - 1) {
        const data = enc.encode(j.join("\n") + "\n");
        files.ndjsonBytes += data.length;
        await writeAll(json, data);
        await writeAll(csv, enc.encode(c.join("\n") + "\n"));
        await writeAll(seed, enc.encode(o.join("\n") + "\n"));
        j = [];
        c = [];
        o = [];
      }
    }
  } finally {
    json.close();
    csv.close();
    seed.close();
  }
  return files;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await file.write(data.subarray(written));
}
