// The client's retry loop: a RetryPolicy validated once per client, then applied to each unit of
// work.
import type { MdsError } from "@mds/sql";
import { ConfigError } from "./errors.ts";
import { isRetryable, type RetryPolicy } from "./retry.ts";
import { wholeNumber } from "./_whole_number.ts";
import { sleep } from "./_sleep.ts";

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
 * Validates a retry policy and fills its defaults; one attempt when retries are off
 * (`undefined` or `false`).
 */
export function resolveRetryPolicy(policy: RetryPolicy | false | undefined): ResolvedRetryPolicy {
  if (!policy) return { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, onRetry: undefined };
  const attempts = wholeNumber("retry.attempts", policy.attempts ?? 5, 1, 100);
  const baseDelayMs = policy.baseDelayMs ?? 100;
  const maxDelayMs = policy.maxDelayMs ?? 5_000;
  if (!(baseDelayMs >= 0 && baseDelayMs <= 60_000)) {
    throw new ConfigError("retry.baseDelayMs", baseDelayMs, "must be from 0 to 60000");
  }
  if (!(maxDelayMs >= baseDelayMs && maxDelayMs <= 600_000)) {
    throw new ConfigError("retry.maxDelayMs", maxDelayMs, "must be from baseDelayMs to 600000");
  }
  return { attempts, baseDelayMs, maxDelayMs, onRetry: policy.onRetry };
}

/**
 * Runs `fn`, retrying retryable failures with exponential backoff and full jitter: before retry
 * `n` it waits a random time up to `min(maxDelayMs, baseDelayMs * 2^(n-1))`. `fn` must be safe
 * to run again; `signal` stops the waits between attempts.
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
