import type { BarInput, FundamentalsInput, NewsInput, OptionSnapInput } from "@mds/sql";
import type { TenantApi, WriteResult } from "@mds/client";

/** What {@linkcode seed} wrote. */
export interface SeedSummary {
  /** Bars. */
  bars: WriteResult;
  /** Fundamentals. */
  fundamentals: WriteResult;
  /** News items. */
  news: WriteResult;
  /** Option snapshots. */
  options: WriteResult;
}

const SYMBOLS: Record<string, number> = {
  AAPL: 189.5,
  MSFT: 374.6,
  NVDA: 495.2,
  SPY: 475.3,
  TSLA: 248.4,
};
const VENDOR = "demo";

/** A small deterministic random walk, so every seed produces the same demo data. */
function walk(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** One-minute bars of the regular NYSE session (14:30-21:00 UTC in winter) for `days` weekdays. */
export function* demoBars(days: number, from: Date): Generator<BarInput> {
  const sessions: number[] = [];
  for (let d = new Date(from); sessions.length < days; d = new Date(d.getTime() + 86_400_000)) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) {
      sessions.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 14, 30));
    }
  }
  for (const [symbol, start] of Object.entries(SYMBOLS)) {
    const rand = walk(symbol.charCodeAt(0) * 7919 + symbol.length);
    let price = start;
    for (const open0 of sessions) {
      for (let m = 0; m < 390; m++) {
        const open = price;
        const close = round(Math.max(1, open * (1 + (rand() - 0.5) * 0.002)));
        const high = round(Math.max(open, close) * (1 + rand() * 0.0005));
        const low = round(Math.min(open, close) * (1 - rand() * 0.0005));
        price = close;
        yield {
          ts: open0 + m * 60_000,
          vendor: VENDOR,
          symbol,
          timeframe: "1m",
          open: round(open),
          high,
          low,
          close,
          volume: Math.floor(1_000 + rand() * 50_000),
          vwap: round((high + low + close) / 3),
          trade_count: Math.floor(10 + rand() * 400),
        };
      }
    }
  }
}

/**
 * Loads a small, realistic demo dataset for a tenant: 1-minute bars of five symbols over
 * `days` sessions, a quarter of fundamentals, a few news items and an option chain for SPY.
 * Idempotent: seeding twice leaves the same rows.
 */
export async function seed(
  api: TenantApi,
  days: number,
  from: Date = new Date(Date.UTC(2024, 0, 2)),
): Promise<SeedSummary> {
  const bars = await api.copyBars(demoBars(days, from));
  const fundamentals: FundamentalsInput[] = Object.keys(SYMBOLS).map((symbol, i) => ({
    asof: "2023-12-31",
    vendor: VENDOR,
    symbol,
    market_cap: 1e12 / (i + 1),
    pe_ratio: 20 + i * 5,
    eps: round(5 + i),
    revenue: 1e11 / (i + 1),
    net_income: 2e10 / (i + 1),
    shares_outstanding: 10_000_000_000 - i * 1_000_000_000,
    dividend_yield: i === 3 ? 0.013 : 0.005,
  }));
  const news: NewsInput[] = [
    {
      published_at: "2024-01-02T13:05:00Z",
      vendor: VENDOR,
      title: "Apple opens the year lower on supplier notes",
      symbols: ["AAPL"],
      url: "https://news.example/aapl-1",
      sentiment: -0.3,
    },
    {
      published_at: "2024-01-02T15:40:00Z",
      vendor: VENDOR,
      title: "Chipmakers rally; NVIDIA leads",
      symbols: ["NVDA", "SPY"],
      url: "https://news.example/nvda-1",
      sentiment: 0.6,
    },
    {
      published_at: "2024-01-03T12:00:00Z",
      vendor: VENDOR,
      title: 'Microsoft\tcloud demand "steady", analysts say',
      symbols: ["MSFT"],
      sentiment: 0.2,
    },
  ];
  const options: OptionSnapInput[] = [];
  for (const strike of [460, 465, 470, 475, 480, 485, 490]) {
    for (const option_type of ["C", "P"]) {
      const intrinsic = option_type === "C"
        ? Math.max(0, 475.3 - strike)
        : Math.max(0, strike - 475.3);
      const mid = round(intrinsic + 2.5);
      options.push({
        ts: "2024-01-02T21:00:00Z",
        vendor: VENDOR,
        symbol: "SPY",
        expiry: "2024-01-19",
        option_type,
        strike,
        bid: round(mid - 0.05),
        ask: round(mid + 0.05),
        open_interest: 10_000 + strike,
        implied_volatility: 0.12,
      });
    }
  }
  return {
    bars,
    fundamentals: await api.upsertFundamentals(fundamentals),
    news: await api.upsertNews(news),
    options: await api.upsertOptions(options),
  };
}
