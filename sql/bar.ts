import { z } from "zod";
import {
  count,
  field,
  nullable,
  price,
  symbol,
  timestamp,
  uuid,
  vendor,
  withDefault,
} from "./_field_rules.ts";
import { oneOf } from "./_field_rules.ts";
import { compileModel, type Equal, type Problem, pushProblem } from "./_model_compile.ts";
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
  /** Opening price. */
  open: number;
  /** Highest price; at least `open`, `close` and `low`. */
  high: number;
  /** Lowest price; at most `open` and `close`. */
  low: number;
  /** Closing price. */
  close: number;
  /** Traded volume, a whole number. */
  volume: number;
  /** Volume-weighted average price, where the vendor gives one. */
  vwap: number | null;
  /** Number of trades, where the vendor gives one. */
  trade_count: number | null;
}

/** What {@linkcode parseBar} accepts. */
export interface BarInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** ISO 8601 with `Z` or an offset, epoch milliseconds, or a `Date`. */
  ts: string | number | Date;
  /** Data vendor; trimmed and lower-cased. */
  vendor: string;
  /** Ticker; trimmed and upper-cased. */
  symbol: string;
  /** One of {@linkcode TIMEFRAMES}. */
  timeframe: string;
  /** Opening price. */
  open: number;
  /** Highest price. */
  high: number;
  /** Lowest price. */
  low: number;
  /** Closing price. */
  close: number;
  /** Traded volume. @default {0} */
  volume?: number | undefined;
  /** Volume-weighted average price. */
  vwap?: number | null | undefined;
  /** Number of trades. */
  trade_count?: number | null | undefined;
}

const barFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  ts: field<Date, string | number | Date>(timestamp),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  timeframe: field<Timeframe, string>(oneOf(TIMEFRAMES)),
  open: field<number, number>(price),
  high: field<number, number>(price),
  low: field<number, number>(price),
  close: field<number, number>(price),
  volume: field<number, number | undefined>(withDefault(count, 0)).optional(),
  vwap: field<number | null, number | null | undefined>(nullable(price)).optional(),
  trade_count: field<number | null, number | null | undefined>(nullable(count)).optional(),
});
type BarFields = z.output<typeof barFields>;

function barProblem(b: BarFields): Problem | undefined {
  if (b.high < Math.max(b.open, b.close, b.low)) {
    return { field: "high", value: b.high, reason: "is below the open, close or low" };
  }
  if (b.low > Math.min(b.open, b.close)) {
    return { field: "low", value: b.low, reason: "is above the open or close" };
  }
  return undefined;
}

const toBar = (b: BarFields): Bar => ({
  tenant_id: b.tenant_id,
  ts: b.ts,
  vendor: b.vendor,
  symbol: b.symbol,
  timeframe: b.timeframe,
  open: b.open,
  high: b.high,
  low: b.low,
  close: b.close,
  volume: b.volume ?? 0,
  vwap: b.vwap ?? null,
  trade_count: b.trade_count ?? null,
});

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
