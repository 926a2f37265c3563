import { type Bar, isTimeframe, quote, type Timeframe, TIMEFRAMES } from "@mds/sql";
import { Registry } from "prom-client";
import { barStream, checkSymbol, emptyInfo } from "./_adapter.ts";
import { type ProviderMetrics, providerMetrics } from "./_metrics.ts";
import { sleep as realSleep } from "./_sleep.ts";
import { backoffDelay } from "./backoff.ts";
import { CircuitBreaker, type CircuitState } from "./circuit_breaker.ts";
import {
  parseProvidersConfig,
  type ProviderEntry,
  type ProviderName,
  type ProvidersConfig,
} from "./config.ts";
import { readProviderEnv } from "./env.ts";
import { type ConfigIssue, ProviderConfigError, ProviderError } from "./errors.ts";
import { createFinnhubProvider } from "./finnhub.ts";
import { type HealthSample, type HealthSnapshot, HealthTracker } from "./health.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import {
  type AdapterOptions,
  type BarsRequest,
  type BarStream,
  type BarStreamInfo,
  type CallOptions,
  CAPABILITIES,
  type Capability,
  type FetchFn,
  type OptionChain,
  type OptionChainRequest,
  type Provider,
  type Quote,
} from "./provider.ts";
import { TokenBucket } from "./token_bucket.ts";
import { gated, Semaphore } from "./_concurrency.ts";
import { createYahooProvider } from "./yahoo.ts";

/** What {@linkcode RegistryOptions.createProvider} receives besides the entry. */
export interface ProviderFactoryOptions extends AdapterOptions {
  /** The API key read from the entry's `apiKeyEnv`; a secret. */
  apiKey: string | undefined;
}

/** Options of {@linkcode ProviderRegistry}. */
export interface RegistryOptions {
  /** Where API keys and base URLs are read, e.g. `Deno.env.toObject()`. @default {{}} */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Sends the adapters' HTTP requests. @default {globalThis.fetch} */
  fetch?: FetchFn | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
  /** Random source in [0, 1), for backoff jitter. @default {Math.random} */
  random?: (() => number) | undefined;
  /** Waits, cancellably: rate limits and backoff. @default {a cleared-on-abort setTimeout} */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Where the metrics go; one provider registry per metrics registry. @default {a private one} */
  metrics?: MetricsRegistry | undefined;
  /**
   * Calls in flight per provider at most (a bar stream counts until its iteration ends); more
   * wait for a permit. @default {no bound but the rate limits}
   */
  concurrency?: Partial<Record<ProviderName, number>> | undefined;
  /**
   * The adapters refuse bars stamped further ahead than this, in milliseconds (see
   * `AdapterOptions.futureToleranceMs`). @default {300000}
   */
  futureToleranceMs?: number | undefined;
  /**
   * Builds the adapter of an entry. @default {the Yahoo or Finnhub adapter of the entry's name}
   */
  createProvider?:
    | ((entry: ProviderEntry, options: ProviderFactoryOptions) => Provider)
    | undefined;
}

/** One provider's standing, for `/stats/providers`. */
export interface ProviderStatus extends HealthSnapshot {
  /** Provider name. */
  provider: ProviderName;
  /** Breaker state. */
  state: CircuitState;
}

interface Slot {
  entry: ProviderEntry;
  provider: Provider;
  bucket: TokenBucket;
  breaker: CircuitBreaker;
  health: HealthTracker;
}

interface State {
  config: ProvidersConfig;
  slots: Map<ProviderName, Slot>;
}

