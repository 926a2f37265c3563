// A cancellable wait that never leaves a timer behind.

/** Waits `ms`; rejects with the signal's reason when aborted, clearing its timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A wait function, injectable so tests need no real time. */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;
