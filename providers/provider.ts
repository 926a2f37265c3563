import type { Bar, OptionSnap, Timeframe } from "@mds/sql";
import type { ProviderErrorCode } from "./errors.ts";

/** What a provider can serve. */
export const CAPABILITIES = ["bars", "quote", "options_chain"] as const;

/** One of {@linkcode CAPABILITIES}. */
export type Capability = typeof CAPABILITIES[number];

/**
 * Tells whether a value is one of {@linkcode CAPABILITIES}.
 *
 * @param value Anything.
 * @returns `true` for a known capability.
 *
 * @example
 * ```ts
 * import { isCapability } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isCapability("bars"), true);
 * assert.equal(isCapability("news"), false);
 * ```
 */
export function isCapability(value: unknown): value is Capability {
  return typeof value === "string" && (CAPABILITIES as readonly string[]).includes(value);
}

/** Cancellation and time limit of one call. */
export interface CallOptions {
  /** Cancels the call; it then rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * When the call must be done, in epoch milliseconds of the provider's clock; past it the call
   * fails with `PROVIDER_TIMEOUT`. @default {now + the provider's `timeoutMs`}
   */
  deadline?: number | undefined;
}

/** A request for bars over `[start, end)`. */
export interface BarsRequest extends CallOptions {
  /** Ticker, e.g. `AAPL`. */
  symbol: string;
  /** Bar length; see the provider's `timeframes`. */
  timeframe: Timeframe;
  /** First bar time, inclusive. */
  start: Date;
  /** Last bar time, exclusive. */
  end: Date;
}

/** A split the vendor reported inside the requested range. */
export interface SplitEvent {
  /** Exchange-local date of the split, `YYYY-MM-DD`. */
  date: string;
  /** New shares per `denominator` old shares: 4 for a 4:1 split. */
  numerator: number;
  /** Old shares. */
  denominator: number;
}

/** A cash dividend the vendor reported inside the requested range. */
export interface DividendEvent {
  /** Exchange-local ex-date, `YYYY-MM-DD`. */
  date: string;
  /** Amount per share, in the instrument's currency. */
  amount: number;
}

/** What a vendor reported besides the bars; complete once the iteration has ended. */
export interface BarStreamInfo {
  /** The provider that served the bars (for a registry: the one it chose). */
  provider: string;
  /** Splits inside the range, oldest first. */
  splits: SplitEvent[];
  /** Dividends inside the range, oldest first. */
  dividends: DividendEvent[];
  /**
   * Split- and dividend-adjusted closes where the vendor gives them, by bar time (epoch
   * milliseconds). Kept apart: a bar's `close` is always the raw close.
   */
  adjustedCloses: Map<number, number>;
  /** Bars skipped because the vendor sent `null` in one of their fields. */
  skippedNulls: number;
  /** HTTP requests made: one per page. */
  requests: number;
  /** The exchange's IANA time zone, where the vendor names it. */
  exchangeTimezone: string | undefined;
}

/**
 * Validated bars, oldest first, fetched page by page while they are consumed. Iterate it once;
 * read `info` after the iteration for the vendor's events.
 */
export interface BarStream extends AsyncIterable<Bar> {
  /** Events and counts; complete once the iteration has ended. */
  readonly info: BarStreamInfo;
}

/** The latest price of one symbol. */
export interface Quote {
  /** The provider that served it. */
  vendor: string;
  /** Ticker, upper-case. */
  symbol: string;
  /** When the price was current. */
  ts: Date;
  /** Last price. */
  price: number;
  /** Session open, where known. */
  open: number | null;
  /** Session high, where known. */
  high: number | null;
  /** Session low, where known. */
  low: number | null;
  /** Previous session's close, where known. */
  previousClose: number | null;
}

/** A request for an option chain. */
export interface OptionChainRequest extends CallOptions {
  /** Underlying ticker. */
  symbol: string;
  /** One expiry, `YYYY-MM-DD`. @default {every listed expiry} */
  expiry?: string | undefined;
}

/** The option chain of one underlying. */
export interface OptionChain {
  /** The provider that served it. */
  vendor: string;
  /** Underlying ticker, upper-case. */
  symbol: string;
  /** Every expiry the vendor lists, `YYYY-MM-DD`, soonest first. */
  expiries: string[];
  /** The contracts of the requested expiries, validated. */
  snaps: OptionSnap[];
  /** Contracts left out because the vendor's row failed validation (e.g. ask below bid). */
  skipped: number;
}

/** A market-data source: one vendor adapter, or a registry routing over several. */
export interface Provider {
  /** Lower-case name, used as the bars' `vendor`. */
  readonly name: string;
  /** What it serves. */
  readonly capabilities: readonly Capability[];
  /** The bar timeframes it serves. */
  readonly timeframes: readonly Timeframe[];
  /**
   * Bars of one symbol over `[start, end)`, streamed page by page.
   *
   * @param request Symbol, timeframe, range, signal and deadline.
   * @returns The stream; errors surface while iterating.
   */
  fetchBars(request: BarsRequest): BarStream;
  /**
   * The latest price of one symbol.
   *
   * @param symbol Ticker.
   * @param options Signal and deadline.
   * @returns The quote.
   */
  fetchQuote(symbol: string, options?: CallOptions): Promise<Quote>;
  /**
   * The option chain of one underlying.
   *
   * @param request Symbol, optional expiry, signal and deadline.
   * @returns The chain.
   */
  fetchOptionChain(request: OptionChainRequest): Promise<OptionChain>;
}

/** One HTTP request an adapter made, for metrics. */
export interface RequestEvent {
  /** The provider. */
  provider: string;
  /** The endpoint template, e.g. `chart`. */
  endpoint: string;
  /** Time from sending to the parsed answer, in seconds. */
  seconds: number;
  /** How it failed; `undefined` on success. */
  code: ProviderErrorCode | undefined;
}

/** Grants permission for one HTTP request; a {@linkcode TokenBucket} is one. */
export interface RequestLimiter {
  /**
   * Waits for permission to send one request.
   *
   * @param options Signal, and the deadline past which waiting is pointless.
   * @returns `true` once permitted; `false` at once when no permission comes before `deadline`.
   */
  acquire(options: { signal?: AbortSignal | undefined; deadline: number }): Promise<boolean>;
}

/** The `fetch` an adapter calls; `globalThis.fetch` is one. */
export type FetchFn = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** What every adapter accepts. */
export interface AdapterOptions {
  /** The vendor's base URL. @default {the adapter's environment variable, else the vendor's} */
  baseUrl?: string | undefined;
  /** Sends the HTTP requests. @default {globalThis.fetch} */
  fetch?: FetchFn | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
  /** Deadline of a call that gives none, in milliseconds from its start. @default {10000} */
  timeoutMs?: number | undefined;
  /** Asked before every HTTP request, e.g. a rate limit. @default {none} */
  limiter?: RequestLimiter | undefined;
  /** Told about every HTTP request, e.g. for metrics. @default {none} */
  onRequest?: ((event: RequestEvent) => void) | undefined;
}