interface Call {
  signal: AbortSignal | undefined;
  deadline: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Routes calls over the configured providers. Per capability it tries the providers of the
 * policy, healthiest first (an earlier one wins while within `health.margin` of the best), skipping
 * those whose breaker is open (a half-open breaker lets one probe through). It fails over on
 * `PROVIDER_UNAVAILABLE`, `PROVIDER_RATE_LIMITED` and `PROVIDER_TIMEOUT` (and on a range a
 * provider does not serve), never on `PROVIDER_NO_DATA`; when every provider failed it backs off
 * with jitter and tries again, up to `retry.maxAttempts` rounds, within the deadline. Each
 * provider's requests pass its token bucket, which also honours `Retry-After`. Bars fail over
 * only before the first bar is yielded.
 *
 * @example Routing quotes to the healthy provider
 * ```ts
 * import { ProviderRegistry } from "@mds/providers";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const metrics = new Registry();
 * const registry = new ProviderRegistry({
 *   providers: [
 *     { name: "finnhub", requestsPerMinute: 600, burst: 10 },
 *     { name: "yahoo", requestsPerMinute: 600, burst: 10 },
 *   ],
 *   routing: { quote: ["finnhub", "yahoo"] },
 * }, {
 *   env: { FINNHUB_API_KEY: "demo-token" },
 *   metrics,
 *   fetch: (input) => {
 *     const url = new URL(input instanceof Request ? input.url : input);
 *     if (url.hostname === "finnhub.io") return Promise.resolve(new Response("down", { status: 503 }));
 *     return Promise.resolve(Response.json({ chart: { error: null, result: [{
 *       meta: { regularMarketPrice: 185.64, regularMarketTime: 1704229200 },
 *       timestamp: [1704205800], indicators: { quote: [{ open: [187.15], high: [188.44],
 *         low: [183.89], close: [185.64], volume: [82488700] }] } }] } }));
 *   },
 * });
 * const q = await registry.fetchQuote("AAPL");
 * assert.equal(q.vendor, "yahoo");
 * assert.match(await metrics.metrics(),
 *   /mds_provider_errors_total\{provider="finnhub",endpoint="quote",code="PROVIDER_UNAVAILABLE"\} 1/);
 * ```
 */
export class ProviderRegistry implements Provider {
  /** Always `registry`. */
  readonly name: string = "registry";
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #fetch: FetchFn | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #create: (entry: ProviderEntry, options: ProviderFactoryOptions) => Provider;
  readonly #futureToleranceMs: number | undefined;
  readonly #gates = new Map<string, Semaphore>();
  readonly #metrics: ProviderMetrics;
  #state: State;

  /**
   * Validates the configuration, builds the adapters and registers the metrics.
   *
   * @param config The configuration (see {@linkcode parseProvidersConfig}).
   * @param options Environment, `fetch`, clock, random source, sleep, metrics registry, factory.
   * @throws {ProviderConfigError} When the configuration is invalid or names an API key
   *   variable that is not set; lists every reason.
   * @throws {TypeError} When the metrics registry already serves another provider registry.
   */
  constructor(config: unknown, options: RegistryOptions = {}) {
    this.#env = options.env ?? {};
    this.#fetch = options.fetch;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    this.#create = options.createProvider ?? defaultFactory;
    this.#futureToleranceMs = options.futureToleranceMs;
    for (const [name, n] of Object.entries(options.concurrency ?? {})) {
      if (n === undefined) continue;
      if (!Number.isInteger(n) || n < 1 || n > 10_000) {
        throw new RangeError(`Invalid option: "concurrency.${name}" is ${n}: expected 1 to 10000`);
      }
      this.#gates.set(name, new Semaphore(n));
    }
    this.#state = this.#build(parseProvidersConfig(config), undefined);
    this.#metrics = providerMetrics(options.metrics ?? new Registry(), () => this.#states());
  }

  /** The capabilities the configuration routes. */
  get capabilities(): readonly Capability[] {
    return CAPABILITIES.filter((c) => this.#state.config.routing[c] !== undefined);
  }

  /** The bar timeframes some routed provider serves. */
  get timeframes(): readonly Timeframe[] {
    const names = this.#state.config.routing.bars ?? [];
    return TIMEFRAMES.filter((tf) =>
      names.some((n) => this.#state.slots.get(n)?.provider.timeframes.includes(tf))
    );
  }

  /** The configuration in force. */
  get config(): ProvidersConfig {
    return this.#state.config;
  }

  /**
   * Replaces the configuration atomically: validated and built in full first, then swapped in.
   * Calls already running finish on the old one. Health, breakers and buckets of providers whose
   * settings did not change carry over.
   *
   * @param config The new configuration.
   * @returns The configuration now in force.
   * @throws {ProviderConfigError} With every reason; the running configuration stays.
   */
  reload(config: unknown): ProvidersConfig {
    const parsed = parseProvidersConfig(config);
    this.#state = this.#build(parsed, this.#state);
    return parsed;
  }

  /**
   * Every configured provider's health and breaker state.
   *
   * @returns One status per provider, in configuration order.
   */
  status(): ProviderStatus[] {
    return [...this.#state.slots.values()].map((s) => ({
      provider: s.entry.name,
      state: s.breaker.state,
      ...s.health.snapshot(),
    }));
  }

