// Deterministic pseudo-random data for property tests and benchmarks.

/** mulberry32: a small seeded generator returning floats in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random valid 1m bar on one of `symbols` within `minutes` of 2024-01-02T14:30Z. */
export function randomBar(rand: () => number, symbols: readonly string[], minutes: number) {
  const open = Math.round(rand() * 10_000) / 100 + 1;
  const close = Math.round(rand() * 10_000) / 100 + 1;
  const low = Math.min(open, close) - Math.round(rand() * 100) / 100;
  const high = Math.max(open, close) + Math.round(rand() * 100) / 100;
  return {
    ts: Date.UTC(2024, 0, 2, 14, 30) + Math.floor(rand() * minutes) * 60_000,
    vendor: rand() < 0.5 ? "alpha" : "beta",
    symbol: symbols[Math.floor(rand() * symbols.length)]!,
    timeframe: "1m",
    open,
    high,
    low: Math.max(0, low),
    close,
    volume: Math.floor(rand() * 1_000_000),
    vwap: rand() < 0.3 ? null : Math.round((low + high) * 50) / 100,
    trade_count: rand() < 0.3 ? null : Math.floor(rand() * 5_000),
  };
}
