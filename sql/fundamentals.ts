import { z } from "zod";
import {
  count,
  dateOfDateTime,
  field,
  finite,
  jsonObject,
  nullable,
  price,
  symbol,
  uuid,
  vendor,
} from "./_field_rules.ts";
import { compileModel, type Equal } from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** Company fundamentals as of one date, as stored. */
export interface Fundamentals {
  /** Owner; filled from the tenant scope when absent. */
  tenant_id?: string | undefined;
  /** The date the figures are valid for, `YYYY-MM-DD`. */
  asof: string;
  /** Data vendor, lower-case. */
  vendor: string;
  /** Ticker, upper-case. */
  symbol: string;
  /** Market capitalisation. */
  market_cap: number | null;
  /** Total assets. */
  total_assets: number | null;
  /** Total liabilities. */
  total_liabilities: number | null;
  /** Price to earnings ratio; negative for losses. */
  pe_ratio: number | null;
  /** Earnings per share. */
  eps: number | null;
  /** Revenue. */
  revenue: number | null;
  /** Net income; negative for losses. */
  net_income: number | null;
  /** Shares outstanding. */
  shares_outstanding: number | null;
  /** Dividend yield as a fraction. */
  dividend_yield: number | null;
  /** Further vendor fields, kept as JSON. */
  extra: Record<string, unknown> | null;
}

/** What {@linkcode parseFundamentals} accepts; an `id` (the original interface's) is ignored. */
export interface FundamentalsInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** `YYYY-MM-DD`, or an ISO 8601 date-time whose date (as written) is taken. */
  asof: string;
  /** Data vendor. */
  vendor: string;
  /** Ticker. */
  symbol: string;
  /** Market capitalisation. */
  market_cap?: number | null | undefined;
  /** Total assets. */
  total_assets?: number | null | undefined;
  /** Total liabilities. */
  total_liabilities?: number | null | undefined;
  /** Price to earnings ratio. */
  pe_ratio?: number | null | undefined;
  /** Earnings per share. */
  eps?: number | null | undefined;
  /** Revenue. */
  revenue?: number | null | undefined;
  /** Net income. */
  net_income?: number | null | undefined;
  /** Shares outstanding. */
  shares_outstanding?: number | null | undefined;
  /** Dividend yield as a fraction. */
  dividend_yield?: number | null | undefined;
  /** Further vendor fields. */
  extra?: Record<string, unknown> | null | undefined;
}

type N = number | null;
type NIn = number | null | undefined;
const fundamentalsFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  asof: field<string, string>(dateOfDateTime),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  market_cap: field<N, NIn>(nullable(price)).optional(),
  total_assets: field<N, NIn>(nullable(price)).optional(),
  total_liabilities: field<N, NIn>(nullable(price)).optional(),
  pe_ratio: field<N, NIn>(nullable(finite)).optional(),
  eps: field<N, NIn>(nullable(finite)).optional(),
  revenue: field<N, NIn>(nullable(finite)).optional(),
  net_income: field<N, NIn>(nullable(finite)).optional(),
  shares_outstanding: field<N, NIn>(nullable(count)).optional(),
  dividend_yield: field<N, NIn>(nullable(price)).optional(),
  extra: field<Record<string, unknown> | null, Record<string, unknown> | null | undefined>(
    nullable(jsonObject),
  ).optional(),
});

const toFundamentals = (f: z.output<typeof fundamentalsFields>): Fundamentals => ({
  tenant_id: f.tenant_id,
  asof: f.asof,
  vendor: f.vendor,
  symbol: f.symbol,
  market_cap: f.market_cap ?? null,
  total_assets: f.total_assets ?? null,
  total_liabilities: f.total_liabilities ?? null,
  pe_ratio: f.pe_ratio ?? null,
  eps: f.eps ?? null,
  revenue: f.revenue ?? null,
  net_income: f.net_income ?? null,
  shares_outstanding: f.shares_outstanding ?? null,
  dividend_yield: f.dividend_yield ?? null,
  extra: f.extra ?? null,
});

const fundamentalsShape = fundamentalsFields.transform(toFundamentals);
const fastFundamentals = compileModel("fundamentals", fundamentalsFields, toFundamentals);

/** The zod model of {@linkcode Fundamentals}. */
export const FundamentalsSchema: Model<Fundamentals, FundamentalsInput> = fundamentalsShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof fundamentalsShape>, Fundamentals> = true;
const _inputMatches: Equal<z.input<typeof fundamentalsShape>, FundamentalsInput> = true;

/**
 * Validates and normalises one fundamentals record.
 *
 * @param input The record as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @returns The normalised record.
 * @throws {ValidationError} When a field is missing or invalid.
 *
 * @example
 * ```ts
 * import { parseFundamentals } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const f = parseFundamentals({ asof: "2024-03-31", vendor: "fmp", symbol: "msft", eps: 2.94 });
 * assert.deepEqual([f.symbol, f.eps, f.revenue], ["MSFT", 2.94, null]);
 * ```
 */
export function parseFundamentals(input: unknown, index?: number): Fundamentals {
  return fastFundamentals(input, index);
}
