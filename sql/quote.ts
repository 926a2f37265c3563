import { z } from "zod";
import { count, field, nullable, price, symbol, timestamp, uuid, vendor } from "./_field_rules.ts";
import { compileModel, type Equal, type Problem, pushProblem } from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** One level-1 quote, as stored: the best bid and ask of a symbol at an instant. */
export interface Quote {
  /** Owner; filled from the tenant scope when absent. */
  tenant_id?: string | undefined;
  /** Quote time, UTC. */
  ts: Date;
  /** Data vendor, lower-case. */
  vendor: string;
  /** Ticker, upper-case. */
  symbol: string;
  /** Best bid; not negative. */
  bid: number | null;
  /** Best ask; not negative, not below the bid. */
  ask: number | null;
  /** Last trade price; not negative. */
  last: number | null;
  /** Shares bid at the best bid. */
  bid_size: number | null;
  /** Shares offered at the best ask. */
  ask_size: number | null;
}

type NIn = number | null | undefined;
/** What {@linkcode parseQuote} accepts: at least one of `bid`, `ask` and `last`. */
export interface QuoteInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** ISO 8601 (UTC without a zone), epoch milliseconds, or a `Date`. */
  ts: string | number | Date;
  /** Data vendor. */
  vendor: string;
  /** Ticker. */
  symbol: string;
  /** Best bid. */
  bid?: number | null | undefined;
  /** Best ask. */
  ask?: number | null | undefined;
  /** Last trade price. */
  last?: number | null | undefined;
  /** Shares bid at the best bid, a whole number. */
  bid_size?: number | null | undefined;
  /** Shares offered at the best ask, a whole number. */
  ask_size?: number | null | undefined;
}

type N = number | null;
const quoteFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  ts: field<Date, string | number | Date>(timestamp),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  bid: field<N, NIn>(nullable(price)).optional(),
  ask: field<N, NIn>(nullable(price)).optional(),
  last: field<N, NIn>(nullable(price)).optional(),
  bid_size: field<N, NIn>(nullable(count)).optional(),
  ask_size: field<N, NIn>(nullable(count)).optional(),
});
type QuoteFields = z.output<typeof quoteFields>;

// The same rules as the CHECK constraints of migration 0006, so a refused row never reaches it.
const quoteProblem = (q: QuoteFields): Problem | undefined => {
  if (q.bid != null && q.ask != null && q.ask < q.bid) {
    return { field: "ask", value: q.ask, reason: "is below the bid" };
  }
  if (q.bid == null && q.ask == null && q.last == null) {
    return { field: "bid", value: q.bid, reason: "a quote needs a bid, an ask or a last price" };
  }
  return undefined;
};

const toQuote = (q: QuoteFields): Quote => ({
  tenant_id: q.tenant_id,
  ts: q.ts,
  vendor: q.vendor,
  symbol: q.symbol,
  bid: q.bid ?? null,
  ask: q.ask ?? null,
  last: q.last ?? null,
  bid_size: q.bid_size ?? null,
  ask_size: q.ask_size ?? null,
});

const quoteShape = quoteFields.check((ctx) => pushProblem(ctx, quoteProblem(ctx.value)))
  .transform(toQuote);
const fastQuote = compileModel("quote", quoteFields, toQuote, quoteProblem);

/** The zod model of a {@linkcode Quote}. */
export const QuoteSchema: Model<Quote, QuoteInput> = quoteShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof quoteShape>, Quote> = true;
const _inputMatches: Equal<z.input<typeof quoteShape>, QuoteInput> = true;

/**
 * Validates and normalises one level-1 quote.
 *
 * @param input The quote as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @returns The normalised quote; absent prices and sizes are `null`.
 * @throws {ValidationError} When a field is missing or invalid, the ask is below the bid, or
 * none of `bid`, `ask` and `last` is given.
 *
 * @example
 * ```ts
 * import { parseQuote } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = parseQuote({ ts: "2024-01-02T14:30:00.250Z", vendor: "Polygon", symbol: "aapl",
 *   bid: 185.1, ask: 185.12, bid_size: 300 });
 * assert.deepEqual([q.vendor, q.symbol, q.last, q.ask_size], ["polygon", "AAPL", null, null]);
 * assert.throws(() => parseQuote({ ts: 0, vendor: "v", symbol: "A", bid: 2, ask: 1 }),
 *   /"ask" is 1: is below the bid/);
 * ```
 */
export function parseQuote(input: unknown, index?: number): Quote {
  return fastQuote(input, index);
}
