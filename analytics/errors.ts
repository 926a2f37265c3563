/**
 * The error class of `@mds/analytics`.
 *
 * @module
 */

/**
 * Stable error codes of {@linkcode AnalyticsError}. Branch on these, never on message text.
 *
 * - `invalid_input`: an input is missing, not finite or out of its domain; `field` names it.
 * - `iv_out_of_bounds`: a price lies outside the no-arbitrage bounds, or implies a volatility
 *   outside the solver's bracket.
 * - `iv_not_converged`: the implied-volatility solver reached its iteration cap.
 * - `no_contract`: a strategy cannot be built from the chain (no usable expiry or strike).
 */
export const ANALYTICS_ERROR_CODES = [
  "invalid_input",
  "iv_out_of_bounds",
  "iv_not_converged",
  "no_contract",
] as const;

/** One of {@linkcode ANALYTICS_ERROR_CODES}. */
export type AnalyticsErrorCode = typeof ANALYTICS_ERROR_CODES[number];

/** Options of the {@linkcode AnalyticsError} constructor. */
export interface AnalyticsErrorOptions {
  /** The offending input, as a dotted path such as `contracts[3].strike`. */
  field?: string | undefined;
  /** The offending value as it was received. */
  value?: unknown;
  /** The original error. */
  cause?: unknown;
}

/**
 * An analytics computation was refused. Carries a stable `code` and, for bad inputs, the
 * offending `field` and `value`.
 *
 * @example Branching on the code
 * ```ts
 * import { AnalyticsError, blackScholes } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * try {
 *   blackScholes({ spot: -1, strike: 100, years: 1, rate: 0, dividendYield: 0,
 *     volatility: 0.2, type: "C" });
 *   assert.fail("expected a refusal");
 * } catch (err) {
 *   assert.ok(err instanceof AnalyticsError);
 *   assert.equal(err.code, "invalid_input");
 *   assert.equal(err.field, "spot");
 *   assert.equal(err.value, -1);
 * }
 * ```
 */
export class AnalyticsError extends Error {
  /** Stable machine-readable code. */
  readonly code: AnalyticsErrorCode;
  /** The offending input, where there is one. */
  readonly field: string | undefined;
  /** The offending value as it was received, where there is one. */
  readonly value: unknown;

  /**
   * Creates the error.
   *
   * @param code Stable machine-readable code.
   * @param message Sentence-case message without a final period.
   * @param options The offending field and value, and the cause.
   */
  constructor(code: AnalyticsErrorCode, message: string, options: AnalyticsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.value = options.value;
  }
}
