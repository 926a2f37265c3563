// Deterministic NDJSON bars for the benchmarks: `rows` one-minute bars over 2,000 symbols.

/** Writes `rows` NDJSON bars to `path` (streamed, so memory stays flat). */
export async function writeBarsNdjson(
  path: string,
  rows: number,
  symbols = 2_000,
): Promise<number> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let bytes = 0;
  try {
    const chunk: string[] = [];
    const start = Date.UTC(2024, 0, 2, 14, 30);
    for (let i = 0; i < rows; i++) {
      const minute = Math.floor(i / symbols);
      const s = i % symbols;
      const base = 10 + (s % 500) + (minute % 97) / 100;
      chunk.push(
        `{"ts":"${
          new Date(start + minute * 60_000).toISOString()
        }","vendor":"bench","symbol":"S${s}","timeframe":"1m",` +
          `"open":${base},"high":${base + 0.5},"low":${base - 0.5},"close":${
            base + 0.25
          },"volume":${1000 + (i % 5000)}}`,
      );
      if (chunk.length === 10_000 || i === rows - 1) {
        const data = enc.encode(chunk.join("\n") + "\n");
        bytes += data.length;
        await file.write(data);
        chunk.length = 0;
      }
    }
  } finally {
    file.close();
  }
  return bytes;
}
