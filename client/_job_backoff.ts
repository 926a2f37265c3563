import { ConfigError } from "./errors.ts";

/** How long a failed job waits before its next attempt. */
export interface JobBackoff {
  /** Delay after the first failed attempt, in seconds; doubles with each attempt. @default {10} */
  baseSeconds?: number | undefined;
  /** Longest delay, in seconds. @default {3600} */
  maxSeconds?: number | undefined;
}

/** A validated {@linkcode JobBackoff}. */
export interface ResolvedJobBackoff {
  /** Delay after the first failed attempt, in seconds. */
  readonly baseSeconds: number;
  /** Longest delay, in seconds. */
  readonly maxSeconds: number;
}

/**
 * Validates a backoff and fills its defaults (10 s doubling up to an hour).
 *
 * @param backoff The backoff.
 * @returns The backoff with defaults.
 * @throws {ConfigError} When a number is out of range.
 *
 * @example
 * ```ts
 * import { resolveJobBackoff } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(resolveJobBackoff({}), { baseSeconds: 10, maxSeconds: 3600 });
 * assert.throws(() => resolveJobBackoff({ baseSeconds: -1 }), /"backoff.baseSeconds"/);
 * ```
 */
export function resolveJobBackoff(backoff: JobBackoff = {}): ResolvedJobBackoff {
  const baseSeconds = backoff.baseSeconds ?? 10;
  const maxSeconds = backoff.maxSeconds ?? 3_600;
  if (!(typeof baseSeconds === "number" && baseSeconds >= 0 && baseSeconds <= 86_400)) {
    throw new ConfigError("backoff.baseSeconds", baseSeconds, "must be from 0 to 86400");
  }
  if (!(typeof maxSeconds === "number" && maxSeconds >= baseSeconds && maxSeconds <= 2_592_000)) {
    throw new ConfigError("backoff.maxSeconds", maxSeconds, "must be from baseSeconds to 2592000");
  }
  return { baseSeconds, maxSeconds };
}

/**
 * The delay before the next attempt of a job that failed its attempt `attempt` (1 for the
 * first): exponential with "equal jitter", a random time between half and all of
 * `min(maxSeconds, baseSeconds * 2^(attempt - 1))`, so retries of many jobs that failed together
 * spread out but never come back sooner than half the step.
 *
 * @param attempt The attempt that failed, from 1.
 * @param backoff A backoff from {@linkcode resolveJobBackoff}.
 * @param jitter A number in `[0, 1)`. @default {Math.random()}
 * @returns The delay in seconds.
 *
 * @example
 * ```ts
 * import { jobRetryDelaySeconds, resolveJobBackoff } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const backoff = resolveJobBackoff({ baseSeconds: 10, maxSeconds: 60 });
 * assert.equal(jobRetryDelaySeconds(1, backoff, 0), 5);
 * assert.equal(jobRetryDelaySeconds(3, backoff, 0.999999), 39.99998);
 * assert.equal(jobRetryDelaySeconds(10, backoff, 0), 30); // capped at 60 s, halved by jitter
 * ```
 */
export function jobRetryDelaySeconds(
  attempt: number,
  backoff: ResolvedJobBackoff,
  jitter: number = Math.random(),
): number {
  const step = Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.round((step / 2 + (step / 2) * jitter) * 1e6) / 1e6;
}
