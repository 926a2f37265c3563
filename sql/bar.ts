import { z } from "zod";
import { count, field, nullable, price, symbol, timestamp, uuid, vendor } from "./_field_rules.ts";
import { oneOf } from "./_field_rules.ts";
import {
  compileModel,
  type Equal,
  firstProblem,
  type Problem,
  pushProblem,
  spelling,
} from "./_model_compile.ts";
import type { Model } from "./model.ts";
import { type Timeframe, TIMEFRAMES } from "./timeframes.ts";

/** One OHLCV bar as stored: normalised and checked. */
export interface Bar {
  /** Owner; filled from the tenant scope when absent. */
  tenant_id?: string | undefined;
  /** Bar open time, UTC. */
  ts: Date;
  /** Data vendor, lower-case. */
  vendor: string;
  /** Ticker, upper-case. */
  symbol: string;
  /** Bar length. */
  timeframe: Timeframe;
  /** Opening price; `null` when the vendor gives only some prices (a close-only series). */
  open: number | null;
  /** Highest price; at least the open, close and low that are given; `null` when not given. */
  high: number | null;
  /** Lowest price; at most the open and close that are given; `null` when not given. */
  low: number | null;
  /** Closing price. */
  close: number;
  /** Traded volume, a whole number; 0 when not given. */
  volume: number;
  /** Volume-weighted average price, where the vendor gives one. */
  vwap: number | null;
  /** Number of trades, where the vendor gives one. */
  trade_count: number | null;
}

type NIn = number | null | undefined;
/**
 * What {@linkcode parseBar} accepts. The original mds interface's spellings `open_price`,
 * `high_price`, `low_price` and `close_price` are accepted too (mds's are preferred); a row giving
 * both spellings of a price with different values is refused. `close` (or `close_price`) is
 * required; an `id` is ignored, the key identifies the bar.
 */
export interface BarInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** ISO 8601 (no zone means UTC), epoch milliseconds, or a `Date`. */
  ts: string | number | Date;
  /** Data vendor; trimmed and lower-cased. */
  vendor: string;
  /** Ticker; trimmed and upper-cased. */
  symbol: string;
  /** One of {@linkcode TIMEFRAMES}. */
  timeframe: string;
  /** Opening price. */
  open?: number | null | undefined;
  /** Highest price. */
  high?: number | null | undefined;
  /** Lowest price. */
  low?: number | null | undefined;
  /** Closing price; required unless `close_price` is given. */
  close?: number | undefined;
  /** The original interface's `open`. */
  open_price?: number | null | undefined;
  /** The original interface's `high`. */
  high_price?: number | null | undefined;
  /** The original interface's `low`. */
  low_price?: number | null | undefined;
  /** The original interface's `close`. */
  close_price?: number | undefined;
  /** Traded volume. @default {0} */
  volume?: number | null | undefined;
  /** Volume-weighted average price. */
  vwap?: number | null | undefined;
  /** Number of trades. */
  trade_count?: number | null | undefined;
}

type N = number | null;
const barFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  ts: field<Date, string | number | Date>(timestamp),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  timeframe: field<Timeframe, string>(oneOf(TIMEFRAMES)),
  open: field<N, NIn>(nullable(price)).optional(),
  high: field<N, NIn>(nullable(price)).optional(),
  low: field<N, NIn>(nullable(price)).optional(),
  close: field<number, number | undefined>(price).optional(),
  open_price: field<N, NIn>(nullable(price)).optional(),
  high_price: field<N, NIn>(nullable(price)).optional(),
  low_price: field<N, NIn>(nullable(price)).optional(),
  close_price: field<number, number | undefined>(price).optional(),
  volume: field<N, number | null | undefined>(nullable(count)).optional(),
  vwap: field<N, NIn>(nullable(price)).optional(),
  trade_count: field<N, NIn>(nullable(count)).optional(),
});
type BarFields = z.output<typeof barFields>;

/** The prices of a bar with both spellings merged, and the first conflict between them. */
function prices(b: BarFields) {
  if (
    b.open_price === undefined && b.high_price === undefined && b.low_price === undefined &&
    b.close_price === undefined
  ) {
    // mds's own spellings only: the common case of ingest, without the merging
    return {
      open: b.open ?? null,
      high: b.high ?? null,
      low: b.low ?? null,
      close: b.close,
      problem: undefined,
    };
  }
  const v = b as Record<string, unknown>;
  const open = spelling<N>(v, "open", "open_price");
  const high = spelling<N>(v, "high", "high_price");
  const low = spelling<N>(v, "low", "low_price");
  const close = spelling<number>(v, "close", "close_price");
  return {
    open: open.value ?? null,
    high: high.value ?? null,
    low: low.value ?? null,
    close: close.value,
    problem: firstProblem(open.problem, high.problem, low.problem, close.problem),
  };
}

function barProblem(b: BarFields): Problem | undefined {
  const { open, high, low, close, problem } = prices(b);
  if (problem) return problem;
  if (close === undefined) {
    return { field: "close", value: undefined, reason: "is required (or close_price)" };
  }
  // The consistency checks apply to the prices that are given (as the CHECK constraint does).
  if (high !== null && high < Math.max(open ?? high, close, low ?? high)) {
    return { field: "high", value: high, reason: "is below the open, close or low" };
  }
  if (low !== null && low > Math.min(open ?? low, close)) {
    return { field: "low", value: low, reason: "is above the open or close" };
  }
  return undefined;
}

const toBar = (b: BarFields): Bar => {
  const p = prices(b);
  return {
    tenant_id: b.tenant_id,
    ts: b.ts,
    vendor: b.vendor,
    symbol: b.symbol,
    timeframe: b.timeframe,
    open: p.open,
    high: p.high,
    low: p.low,
    close: p.close!,
    volume: b.volume ?? 0,
    vwap: b.vwap ?? null,
    trade_count: b.trade_count ?? null,
  };
};

const barShape = barFields.check((ctx) => pushProblem(ctx, barProblem(ctx.value))).transform(toBar);
const fastBar = compileModel("bar", barFields, toBar, barProblem);

/** The zod model of a {@linkcode Bar}. */
export const BarSchema: Model<Bar, BarInput> = barShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof barShape>, Bar> = true;
const _inputMatches: Equal<z.input<typeof barShape>, BarInput> = true;

/**
 * Validates and normalises one bar.
 *
 * @param input The bar as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @returns The normalised bar.
 * @throws {ValidationError} When a field is missing or invalid; names the field and value.
 *
 * @example
 * ```ts
 * import { parseBar } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const bar = parseBar({ ts: "2024-01-02T09:30:00-05:00", vendor: " Polygon ", symbol: "aapl",
 *   timeframe: "1m", open: 185.1, high: 185.4, low: 184.9, close: 185.2, volume: 1200 });
 * assert.deepEqual(bar.symbol, "AAPL");
 * assert.deepEqual(bar.vendor, "polygon");
 * assert.deepEqual(bar.ts.toISOString(), "2024-01-02T14:30:00.000Z");
 * ```
 */
export function parseBar(input: unknown, index?: number): Bar {
  return fastBar(input, index);
}
