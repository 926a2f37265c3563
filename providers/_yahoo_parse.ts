// Yahoo Finance's JSON (v8 chart, v7 options), checked with zod and turned into mds rows.
import {
  type Bar,
  type OptionSnap,
  parseOptionSnap,
  type Timeframe,
  ValidationError,
} from "@mds/sql";
import { z } from "zod";
import { admitBar, localDate, type RowGate } from "./_adapter.ts";
import { ProviderError } from "./errors.ts";
import type { BarStreamInfo } from "./provider.ts";

const num = z.number().nullable();
const series = z.array(num).optional();

const chartResult = z.object({
  meta: z.object({
    symbol: z.string().optional(),
    gmtoffset: z.number().nullish(),
    exchangeTimezoneName: z.string().nullish(),
    regularMarketPrice: z.number().nullish(),
    regularMarketTime: z.number().nullish(),
    regularMarketDayHigh: z.number().nullish(),
    regularMarketDayLow: z.number().nullish(),
    chartPreviousClose: z.number().nullish(),
    previousClose: z.number().nullish(),
  }),
  timestamp: z.array(z.number()).optional(),
  events: z.object({
    splits: z.record(
      z.string(),
      z.object({ date: z.number(), numerator: z.number(), denominator: z.number() }),
    ).optional(),
    dividends: z.record(z.string(), z.object({ date: z.number(), amount: z.number() })).optional(),
  }).optional(),
  indicators: z.object({
    quote: z.array(z.object({
      open: series,
      high: series,
      low: series,
      close: series,
      volume: series,
    })),
    adjclose: z.array(z.object({ adjclose: series })).optional(),
  }),
});

const vendorError = z.object({ code: z.string(), description: z.string().nullable().optional() });

/** The v8 chart body. */
export const chartBody = z.object({
  chart: z.object({ result: z.array(chartResult).nullable(), error: vendorError.nullable() }),
});
/** One chart result. */
export type ChartResult = z.infer<typeof chartResult>;
/** A vendor-level error. */
export type YahooError = z.infer<typeof vendorError>;

const contract = z.object({
  contractSymbol: z.string(),
  strike: z.number(),
  lastPrice: z.number().optional(),
  bid: z.number().optional(),
  ask: z.number().optional(),
  volume: z.number().optional(),
  openInterest: z.number().optional(),
  impliedVolatility: z.number().optional(),
  expiration: z.number(),
});

const optionResult = z.object({
  underlyingSymbol: z.string(),
  expirationDates: z.array(z.number()),
  quote: z.object({ regularMarketPrice: z.number().optional() }).optional(),
  options: z.array(z.object({
    expirationDate: z.number(),
    calls: z.array(contract),
    puts: z.array(contract),
  })),
});

/** The v7 options body. */
export const optionsBody = z.object({
  optionChain: z.object({ result: z.array(optionResult), error: vendorError.nullable() }),
});
/** One options result. */
export type OptionsResult = z.infer<typeof optionsBody>["optionChain"]["result"][number];

const PRICE_FIELDS = ["open", "high", "low", "close", "volume"] as const;

/** What one chart page needs besides the body. */
export interface ChartPage {
  provider: string;
  symbol: string;
  timeframe: Timeframe;
  /** Overall range of the stream, epoch milliseconds. */
  startMs: number;
  endMs: number;
  /** Newest bar time met so far (yielded or refused), to drop the overlap of adjacent pages. */
  afterMs: number;
  /** Refuses rows from the future or failing validation, recording them on `info`. */
  gate: RowGate;
}

/** The bars of one chart page, and the newest bar time met on it. */
export interface ChartBars {
  bars: Bar[];
  /** The page's `afterMs`, moved past every row yielded or refused. */
  afterMs: number;
}

const DAILY: ReadonlySet<Timeframe> = new Set(["1d", "1w"]);

/**
 * The bars of one chart result, filtered to the range, with events, adjusted closes and refused
 * rows recorded on `info`. A row failing validation or stamped too far in the future is refused
 * on its own; series that do not match the timestamps throw PROVIDER_BAD_RESPONSE naming the
 * field.
 */
