// A per-provider bound on calls in flight: a counting semaphore, and a Provider wrapper that
// holds one permit per quote or chain call and per bar stream until its iteration ends.
import type { Bar } from "@mds/sql";
import { emptyInfo } from "./_adapter.ts";
import type {
  BarsRequest,
  BarStream,
  CallOptions,
  OptionChain,
  OptionChainRequest,
  Provider,
  Quote,
} from "./provider.ts";

/** A counting semaphore whose limit may change while permits are out. */
export class Semaphore {
  #limit: number;
  #out = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Permits out now. */
  get inFlight(): number {
    return this.#out;
  }

  /** Changes the limit; waiters are let in as room appears. */
  set limit(n: number) {
    this.#limit = n;
    this.#wake();
  }

  /** Waits for a permit; rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.#out < this.#limit) {
      this.#out++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const enter = () => {
        signal?.removeEventListener("abort", abort);
        this.#out++;
        resolve(this.#releaser());
      };
      const abort = () => {
        const i = this.#waiting.indexOf(enter);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      this.#waiting.push(enter);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#out--;
      this.#wake();
    };
  }

  #wake(): void {
    while (this.#out < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}

/** A provider whose calls pass `gate` first: at most its limit in flight. */
export function gated(provider: Provider, gate: Semaphore): Provider {
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    timeframes: provider.timeframes,
    fetchBars(request: BarsRequest): BarStream {
      let inner: BarStream | undefined;
      const iterate = async function* (): AsyncGenerator<Bar, void, undefined> {
        const release = await gate.acquire(request.signal);
        try {
          inner = provider.fetchBars(request);
          yield* inner;
        } finally {
          release();
        }
      };
      const stream = iterate();
      const before = emptyInfo(provider.name);
      return {
        get info() {
          return inner?.info ?? before;
        },
        [Symbol.asyncIterator]: () => stream,
      };
    },
    async fetchQuote(symbol: string, options?: CallOptions): Promise<Quote> {
      const release = await gate.acquire(options?.signal);
      try {
        return await provider.fetchQuote(symbol, options);
      } finally {
        release();
      }
    },
    async fetchOptionChain(request: OptionChainRequest): Promise<OptionChain> {
      const release = await gate.acquire(request.signal);
      try {
        return await provider.fetchOptionChain(request);
      } finally {
        release();
      }
    },
  };
}