  /**
   * A provider's recent health scores, oldest first.
   *
   * @param provider The provider's name.
   * @returns The history, or `undefined` when the provider is not configured.
   */
  healthHistory(provider: string): HealthSample[] | undefined {
    return this.#state.slots.get(provider as ProviderName)?.health.history();
  }

  /**
   * Bars from the healthiest available provider; see the class description for failover.
   *
   * @param request Symbol, timeframe, range, signal and deadline.
   * @returns The stream; its `info.provider` names the provider that served it.
   * @throws {TypeError} When the request is malformed.
   */
  fetchBars(request: BarsRequest): BarStream {
    checkSymbol(request.symbol);
    if (!isTimeframe(request.timeframe)) {
      throw new TypeError(`Invalid call: "timeframe" is ${quote(request.timeframe)}`);
    }
    let info: BarStreamInfo = emptyInfo(this.name);
    const route = this.#route.bind(this);
    const state = this.#state;
    const midStreamFailure = this.#midStreamFailure.bind(this);
    const stream = barStream(info, async function* (): AsyncGenerator<Bar, void, undefined> {
      const opened = await route(state, "bars", request, request.timeframe, async (slot, call) => {
        const inner = slot.provider.fetchBars({
          ...request,
          signal: call.signal,
          deadline: call.deadline,
        });
        const it = inner[Symbol.asyncIterator]();
        try {
          return { slot, inner, it, first: await it.next() };
        } catch (e) {
          await it.return?.();
          throw e;
        }
      });
      info = opened.inner.info;
      try {
        if (opened.first.done) return;
        yield opened.first.value;
        for (;;) {
          let next: IteratorResult<Bar>;
          try {
            next = await opened.it.next();
          } catch (e) {
            midStreamFailure(opened.slot, e, request.signal);
            throw e;
          }
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await opened.it.return?.();
      }
    });
    return {
      get info() {
        return info;
      },
      [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator](),
    };
  }

  /**
   * The latest price from the healthiest available provider.
   *
   * @param symbol Ticker.
   * @param options Signal and deadline.
   * @returns The quote; `vendor` names the provider.
   * @throws {ProviderError} `PROVIDER_NO_DATA` at once; others once every provider and retry
   *   failed.
   */
  fetchQuote(symbol: string, options: CallOptions = {}): Promise<Quote> {
    checkSymbol(symbol);
    return this.#route(
      this.#state,
      "quote",
      options,
      undefined,
      (slot, call) => slot.provider.fetchQuote(symbol, call),
    );
  }

  /**
   * An option chain from the healthiest available provider.
   *
   * @param request Symbol, optional expiry, signal and deadline.
   * @returns The chain; `vendor` names the provider.
   * @throws {ProviderError} `PROVIDER_NO_DATA` at once; others once every provider and retry
   *   failed.
   */
  fetchOptionChain(request: OptionChainRequest): Promise<OptionChain> {
    checkSymbol(request.symbol);
    return this.#route(
      this.#state,
      "options_chain",
      request,
      undefined,
      (slot, call) => slot.provider.fetchOptionChain({ ...request, ...call }),
    );
  }

  *#states(): Iterable<[string, CircuitState]> {
    for (const s of this.#state.slots.values()) yield [s.entry.name, s.breaker.state];
  }

