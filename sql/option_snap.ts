import { z } from "zod";
import {
  between,
  calendarDate,
  count,
  field,
  finite,
  nullable,
  price,
  Refusal,
  symbol,
  timestamp,
  uuid,
  vendor,
} from "./_field_rules.ts";
import {
  compileModel,
  type Equal,
  firstProblem,
  type Problem,
  pushProblem,
  spelling,
} from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** Option sides. */
export const OPTION_TYPES = ["C", "P"] as const;
/** `C` for a call, `P` for a put. */
export type OptionType = typeof OPTION_TYPES[number];

/** One snapshot of one option contract, as stored. */
export interface OptionSnap {
  /** Owner; filled from the tenant scope when absent. */
  tenant_id?: string | undefined;
  /** Snapshot time, UTC. */
  ts: Date;
  /** Data vendor, lower-case. */
  vendor: string;
  /** Underlying ticker, upper-case. */
  symbol: string;
  /** Expiry date, `YYYY-MM-DD`. */
  expiry: string;
  /** Call or put. */
  option_type: OptionType;
  /** Strike price, above zero. */
  strike: number;
  /** Best bid. */
  bid: number | null;
  /** Best ask; not below the bid. */
  ask: number | null;
  /** Last trade price. */
  last: number | null;
  /** Contracts traded. */
  volume: number | null;
  /** Open contracts. */
  open_interest: number | null;
  /** Implied volatility as a fraction. */
  implied_volatility: number | null;
  /** Delta in [-1, 1]. */
  delta: number | null;
  /** Gamma. */
  gamma: number | null;
  /** Theta. */
  theta: number | null;
  /** Vega. */
  vega: number | null;
  /** Underlying price at snapshot time. */
  underlying_price: number | null;
  /**
   * The fields mds computed because the vendor sent none (a subset of
   * {@linkcode COMPUTABLE_OPTION_FIELDS}, in that order); `null` when every value is the
   * vendor's. Set by the write path only: input cannot claim it (a `computed` field in the input
   * is ignored), so a value is never marked computed by whoever sent it.
   */
  computed: OptionComputedField[] | null;
}

/**
 * The fields of an {@linkcode OptionSnap} mds may compute on write, from the contract's price
 * and the underlying's price, where the vendor sent none.
 */
export const COMPUTABLE_OPTION_FIELDS = [
  "implied_volatility",
  "delta",
  "gamma",
  "theta",
  "vega",
] as const;
/** One of {@linkcode COMPUTABLE_OPTION_FIELDS}. */
export type OptionComputedField = typeof COMPUTABLE_OPTION_FIELDS[number];

type NIn = number | null | undefined;
/**
 * What {@linkcode parseOptionSnap} accepts. The original interface's `iv`, `oi` and `spot` are
 * accepted for `implied_volatility`, `open_interest` and `underlying_price` (mds's spellings are
 * preferred; both with different values is refused); an `id` is ignored.
 */
export interface OptionSnapInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** ISO 8601 (no zone means UTC), epoch milliseconds, or a `Date`. */
  ts: string | number | Date;
  /** Data vendor. */
  vendor: string;
  /** Underlying ticker. */
  symbol: string;
  /** `YYYY-MM-DD`. */
  expiry: string;
  /** `C` or `P`, either case. */
  option_type: string;
  /** Strike price. */
  strike: number;
  /** Best bid. */
  bid?: number | null | undefined;
  /** Best ask. */
  ask?: number | null | undefined;
  /** Last trade price. */
  last?: number | null | undefined;
  /** Contracts traded. */
  volume?: number | null | undefined;
  /** Open contracts. */
  open_interest?: number | null | undefined;
  /** Implied volatility. */
  implied_volatility?: number | null | undefined;
  /** Delta. */
  delta?: number | null | undefined;
  /** Gamma. */
  gamma?: number | null | undefined;
  /** Theta. */
  theta?: number | null | undefined;
  /** Vega. */
  vega?: number | null | undefined;
  /** Underlying price. */
  underlying_price?: number | null | undefined;
  /** The original interface's `implied_volatility`. */
  iv?: number | null | undefined;
  /** The original interface's `open_interest`. */
  oi?: number | null | undefined;
  /** The original interface's `underlying_price`. */
  spot?: number | null | undefined;
}