export function chartBars(result: ChartResult, page: ChartPage, info: BarStreamInfo): ChartBars {
  const offset = result.meta.gmtoffset ?? 0;
  info.exchangeTimezone ??= result.meta.exchangeTimezoneName ?? undefined;
  const stamps = result.timestamp ?? [];
  const q = result.indicators.quote[0] ?? {};
  const adj = result.indicators.adjclose?.[0]?.adjclose;
  const base = "chart.result[0].indicators.quote[0]";
  for (const f of PRICE_FIELDS) {
    if (stamps.length > 0 && (q[f]?.length ?? 0) !== stamps.length) {
      throw badResponse(
        page.provider,
        `${base}.${f}`,
        `has ${q[f]?.length ?? 0} entries for ${stamps.length} timestamps`,
      );
    }
  }
  const daily = DAILY.has(page.timeframe);
  const inRange = (ms: number) => ms >= page.startMs && ms < page.endMs;
  const dayMs = (epochSeconds: number) => Date.parse(localDate(epochSeconds * 1_000, offset));
  const bars: Bar[] = [];
  let after = page.afterMs;
  for (let i = 0; i < stamps.length; i++) {
    const ts = daily ? dayMs(stamps[i]!) : stamps[i]! * 1_000;
    if (!inRange(ts) || ts <= after) continue;
    const open = q.open![i], high = q.high![i], low = q.low![i], close = q.close![i];
    const volume = q.volume![i];
    if (open == null || high == null || low == null || close == null || volume == null) {
      info.skippedNulls++;
      continue;
    }
    after = ts;
    const bar = admitBar(page.gate, {
      bar: {
        ts,
        vendor: page.provider,
        symbol: page.symbol,
        timeframe: page.timeframe,
        open,
        high,
        low,
        close,
        volume,
      },
      vendorMs: stamps[i]! * 1_000,
      vendorTs: stamps[i],
    });
    if (bar === undefined) continue;
    bars.push(bar);
    const a = adj?.[i];
    if (a != null) info.adjustedCloses.set(ts, a);
  }
  const seenSplits = new Set(info.splits.map((s) => s.date));
  for (const s of Object.values(result.events?.splits ?? {}).sort((a, b) => a.date - b.date)) {
    const date = localDate(s.date * 1_000, offset);
    if (!inRange(Date.parse(date)) && !inRange(s.date * 1_000)) continue;
    if (seenSplits.has(date)) continue;
    seenSplits.add(date);
    info.splits.push({ date, numerator: s.numerator, denominator: s.denominator });
  }
  const seenDividends = new Set(info.dividends.map((d) => d.date));
  for (const d of Object.values(result.events?.dividends ?? {}).sort((a, b) => a.date - b.date)) {
    const date = localDate(d.date * 1_000, offset);
    if (!inRange(Date.parse(date)) && !inRange(d.date * 1_000)) continue;
    if (seenDividends.has(date)) continue;
    seenDividends.add(date);
    info.dividends.push({ date, amount: d.amount });
  }
  return { bars, afterMs: after };
}

/** The snapshots of one options result; counts the rows that fail validation. */
export function optionSnaps(
  provider: string,
  result: OptionsResult,
  expiries: ReadonlySet<number> | undefined,
  now: number,
): { snaps: OptionSnap[]; skipped: number } {
  const snaps: OptionSnap[] = [];
  let skipped = 0;
  const underlying = result.quote?.regularMarketPrice ?? null;
  for (const group of result.options) {
    if (expiries !== undefined && !expiries.has(group.expirationDate)) continue;
    for (const [type, rows] of [["C", group.calls], ["P", group.puts]] as const) {
      for (const c of rows) {
        try {
          snaps.push(parseOptionSnap({
            ts: now,
            vendor: provider,
            symbol: result.underlyingSymbol,
            expiry: new Date(c.expiration * 1_000).toISOString().slice(0, 10),
            option_type: type,
            strike: c.strike,
            bid: c.bid ?? null,
            ask: c.ask ?? null,
            last: c.lastPrice ?? null,
            volume: c.volume ?? null,
            open_interest: c.openInterest ?? null,
            // Yahoo answers 0 (or 1e-5) for a contract it has no implied volatility for: missing
            implied_volatility: c.impliedVolatility !== undefined && c.impliedVolatility > 1e-4
              ? c.impliedVolatility
              : null,
            underlying_price: underlying,
          }));
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          skipped++;
        }
      }
    }
  }
  return { snaps, skipped };
}

/** PROVIDER_BAD_RESPONSE for a field of a Yahoo body. */
export function badResponse(
  provider: string,
  field: string,
  reason: string,
  cause?: unknown,
  endpoint = "chart",
): ProviderError {
  return new ProviderError(
    "PROVIDER_BAD_RESPONSE",
    `Yahoo sent an unexpected "${endpoint}" body: "${field}" ${reason}`,
    { provider, endpoint, field, cause },
  );
}