  /**
   * The providers of a policy that may take a call now, in the order to try them: healthiest
   * first, or the caller's order when it names the providers.
   */
  #rank(
    state: State,
    capability: Capability,
    timeframe: Timeframe | undefined,
    only: readonly string[] | undefined,
  ): Slot[] {
    const routed = state.config.routing[capability] ?? [];
    const names = only === undefined
      ? routed
      : only.filter((n, i): n is ProviderName =>
        (routed as readonly string[]).includes(n) && only.indexOf(n) === i
      );
    const slots = names
      .map((n) => state.slots.get(n)!)
      .filter((s) =>
        s.provider.capabilities.includes(capability) &&
        (timeframe === undefined || s.provider.timeframes.includes(timeframe)) &&
        s.breaker.state !== "open"
      );
    if (only !== undefined) return slots;
    const best = Math.max(...slots.map((s) => s.health.score));
    const margin = state.config.health.margin;
    const near = slots.filter((s) => s.health.score >= best - margin);
    const far = slots.filter((s) => s.health.score < best - margin)
      .sort((a, b) => b.health.score - a.health.score);
    return [...near, ...far];
  }

  async #route<T>(
    state: State,
    capability: Capability,
    options: CallOptions,
    timeframe: Timeframe | undefined,
    run: (slot: Slot, call: Call) => Promise<T>,
  ): Promise<T> {
    const policy = state.config.routing[capability];
    if (policy === undefined) {
      throw new ProviderError("PROVIDER_UNSUPPORTED", `No provider is routed for "${capability}"`, {
        provider: this.name,
        endpoint: capability,
      });
    }
    if (
      options.providers !== undefined &&
      !options.providers.some((n) => (policy as readonly string[]).includes(n))
    ) {
      throw new ProviderError(
        "PROVIDER_UNSUPPORTED",
        `None of ${JSON.stringify(options.providers)} is routed for "${capability}"`,
        { provider: this.name, endpoint: capability },
      );
    }
    const signal = options.signal;
    const started = this.#now();
    const deadline = options.deadline ??
      started + policy.reduce((sum, n) => sum + state.slots.get(n)!.entry.timeoutMs, 0);
    const failures: ProviderError[] = [];
    const { maxAttempts, baseDelayMs, maxDelayMs } = state.config.retry;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      // another round helps only after an outage, rate limit, timeout or an open breaker
      let worthRetry = false;
      for (const slot of this.#rank(state, capability, timeframe, options.providers)) {
        signal?.throwIfAborted();
        const now = this.#now();
        if (now >= deadline) break;
        const call = { signal, deadline: Math.min(deadline, now + slot.entry.timeoutMs) };
        // a vendor's Retry-After that outlasts the call: not worth a request
        if ((slot.bucket.pausedUntil ?? 0) >= call.deadline) {
          worthRetry = true;
          continue;
        }
        const permit = slot.breaker.acquire();
        if (permit === undefined) {
          worthRetry = true;
          continue;
        }
        this.#metrics.selected(capability, slot.entry.name);
        try {
          const result = await run(slot, call);
          permit.success();
          slot.health.record(true, this.#now() - now);
          return result;
        } catch (e) {
          if (signal?.aborted) {
            permit.release();
            throw e;
          }
          if (!(e instanceof ProviderError)) {
            permit.failure();
            slot.health.record(false, this.#now() - now);
            throw e;
          }
          if (e.providerCode === "PROVIDER_NO_DATA") {
            permit.success();
            slot.health.record(true, this.#now() - now);
            throw e;
          }
          if (
            e.providerCode === "PROVIDER_BAD_REQUEST" || e.providerCode === "PROVIDER_UNSUPPORTED"
          ) {
            permit.release();
            if (e.providerCode === "PROVIDER_BAD_REQUEST") throw e;
            failures.push(e);
            continue;
          }
          permit.failure();
          slot.health.record(false, this.#now() - now);
          if (e.providerCode === "PROVIDER_RATE_LIMITED") {
            slot.bucket.pause(
              e.retryAfterMs ??
                backoffDelay(attempt, { baseDelayMs, maxDelayMs, random: this.#random }),
            );
          }
          if (!e.failover) throw e;
          failures.push(e);
          worthRetry = true;
        }
      }
      if (!worthRetry || attempt + 1 >= maxAttempts) break;
      const wait = backoffDelay(attempt, { baseDelayMs, maxDelayMs, random: this.#random });
      if (this.#now() + wait >= deadline) break;
      await this.#sleep(wait, signal);
    }
    throw this.#exhausted(capability, failures, this.#now() >= deadline);
  }

  #exhausted(capability: Capability, failures: ProviderError[], late: boolean): ProviderError {
    const last = failures.at(-1);
    const reasons = failures.length === 0
      ? "every breaker is open"
      : failures.map((f) => `${f.provider}: ${f.providerCode}`).join(", ");
    const cause = failures.length === 0
      ? undefined
      : new AggregateError(failures, "Provider failures");
    const limited = failures.length > 0 &&
      failures.every((f) => f.providerCode === "PROVIDER_RATE_LIMITED");
    const unsupported = failures.length > 0 &&
      failures.every((f) => f.providerCode === "PROVIDER_UNSUPPORTED");
    const code = late
      ? "PROVIDER_TIMEOUT"
      : limited
      ? "PROVIDER_RATE_LIMITED"
      : unsupported
      ? "PROVIDER_UNSUPPORTED"
      : "PROVIDER_UNAVAILABLE";
    const waits = failures.map((f) => f.retryAfterMs).filter((ms): ms is number =>
      ms !== undefined
    );
    return new ProviderError(code, `No provider could serve "${capability}" (${reasons})`, {
      provider: last?.provider ?? this.name,
      endpoint: capability,
      retryAfterMs: limited && waits.length > 0 ? Math.min(...waits) : undefined,
      cause,
    });
  }

  #midStreamFailure(slot: Slot, e: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted || !(e instanceof ProviderError)) return;
    if (e.providerCode === "PROVIDER_NO_DATA" || e.providerCode === "PROVIDER_BAD_REQUEST") return;
    slot.health.record(false, 0);
    if (e.providerCode === "PROVIDER_RATE_LIMITED" && e.retryAfterMs !== undefined) {
      slot.bucket.pause(e.retryAfterMs);
    }
  }

  #build(config: ProvidersConfig, previous: State | undefined): State {
    const issues: ConfigIssue[] = [];
    const env = readProviderEnv(this.#env);
    const slots = new Map<ProviderName, Slot>();
    config.providers.forEach((entry, i) => {
      const keyVar = entry.apiKeyEnv ?? (entry.name === "finnhub" ? "FINNHUB_API_KEY" : undefined);
      const apiKey = keyVar === undefined ? undefined : this.#env[keyVar]?.trim() || undefined;
      if (entry.name === "finnhub" && apiKey === undefined) {
        issues.push({
          path: `providers[${i}].apiKeyEnv`,
          message: `names "${keyVar}", which is not set`,
        });
        return;
      }
      const old = previous?.slots.get(entry.name);
      const thresholds = entry.breaker ?? config.breaker;
      const bucket = old && old.entry.requestsPerMinute === entry.requestsPerMinute &&
          old.entry.burst === entry.burst
        ? old.bucket
        : new TokenBucket({
          requestsPerMinute: entry.requestsPerMinute,
          burst: entry.burst,
          now: this.#now,
          sleep: this.#sleep,
        });
      const breaker = old && same(old.breaker.thresholds, thresholds)
        ? old.breaker
        : new CircuitBreaker({ ...thresholds, now: this.#now });
      const health = old && previous && same(previous.config.health, config.health)
        ? old.health
        : new HealthTracker({ ...config.health, now: this.#now });
      try {
        const provider = this.#create(entry, {
          apiKey,
          baseUrl: entry.baseUrl ?? env[entry.name].baseUrl,
          fetch: this.#fetch,
          now: this.#now,
          timeoutMs: entry.timeoutMs,
          limiter: bucket,
          onRequest: (event) => this.#metrics.request(event),
          ...(this.#futureToleranceMs === undefined
            ? {}
            : { futureToleranceMs: this.#futureToleranceMs }),
        });
        const gate = this.#gates.get(entry.name);
        slots.set(entry.name, {
          entry,
          provider: gate === undefined ? provider : gated(provider, gate),
          bucket,
          breaker,
          health,
        });
      } catch (e) {
        issues.push({
          path: `providers[${i}]`,
          message: e instanceof Error ? e.message : String(e),
        });
      }
    });
    if (issues.length > 0) throw new ProviderConfigError(issues);
    return { config, slots };
  }
}

function defaultFactory(entry: ProviderEntry, options: ProviderFactoryOptions): Provider {
  const { apiKey, ...common } = options;
  return entry.name === "finnhub"
    ? createFinnhubProvider({ ...common, apiKey: apiKey ?? "" })
    : createYahooProvider(common);
}