const optionType = (value: unknown): OptionType | Refusal =>
  value === undefined ? new Refusal("is required") : typeof value === "string" &&
      (value === "C" || value === "c" || value === "P" || value === "p")
    ? value.toUpperCase() as OptionType
    : new Refusal("must be C or P");
const strike = (value: unknown): number | Refusal => {
  const p = price(value);
  return p instanceof Refusal ? p : p > 0 ? p : new Refusal("must be above zero");
};

type N = number | null;
const optionFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  ts: field<Date, string | number | Date>(timestamp),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  expiry: field<string, string>(calendarDate),
  option_type: field<OptionType, string>(optionType),
  strike: field<number, number>(strike),
  bid: field<N, NIn>(nullable(price)).optional(),
  ask: field<N, NIn>(nullable(price)).optional(),
  last: field<N, NIn>(nullable(price)).optional(),
  volume: field<N, NIn>(nullable(count)).optional(),
  open_interest: field<N, NIn>(nullable(count)).optional(),
  implied_volatility: field<N, NIn>(nullable(price)).optional(),
  delta: field<N, NIn>(nullable(between(-1, 1))).optional(),
  gamma: field<N, NIn>(nullable(finite)).optional(),
  theta: field<N, NIn>(nullable(finite)).optional(),
  vega: field<N, NIn>(nullable(finite)).optional(),
  underlying_price: field<N, NIn>(nullable(price)).optional(),
  iv: field<N, NIn>(nullable(price)).optional(),
  oi: field<N, NIn>(nullable(count)).optional(),
  spot: field<N, NIn>(nullable(price)).optional(),
});
type OptionFields = z.output<typeof optionFields>;

/** The fields with two spellings, merged, and the first conflict between them. */
function spellings(o: OptionFields) {
  const v = o as Record<string, unknown>;
  const iv = spelling<N>(v, "implied_volatility", "iv");
  const oi = spelling<N>(v, "open_interest", "oi");
  const spot = spelling<N>(v, "underlying_price", "spot");
  return {
    implied_volatility: iv.value ?? null,
    open_interest: oi.value ?? null,
    underlying_price: spot.value ?? null,
    problem: firstProblem(iv.problem, oi.problem, spot.problem),
  };
}

const optionProblem = (o: OptionFields): Problem | undefined =>
  spellings(o).problem ??
    (o.bid != null && o.ask != null && o.ask < o.bid
      ? { field: "ask", value: o.ask, reason: "is below the bid" }
      : undefined);

const toOptionSnap = (o: OptionFields): OptionSnap => {
  const merged = spellings(o);
  return {
    tenant_id: o.tenant_id,
    ts: o.ts,
    vendor: o.vendor,
    symbol: o.symbol,
    expiry: o.expiry,
    option_type: o.option_type,
    strike: o.strike,
    bid: o.bid ?? null,
    ask: o.ask ?? null,
    last: o.last ?? null,
    volume: o.volume ?? null,
    open_interest: merged.open_interest,
    implied_volatility: merged.implied_volatility,
    delta: o.delta ?? null,
    gamma: o.gamma ?? null,
    theta: o.theta ?? null,
    vega: o.vega ?? null,
    underlying_price: merged.underlying_price,
    computed: null,
  };
};

const optionShape = optionFields.check((ctx) => pushProblem(ctx, optionProblem(ctx.value)))
  .transform(toOptionSnap);
const fastOption = compileModel("option", optionFields, toOptionSnap, optionProblem);

/** The zod model of an {@linkcode OptionSnap}. */
export const OptionSnapSchema: Model<OptionSnap, OptionSnapInput> = optionShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof optionShape>, OptionSnap> = true;
const _inputMatches: Equal<z.input<typeof optionShape>, OptionSnapInput> = true;

/**
 * Validates and normalises one option snapshot.
 *
 * @param input The snapshot as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @returns The normalised snapshot.
 * @throws {ValidationError} When a field is missing or invalid.
 *
 * @example
 * ```ts
 * import { parseOptionSnap } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const o = parseOptionSnap({ ts: 1704207600000, vendor: "opra", symbol: "spy",
 *   expiry: "2024-01-19", option_type: "c", strike: 470, bid: 3.1, ask: 3.2 });
 * assert.deepEqual([o.symbol, o.option_type, o.open_interest], ["SPY", "C", null]);
 * ```
 */
export function parseOptionSnap(input: unknown, index?: number): OptionSnap {
  return fastOption(input, index);
}
