import { quote } from "@mds/sql";
import { Ring } from "./_ring.ts";

/** Options of {@linkcode HealthTracker}. */
export interface HealthOptions {
  /** Weight of the newest outcome in the moving averages, in (0, 1]. @default {0.2} */
  alpha?: number | undefined;
  /** Latency at or under which a provider loses no score, in milliseconds. @default {1000} */
  latencyTargetMs?: number | undefined;
  /** Scores kept in the history ring, 1 to 100,000. @default {120} */
  historySize?: number | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
}

/** One entry of a provider's health history. */
export interface HealthSample {
  /** When the score was computed, epoch milliseconds. */
  time: number;
  /** The score then, 0 to 1. */
  score: number;
}

/** A provider's health now. */
export interface HealthSnapshot {
  /** Score, 0 to 1: `successRate * min(1, latencyTargetMs / latencyMs)`. */
  score: number;
  /** Moving success rate, 0 to 1. */
  successRate: number;
  /** Moving latency of the calls, in milliseconds. */
  latencyMs: number;
  /** Outcomes recorded. */
  calls: number;
}

/**
 * The health of one provider: moving averages of its success rate and latency, combined into a
 * score, with the newest scores kept in a bounded ring of `(time, score)`. A new tracker scores 1.
 *
 * @example
 * ```ts
 * import { HealthTracker } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const health = new HealthTracker({ alpha: 0.5, latencyTargetMs: 100, now: () => 0 });
 * health.record(false, 50);
 * assert.equal(health.snapshot().successRate, 0.5);
 * health.record(true, 300);
 * assert.equal(health.snapshot().latencyMs, 175);
 * assert.equal(health.history().length, 2);
 * ```
 */
export class HealthTracker {
  readonly #alpha: number;
  readonly #target: number;
  readonly #now: () => number;
  readonly #history: Ring<HealthSample>;
  #success = 1;
  #latency = 0;
  #calls = 0;

  /**
   * Creates a tracker scoring 1.
   *
   * @param options Smoothing, latency target, history size and clock.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(options: HealthOptions = {}) {
    const alpha = options.alpha ?? 0.2;
    const target = options.latencyTargetMs ?? 1_000;
    const size = options.historySize ?? 120;
    if (!(alpha > 0 && alpha <= 1)) {
      throw new RangeError(`Invalid health tracker: "alpha" is ${quote(alpha)}: must be in (0, 1]`);
    }
    if (!(Number.isFinite(target) && target > 0)) {
      throw new RangeError(
        `Invalid health tracker: "latencyTargetMs" is ${quote(target)}: must be above 0`,
      );
    }
    if (!Number.isInteger(size) || size < 1 || size > 100_000) {
      throw new RangeError(
        `Invalid health tracker: "historySize" is ${quote(size)}: must be 1 to 100000`,
      );
    }
    this.#alpha = alpha;
    this.#target = target;
    this.#now = options.now ?? Date.now;
    this.#history = new Ring(size);
  }

  /**
   * Records the outcome of one call and appends the new score to the history.
   *
   * @param ok Whether the provider served the call ("no data" is served).
   * @param latencyMs How long the call took.
   */
  record(ok: boolean, latencyMs: number): void {
    const a = this.#alpha;
    const latency = Math.max(0, Number.isFinite(latencyMs) ? latencyMs : 0);
    this.#success = a * (ok ? 1 : 0) + (1 - a) * this.#success;
    this.#latency = this.#calls === 0 ? latency : a * latency + (1 - a) * this.#latency;
    this.#calls++;
    this.#history.push({ time: this.#now(), score: this.score });
  }

  /** The current score, 0 to 1. */
  get score(): number {
    const latencyFactor = this.#latency <= this.#target ? 1 : this.#target / this.#latency;
    return this.#success * latencyFactor;
  }

  /**
   * The current figures.
   *
   * @returns Score, success rate, latency and call count.
   */
  snapshot(): HealthSnapshot {
    return {
      score: this.score,
      successRate: this.#success,
      latencyMs: this.#latency,
      calls: this.#calls,
    };
  }

  /**
   * The newest scores, oldest first; at most `historySize` of them.
   *
   * @returns A copy of the history.
   */
  history(): HealthSample[] {
    return this.#history.toArray();
  }
}
