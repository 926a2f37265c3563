// A collector test bench: a fake market on 127.0.0.1, a store (PostgreSQL when
// MDS_TEST_DATABASE_URL is set, else embedded PGlite), a tenant with a universe, and a collector
// configuration pointing at the fake. Only tests import this file.
import { createClient, type MdsClient } from "@mds/client";
import { nyseCalendar } from "@mds/client/calendar";
import { type CollectorConfig, parseCollectorConfig } from "@mds/service";
import type { Bar } from "@mds/sql";
import { createServerDatabase, newTenant, serverUrl } from "./backends.ts";
import { type FakeMarket, startFakeMarket } from "./fake_market.ts";

/** The end of the fake market's data: the last NYSE session close before today 00:00 UTC. */
export function marketEnd(): Date {
  const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const sessions = [...nyseCalendar().sessions(new Date(today.getTime() - 10 * 86_400_000), today)];
  return sessions.at(-1)!.close;
}

/** Symbols `S00`, `S01`, ... */
export function symbols(n: number, prefix = "S"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
}

/** A running bench. */
export interface Bench extends AsyncDisposable {
  market: FakeMarket;
  client: MdsClient;
  tenant: string;
  /** Server URL of the store, for subprocesses; undefined on PGlite. */
  url: string | undefined;
  /** Where the market's data begins (the universe's history start). */
  start: Date;
  /** Where it ends: the collectors run `until` it. */
  end: Date;
  /** The environment the collector reads base URLs and the Finnhub token from. */
  env: Record<string, string>;
  /** The configuration: both vendors, fast polling, windows covering the whole market. */
  config(overrides?: Record<string, unknown>): CollectorConfig;
  /** The configuration as JSON input, for a file. */
  configInput(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Every bar of the store for the tenant, as `symbol|timeframe|ts|o|h|l|c|v` lines, sorted. */
  storedBars(): Promise<string[]>;
  /** The market's bars in the same form. */
  marketBars(syms: readonly string[], timeframes: readonly ("1m" | "1d")[]): string[];
}

const DAY = 86_400_000;

/** One bar as a comparable line; the vendor is left out (failover may change it). */
export function barLine(
  b: Pick<Bar, "symbol" | "timeframe" | "ts" | "open" | "high" | "low" | "close" | "volume">,
): string {
  return `${b.symbol}|${b.timeframe}|${b.ts.toISOString()}|${b.open}|${b.high}|${b.low}|${b.close}|${b.volume}`;
}

/**
 * Starts a bench.
 *
 * @param options Days of data and whether a server database is required.
 */
export async function startBench(
  options: { days?: number; server?: boolean } = {},
): Promise<Bench> {
  const end = marketEnd();
  const days = options.days ?? 28;
  const start = new Date(Math.floor((end.getTime() - days * DAY) / DAY) * DAY + DAY);
  const market = startFakeMarket({ end, days });
  const base = serverUrl("postgres");
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let client: MdsClient;
  if (base) {
    const db = await createServerDatabase(base);
    url = db.url;
    drop = db.drop;
    client = await createClient({ url, pool: { max: 8 }, migrate: true });
  } else {
    if (options.server) {
      await market.close();
      throw new Error("MDS_TEST_DATABASE_URL is not set");
    }
    client = await createClient({ memory: true });
  }
  const tenant = newTenant();
  const env = {
    MDS_YAHOO_BASE_URL: market.yahooBaseUrl,
    MDS_FINNHUB_BASE_URL: market.finnhubBaseUrl,
    FINNHUB_API_KEY: market.finnhubToken,
  };
  const configInput = (overrides: Record<string, unknown> = {}) => ({
    providers: {
      providers: [
        { name: "yahoo", requestsPerMinute: 600_000, burst: 1_000, timeoutMs: 20_000 },
        { name: "finnhub", requestsPerMinute: 600_000, burst: 1_000, timeoutMs: 20_000 },
      ],
      routing: {
        bars: ["yahoo", "finnhub"],
        quote: ["yahoo", "finnhub"],
        options_chain: ["yahoo"],
      },
      retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    },
    workers: { count: 4, pollSeconds: 0.05, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    gaps: { windowDays: { "1m": days + 5, "1d": days + 5 } },
    slo: { windowDays: { "1m": days + 5, "1d": days + 5 } },
    tiers: {
      T1: { quotesEverySeconds: null },
      T0: { quotesEverySeconds: null, optionsEveryMinutes: null },
    },
    ...overrides,
  });
  return {
    market,
    client,
    tenant,
    url,
    start,
    end,
    env,
    configInput,
    config: (overrides) => parseCollectorConfig(configInput(overrides), env),
    async storedBars() {
      const out: string[] = [];
      const api = client.tenant(tenant);
      for (const c of await api.universe.seriesCursors()) {
        for await (
          const page of api.iterateBars({
            symbol: c.symbol,
            timeframe: c.timeframe,
            start: new Date(0),
            end: new Date(end.getTime() + DAY),
          })
        ) for (const b of page) out.push(barLine(b));
      }
      return out.sort();
    },
    marketBars(syms, timeframes) {
      const out: string[] = [];
      for (const s of syms) {
        for (const tf of timeframes) {
          for (const b of market.bars(s, tf, start, new Date(end.getTime() + DAY))) {
            out.push(barLine(b));
          }
        }
      }
      return out.sort();
    },
    async [Symbol.asyncDispose]() {
      await client.close();
      await market.close();
      await drop?.();
    },
  };
}
