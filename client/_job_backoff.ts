// The delay before a failed job's next attempt: a JobBackoff validated, then exponential steps
// with equal jitter.
import { ConfigError } from "./errors.ts";
import type { JobBackoff } from "./job_types.ts";

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
 */
export function jobRetryDelaySeconds(
  attempt: number,
  backoff: ResolvedJobBackoff,
  jitter: number = Math.random(),
): number {
  const step = Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.round((step / 2 + (step / 2) * jitter) * 1e6) / 1e6;
}
