import { quote } from "@mds/sql";

/** Breaker states; the metric `mds_circuit_state` reports their index. */
export const CIRCUIT_STATES = ["closed", "half_open", "open"] as const;

/** One of {@linkcode CIRCUIT_STATES}. */
export type CircuitState = typeof CIRCUIT_STATES[number];

/** Thresholds of a {@linkcode CircuitBreaker}. */
export interface BreakerThresholds {
  /** Failures within `windowMs` that open the breaker, 1 to 1000. */
  failureThreshold: number;
  /** The window failures are counted in, 1 ms to 1 hour. */
  windowMs: number;
  /** Time open before one probe is let through, 1 ms to 1 hour. */
  coolDownMs: number;
}

/** Options of {@linkcode CircuitBreaker}. */
export interface BreakerOptions extends BreakerThresholds {
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
  /** Told about every state change. @default {none} */
  onChange?: ((state: CircuitState) => void) | undefined;
}

/** Leave to make one call; report its outcome exactly once. Later reports are ignored. */
export interface BreakerPermit {
  /** Whether this call is the half-open probe. */
  readonly probe: boolean;
  /** The call succeeded (or the vendor answered "no data"). */
  success(): void;
  /** The call failed in a way that counts against the provider. */
  failure(): void;
  /** The call ended without a verdict (cancelled, or not the provider's fault). */
  release(): void;
}

/**
 * Checks breaker thresholds.
 *
 * @param t The thresholds.
 * @returns Every problem as `[field, reason]`; empty when valid.
 */
export function breakerProblems(t: BreakerThresholds): Array<[keyof BreakerThresholds, string]> {
  const out: Array<[keyof BreakerThresholds, string]> = [];
  const whole = (v: number, min: number, max: number) =>
    Number.isInteger(v) && v >= min && v <= max;
  if (!whole(t.failureThreshold, 1, 1_000)) {
    out.push([
      "failureThreshold",
      `is ${quote(t.failureThreshold)}: must be a whole number from 1 to 1000`,
    ]);
  }
  if (!whole(t.windowMs, 1, 3_600_000)) {
    out.push(["windowMs", `is ${quote(t.windowMs)}: must be a whole number from 1 to 3600000`]);
  }
  if (!whole(t.coolDownMs, 1, 3_600_000)) {
    out.push(["coolDownMs", `is ${quote(t.coolDownMs)}: must be a whole number from 1 to 3600000`]);
  }
  return out;
}

/**
 * A circuit breaker for one provider. Closed, it lets every call through and opens after
 * `failureThreshold` failures within `windowMs`. Open, it refuses calls until `coolDownMs` has
 * passed; then, half-open, it lets exactly one probe through: a success closes it, a failure
 * opens it again.
 *
 * @example
 * ```ts
 * import { CircuitBreaker } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * let now = 0;
 * const breaker = new CircuitBreaker({ failureThreshold: 2, windowMs: 10_000, coolDownMs: 5_000,
 *   now: () => now });
 * breaker.acquire()!.failure();
 * breaker.acquire()!.failure();
 * assert.equal(breaker.state, "open");
 * assert.equal(breaker.acquire(), undefined);
 * now += 5_000;
 * const probe = breaker.acquire()!;
 * assert.equal(probe.probe, true);
 * assert.equal(breaker.acquire(), undefined); // one probe at a time
 * probe.success();
 * assert.equal(breaker.state, "closed");
 * ```
 */
export class CircuitBreaker {
  readonly #thresholds: BreakerThresholds;
  readonly #now: () => number;
  readonly #onChange: ((state: CircuitState) => void) | undefined;
  #state: CircuitState = "closed";
  #failures: number[] = [];
  #openedAt = 0;
  #probing = false;

  /**
   * Creates a closed breaker.
   *
   * @param options Thresholds, clock and change listener.
   * @throws {RangeError} When a threshold is out of range; names it.
   */
  constructor(options: BreakerOptions) {
    const problems = breakerProblems(options);
    if (problems.length > 0) {
      const [field, reason] = problems[0]!;
      throw new RangeError(`Invalid breaker: "${field}" ${reason}`);
    }
    this.#thresholds = {
      failureThreshold: options.failureThreshold,
      windowMs: options.windowMs,
      coolDownMs: options.coolDownMs,
    };
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  /** The thresholds in force. */
  get thresholds(): Readonly<BreakerThresholds> {
    return this.#thresholds;
  }

  /** The current state; an open breaker turns half-open once its cool-down has passed. */
  get state(): CircuitState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#thresholds.coolDownMs) {
      this.#set("half_open");
    }
    return this.#state;
  }

  /**
   * Asks to make one call.
   *
   * @returns A permit, or `undefined` while open or while the half-open probe is out.
   */
  acquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === "open") return undefined;
    if (state === "half_open") {
      if (this.#probing) return undefined;
      this.#probing = true;
      return this.#permit(true);
    }
    return this.#permit(false);
  }

  #permit(probe: boolean): BreakerPermit {
    let done = false;
    const once = (fn: () => void) => () => {
      if (done) return;
      done = true;
      fn();
    };
    return {
      probe,
      success: once(() => {
        if (probe) {
          this.#probing = false;
          this.#failures = [];
          this.#set("closed");
        }
      }),
      failure: once(() => {
        if (probe) {
          this.#probing = false;
          this.#open();
        } else if (this.#state === "closed") {
          this.#recordFailure();
        }
      }),
      release: once(() => {
        if (probe) this.#probing = false;
      }),
    };
  }

  #recordFailure(): void {
    const now = this.#now();
    const since = now - this.#thresholds.windowMs;
    this.#failures = this.#failures.filter((t) => t > since);
    this.#failures.push(now);
    if (this.#failures.length >= this.#thresholds.failureThreshold) this.#open();
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#failures = [];
    this.#set("open");
  }

  #set(state: CircuitState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onChange?.(state);
  }
}
