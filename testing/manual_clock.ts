// A clock tests move by hand: `sleep()` resolves when `advance()` passes its wake time, so
// time-based code runs without real waits. Only tests import this file.

/** A hand-driven clock. */
export interface ManualClock {
  /** The current time, epoch milliseconds. */
  now: () => number;
  /** Waits until the clock passes `ms` from now; rejects with the signal's reason on abort. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Moves the clock forward and wakes the sleepers that are due; lets their callbacks run. */
  advance: (ms: number) => Promise<void>;
  /** Sleepers not yet woken. */
  readonly pending: number;
}

/**
 * A manual clock starting at `start`.
 *
 * @param start Epoch milliseconds.
 * @returns The clock.
 */
export function manualClock(start = Date.UTC(2024, 0, 10, 15)): ManualClock {
  let now = start;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper = { at: now + Math.max(0, ms), wake: () => resolve() };
        sleepers.push(sleeper);
        signal?.addEventListener("abort", () => {
          const i = sleepers.indexOf(sleeper);
          if (i >= 0) sleepers.splice(i, 1);
          reject(signal.reason);
        }, { once: true });
      });
    },
    async advance(ms) {
      const target = now + ms;
      // wake in time order; a woken sleeper may schedule another within the step
      for (let guard = 0; guard < 10_000; guard++) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (next === undefined || next.at > target) break;
        sleepers.shift();
        now = Math.max(now, next.at);
        next.wake();
        await settle();
      }
      now = target;
      await settle();
    },
    get pending() {
      return sleepers.length;
    },
  };
}
