import type { MdsError } from "@mds/sql";
import { ConfigError, RetryableError, TimeoutError } from "./errors.ts";

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

/** A validated {@linkcode RetryPolicy}. */
export interface ResolvedRetryPolicy {
  /** Attempts in all. */
  readonly attempts: number;
  /** First delay. */
  readonly baseDelayMs: number;
  /** Longest delay. */
  readonly maxDelayMs: number;
  /** Called before each retry. */
  readonly onRetry: ((error: MdsError, attempt: number, delayMs: number) => void) | undefined;
}

/**
 * Validates a retry policy and fills its defaults.
 *
 * @param policy The policy, or `undefined`/`false` for no retries.
 * @returns The policy with defaults; one attempt when retries are off.
 * @throws {ConfigError} When a number is out of range.
 *
 * @example
 * ```ts
 * import { resolveRetryPolicy } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveRetryPolicy({}).attempts, 5);
 * assert.equal(resolveRetryPolicy(false).attempts, 1);
 * ```
 */
export function resolveRetryPolicy(policy: RetryPolicy | false | undefined): ResolvedRetryPolicy {
  if (!policy) return { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, onRetry: undefined };
  const attempts = policy.attempts ?? 5;
  const baseDelayMs = policy.baseDelayMs ?? 100;
  const maxDelayMs = policy.maxDelayMs ?? 5_000;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) {
    throw new ConfigError("retry.attempts", attempts, "must be a whole number from 1 to 100");
  }
  if (!(baseDelayMs >= 0 && baseDelayMs <= 60_000)) {
    throw new ConfigError("retry.baseDelayMs", baseDelayMs, "must be from 0 to 60000");
  }
  if (!(maxDelayMs >= baseDelayMs && maxDelayMs <= 600_000)) {
    throw new ConfigError("retry.maxDelayMs", maxDelayMs, "must be from baseDelayMs to 600000");
  }
  return { attempts, baseDelayMs, maxDelayMs, onRetry: policy.onRetry };
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

/**
 * Runs `fn`, retrying retryable failures with exponential backoff and full jitter: before retry
 * `n` it waits a random time up to `min(maxDelayMs, baseDelayMs * 2^(n-1))`.
 *
 * @typeParam T Result of `fn`.
 * @param policy A policy from {@linkcode resolveRetryPolicy}.
 * @param fn The work; it must be safe to run again.
 * @param signal Stops waiting between attempts.
 * @returns What `fn` returns.
 * @throws The last error, or the first one that is not retryable.
 *
 * @example
 * ```ts
 * import { resolveRetryPolicy, RetryableError, withRetry } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * let calls = 0;
 * const result = await withRetry(resolveRetryPolicy({ attempts: 3, baseDelayMs: 1 }), async () => {
 *   if (++calls < 3) throw new RetryableError("Connection lost");
 *   return "done";
 * });
 * assert.deepEqual([result, calls], ["done", 3]);
 * ```
 */
export async function withRetry<T>(
  policy: ResolvedRetryPolicy,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= policy.attempts || !isRetryable(err)) throw err;
      signal?.throwIfAborted();
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(Math.random() * ceiling);
      policy.onRetry?.(err, attempt, delay);
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
