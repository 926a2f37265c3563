import { quote } from "@mds/sql";

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay cap before the first retry, in milliseconds. @default {200} */
  baseDelayMs?: number | undefined;
  /** Longest delay, in milliseconds. @default {5000} */
  maxDelayMs?: number | undefined;
  /** Random source in [0, 1). @default {Math.random} */
  random?: (() => number) | undefined;
}

/**
 * The delay before retry number `attempt`: exponential backoff with full jitter, a random
 * delay between 0 and `min(maxDelayMs, baseDelayMs * 2^attempt)`.
 *
 * @param attempt Retries made so far, from 0.
 * @param options Base, cap and random source.
 * @returns Milliseconds to wait, a whole number.
 * @throws {RangeError} When `attempt` or a delay is out of range.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * assert.equal(backoffDelay(0, { random: () => 0.5 }), 100);
 * assert.equal(backoffDelay(3, { random: () => 0.5 }), 800);
 * assert.equal(backoffDelay(20, { random: () => 0.999 }), 4995);
 * ```
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(
      `Invalid backoff: "attempt" is ${quote(attempt)}: must be a whole number >= 0`,
    );
  }
  if (!Number.isFinite(base) || base < 0) {
    throw new RangeError(`Invalid backoff: "baseDelayMs" is ${quote(base)}: must be >= 0`);
  }
  if (!Number.isFinite(max) || max < base) {
    throw new RangeError(`Invalid backoff: "maxDelayMs" is ${quote(max)}: must be >= baseDelayMs`);
  }
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(cap * Math.min(Math.max(random(), 0), 1));
}
