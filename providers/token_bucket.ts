import { quote } from "@mds/sql";
import { sleep as realSleep } from "./_sleep.ts";
import type { RequestLimiter } from "./provider.ts";

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate: tokens added per minute, 1 to 1,000,000. */
  requestsPerMinute: number;
  /** Most tokens held, so the largest burst, 1 to 10,000. @default {1} */
  burst?: number | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
  /** Waits, cancellably. @default {a setTimeout that is cleared on abort} */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

/** Most re-reservations of one acquire() after pauses announced while it waited. */
const MAX_ROUNDS = 16;

/**
 * A token bucket: at most `burst + requestsPerMinute * t / 60000` requests in any span of `t`
 * milliseconds, however many callers wait at once. Each caller reserves its slot synchronously
 * (tokens may go negative, so waiters queue in order), then sleeps until it. `pause()` honours
 * a vendor's `Retry-After`: nothing is let through before the pause ends, and waiters whose slot
 * fell inside a pause queue again.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * let now = 0;
 * const waits: number[] = [];
 * const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 2, now: () => now,
 *   sleep: (ms) => { waits.push(ms); now += ms; return Promise.resolve(); } });
 * for (let i = 0; i < 4; i++) assert.equal(await bucket.acquire({ deadline: 60_000 }), true);
 * assert.deepEqual(waits, [1_000, 1_000]); // two at once, then one a second
 * assert.equal(await bucket.acquire({ deadline: now + 10 }), false); // no slot in time
 * ```
 */
export class TokenBucket implements RequestLimiter {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #tokens: number;
  /** Tokens are counted up to this instant; later than now while paused. */
  #last: number;

  /**
   * Creates a full bucket.
   *
   * @param options Rate, burst, clock and sleep.
   * @throws {RangeError} When the rate or the burst is out of range.
   */
  constructor(options: TokenBucketOptions) {
    const rpm = options.requestsPerMinute;
    const burst = options.burst ?? 1;
    if (typeof rpm !== "number" || !Number.isFinite(rpm) || rpm < 1 || rpm > 1_000_000) {
      throw new RangeError(
        `Invalid token bucket: "requestsPerMinute" is ${quote(rpm)}: must be 1 to 1000000`,
      );
    }
    if (!Number.isInteger(burst) || burst < 1 || burst > 10_000) {
      throw new RangeError(
        `Invalid token bucket: "burst" is ${quote(burst)}: must be a whole number from 1 to 10000`,
      );
    }
    this.#perMs = rpm / 60_000;
    this.#burst = burst;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#tokens = burst;
    this.#last = this.#now();
  }

  /** When the current pause ends (epoch milliseconds), or `undefined` when not paused. */
  get pausedUntil(): number | undefined {
    return this.#last > this.#now() ? this.#last : undefined;
  }

  /**
   * Lets nothing through for `ms` milliseconds, e.g. a vendor's `Retry-After`; a shorter pause
   * than the current one changes nothing. Afterwards the rate resumes from one token.
   *
   * @param ms Milliseconds from now.
   */
  pause(ms: number): void {
    if (!(ms > 0)) return;
    const now = this.#now();
    this.#refill(now);
    this.#last = Math.max(this.#last, now + ms);
    this.#tokens = Math.min(this.#tokens, 1);
  }

  /**
   * Waits for one token.
   *
   * @param options Signal, and the deadline (epoch milliseconds) past which waiting is pointless.
   * @returns `true` once a token is taken; `false` at once when none would come before the
   *   deadline (nothing is taken then).
   * @throws {unknown} The signal's reason when it is aborted.
   */
  async acquire(options: { signal?: AbortSignal | undefined; deadline: number }): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      options.signal?.throwIfAborted();
      const now = this.#now();
      this.#refill(now);
      this.#tokens -= 1;
      const wait = Math.max(0, this.#last - now) +
        (this.#tokens < 0 ? -this.#tokens / this.#perMs : 0);
      if (now + wait > options.deadline) {
        this.#tokens += 1; // give the reservation back: nothing ran between
        return false;
      }
      if (wait <= 0) return true;
      await this.#sleep(Math.ceil(wait), options.signal);
      // a pause announced while we slept covers our slot: queue again (our token is spent)
      if (this.#last <= this.#now()) return true;
    }
    return false;
  }

  #refill(now: number): void {
    if (now <= this.#last) return;
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
