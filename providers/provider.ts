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
  /**
   * A registry tries only these providers, in this order (those routed for the capability),
   * instead of its health ranking: a preferred provider first, or one provider alone. Adapters
   * ignore it. @default {the routing policy, healthiest first}
   */
  providers?: readonly string[] | undefined;
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

/**
 * A vendor row an adapter refused on its own: it is not yielded, the rest of the page is. A row
 * is refused when it fails bar validation (a negative price, a high below the low, a fractional
 * volume, ...) or when its time lies further in the future than the adapter's
 * `futureToleranceMs`. A page that is broken as a whole (not JSON, a missing field, series of
 * different lengths) still fails with `PROVIDER_BAD_RESPONSE`.
 *
 * @example A high below the low, refused while the next row arrives
 * ```ts
 * import { createYahooProvider } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const body = { chart: { error: null, result: [{ meta: { gmtoffset: -18000 },
 *   timestamp: [1704205800, 1704292200],
 *   indicators: { quote: [{ open: [187.15, 184.22], high: [180, 185.88], low: [183.89, 183.43],
 *     close: [185.64, 184.25], volume: [82488700, 58414500] }] } }] } };
 * const yahoo = createYahooProvider({ fetch: () => Promise.resolve(Response.json(body)),
 *   now: () => Date.UTC(2024, 0, 20) });
 * const stream = yahoo.fetchBars({ symbol: "AAPL", timeframe: "1d",
 *   start: new Date("2024-01-02T00:00:00Z"), end: new Date("2024-01-04T00:00:00Z") });
 * const bars = await Array.fromAsync(stream);
 * assert.deepEqual(bars.map((b) => b.ts.toISOString()), ["2024-01-03T00:00:00.000Z"]);
 * const [refused] = stream.info.refused;
 * assert.equal(refused?.ts?.toISOString(), "2024-01-02T00:00:00.000Z");
 * assert.deepEqual([refused?.field, refused?.value], ["high", 180]);
 * assert.equal(stream.info.refusedCount, 1);
 * ```
 */
export interface RefusedBar {
  /**
   * The bar's time as it would have been stored (daily bars: the trading date, 00:00 UTC);
   * `null` when the time itself is what was refused as invalid.
   */
  ts: Date | null;
  /** The bar field refused: `ts`, `open`, `high`, `low`, `close` or `volume`. */
  field: string;
  /**
   * Why, in a phrase that follows `"<field>" is <value>: `, e.g. `is below the open, close or
   * low` or `is more than 300 s in the future`.
   */
  reason: string;
  /** The offending value as the vendor sent it (for `ts`: the vendor's timestamp). */
  value?: unknown;
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
  /**
   * Rows refused one by one (see {@linkcode RefusedBar}), in the order met; only the first 1000
   * are kept, {@linkcode BarStreamInfo.refusedCount} counts them all.
   */
  refused: RefusedBar[];
  /** Every refused row, including those beyond the 1000 kept in `refused`. */
  refusedCount: number;
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
  /**
   * How far past the clock's now a bar's time (as the vendor stamps it) may lie, in
   * milliseconds, 0 to 86400000; a later bar is refused and recorded in the stream's
   * `info.refused` with the field `ts`. @default {300000}
   */
  futureToleranceMs?: number | undefined;
}
