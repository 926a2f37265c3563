import type { MdsError } from "@mds/sql";
import { RetryableError, TimeoutError } from "./errors.ts";

/** When and how often a unit of work is retried. Opt-in: without it nothing is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means no retry. @default {5} */
  attempts?: number | undefined;
  /** Delay before the first retry, in milliseconds; doubles each time. @default {100} */
  baseDelayMs?: number | undefined;
  /** Longest delay, in milliseconds. @default {5000} */
  maxDelayMs?: number | undefined;
  /** Called before each retry, for logs and metrics. */
  onRetry?: ((error: MdsError, attempt: number, delayMs: number) => void) | undefined;
}

/**
 * Tells whether an error is worth retrying: {@linkcode RetryableError}, or a lock or connect
 * {@linkcode TimeoutError}. Statement timeouts are not: the same statement would time out again.
 *
 * @param error Anything thrown.
 * @returns `true` when a retry may succeed.
 *
 * @example
 * ```ts
 * import { isRetryable, RetryableError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isRetryable(new RetryableError("Deadlock", { sqlState: "40P01" })), true);
 * assert.equal(isRetryable(new Error("boom")), false);
 * ```
 */
export function isRetryable(error: unknown): error is MdsError {
  return error instanceof RetryableError ||
    (error instanceof TimeoutError && (error.kind === "lock" || error.kind === "connect"));
}
