// What the Yahoo and Finnhub adapters share: option checks, the per-call deadline, range pages,
// a single-use bar stream, per-row refusals, and turning a zod issue into PROVIDER_BAD_RESPONSE
// naming the field.
import {
  type Bar,
  type BarInput,
  isTimeframe,
  parseBar,
  quote,
  type Timeframe,
  ValidationError,
} from "@mds/sql";
import type { z } from "zod";
import { ProviderError } from "./errors.ts";
import type { HttpContext } from "./_http.ts";
import type {
  AdapterOptions,
  BarsRequest,
  BarStream,
  BarStreamInfo,
  CallOptions,
  FetchFn,
  RefusedBar,
} from "./provider.ts";

/** Adapter options with their defaults, checked. */
export interface ResolvedAdapter {
  baseUrl: string;
  fetch: FetchFn;
  now: () => number;
  timeoutMs: number;
  futureToleranceMs: number;
  http: HttpContext;
}

/** Checks the common options and fills their defaults; throws TypeError/RangeError. */
export function resolveAdapter(
  provider: string,
  vendor: string,
  options: AdapterOptions,
  baseUrl: string,
): ResolvedAdapter {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`Cannot create the ${vendor} adapter: "baseUrl" is ${quote(baseUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Cannot create the ${vendor} adapter: "baseUrl" must be http or https`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new RangeError(
      `Cannot create the ${vendor} adapter: "timeoutMs" is ${
        quote(timeoutMs)
      }: must be 1 to 600000`,
    );
  }
  const futureToleranceMs = options.futureToleranceMs ?? 300_000;
  if (
    !Number.isInteger(futureToleranceMs) || futureToleranceMs < 0 ||
    futureToleranceMs > 86_400_000
  ) {
    throw new RangeError(
      `Cannot create the ${vendor} adapter: "futureToleranceMs" is ${
        quote(futureToleranceMs)
      }: must be 0 to 86400000`,
    );
  }
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    fetch: fetchFn,
    now,
    timeoutMs,
    futureToleranceMs,
    http: {
      provider,
      vendor,
      fetch: fetchFn,
      now,
      limiter: options.limiter,
      onRequest: options.onRequest,
    },
  };
}

/** The call's deadline: the caller's, or now + the adapter's timeout. */
export function deadlineOf(adapter: ResolvedAdapter, options: CallOptions | undefined): number {
  const d = options?.deadline;
  if (d === undefined) return adapter.now() + adapter.timeoutMs;
  if (typeof d !== "number" || !Number.isFinite(d)) {
    throw new TypeError(`Invalid call: "deadline" is ${quote(d)}: expected epoch milliseconds`);
  }
  return d;
}

/** Checks a symbol; returns it trimmed and upper-cased. */
export function checkSymbol(symbol: unknown): string {
  if (typeof symbol !== "string" || !/^[A-Za-z0-9.^=\-]{1,32}$/.test(symbol.trim())) {
    throw new TypeError(`Invalid call: "symbol" is ${quote(symbol)}`);
  }
  return symbol.trim().toUpperCase();
}

/** Checks a bars request against the timeframes the provider serves. */
export function checkBarsRequest(
  provider: string,
  request: BarsRequest,
  timeframes: readonly Timeframe[],
): { symbol: string; startMs: number; endMs: number } {
  const symbol = checkSymbol(request.symbol);
  if (!isTimeframe(request.timeframe)) {
    throw new TypeError(`Invalid call: "timeframe" is ${quote(request.timeframe)}`);
  }
  if (!timeframes.includes(request.timeframe)) {
    throw new ProviderError(
      "PROVIDER_UNSUPPORTED",
      `${provider} does not serve "${request.timeframe}" bars`,
      { provider, endpoint: "bars" },
    );
  }
  const startMs = request.start instanceof Date ? request.start.getTime() : NaN;
  const endMs = request.end instanceof Date ? request.end.getTime() : NaN;
  if (Number.isNaN(startMs)) {
    throw new TypeError(`Invalid call: "start" is ${quote(request.start)}`);
  }
  if (Number.isNaN(endMs)) throw new TypeError(`Invalid call: "end" is ${quote(request.end)}`);
  if (endMs <= startMs) {
    throw new RangeError(`Invalid call: "end" is ${quote(request.end)}: must be after "start"`);
  }
  return { symbol, startMs, endMs };
}

/** Splits `[start, end)` into pages of at most `pageMs`. */
export function pages(startMs: number, endMs: number, pageMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const count = Math.ceil((endMs - startMs) / pageMs);
  for (let i = 0; i < count; i++) {
    out.push([startMs + i * pageMs, Math.min(endMs, startMs + (i + 1) * pageMs)]);
  }
  return out;
}

/** An empty info record for `provider`. */
export function emptyInfo(provider: string): BarStreamInfo {
  return {
    provider,
    splits: [],
    dividends: [],
    adjustedCloses: new Map(),
    skippedNulls: 0,
    refused: [],
    refusedCount: 0,
    requests: 0,
    exchangeTimezone: undefined,
  };
}

/** Most refused rows kept in `info.refused`; `info.refusedCount` counts on. */
export const REFUSED_KEPT = 1_000;

/** Records one refused row on `info`. */
export function refuse(info: BarStreamInfo, refusal: RefusedBar): void {
  info.refusedCount++;
  if (info.refused.length < REFUSED_KEPT) info.refused.push(refusal);
}

/** What decides, for the rows of one page, whether a row becomes a bar. */
export interface RowGate {
  /** Where refusals are recorded. */
  info: BarStreamInfo;
  /** The latest vendor time accepted, epoch milliseconds: now + `toleranceMs`. */
  latestMs: number;
  /** The adapter's `futureToleranceMs`, quoted in the reason. */
  toleranceMs: number;
}

/** The gate of a page that has just arrived: the adapter's clock read now. */
export function rowGate(adapter: ResolvedAdapter, info: BarStreamInfo): RowGate {
  const toleranceMs = adapter.futureToleranceMs;
  return { info, latestMs: adapter.now() + toleranceMs, toleranceMs };
}

/** One vendor row: the bar to validate, and the time the vendor stamped it with. */
export interface VendorRow {
  /** The bar, `ts` in epoch milliseconds as it would be stored. */
  bar: BarInput & { ts: number };
  /** The vendor's own time of the row, epoch milliseconds (the session open for Yahoo daily). */
  vendorMs: number;
  /** The vendor's timestamp as sent, quoted in a refusal of `ts`. */
  vendorTs: unknown;
}

/**
 * The row as a validated bar, or `undefined` when it is refused and recorded on the gate's
 * `info`: its vendor time lies past `latestMs`, or it fails {@linkcode parseBar}.
 */
export function admitBar(gate: RowGate, row: VendorRow): Bar | undefined {
  if (row.vendorMs > gate.latestMs) {
    refuse(gate.info, {
      ts: new Date(row.bar.ts),
      field: "ts",
      reason: `is more than ${gate.toleranceMs / 1_000} s in the future`,
      value: row.vendorTs,
    });
    return undefined;
  }
  try {
    return parseBar(row.bar);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const ts = e.field === "ts" ? null : new Date(row.bar.ts);
    refuse(gate.info, { ts, field: e.field, reason: e.reason, value: e.value });
    return undefined;
  }
}

/** A single-use stream over `produce`. */
export function barStream(
  info: BarStreamInfo,
  produce: () => AsyncGenerator<Bar, void, undefined>,
): BarStream {
  let used = false;
  return {
    info,
    [Symbol.asyncIterator](): AsyncIterator<Bar> {
      if (used) throw new TypeError("A bar stream can be iterated only once");
      used = true;
      return produce();
    },
  };
}

/** The date of an epoch-millisecond instant shifted by `offsetSeconds`, `YYYY-MM-DD`. */
export function localDate(ms: number, offsetSeconds: number): string {
  return new Date(ms + offsetSeconds * 1_000).toISOString().slice(0, 10);
}

/** The zod issue's path as `a.b[0].c`. */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) {
    out += typeof p === "number" ? `[${p}]` : `${out === "" ? "" : "."}${String(p)}`;
  }
  return out === "" ? "(body)" : out;
}

/** Parses a vendor body with `schema`, or throws PROVIDER_BAD_RESPONSE naming the field. */
export function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
  ctx: { provider: string; vendor: string; endpoint: string; status: number },
): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issuePath("", issue.path);
  throw new ProviderError(
    "PROVIDER_BAD_RESPONSE",
    `${ctx.vendor} sent an unexpected "${ctx.endpoint}" body: "${field}" ${issue.message}`,
    { provider: ctx.provider, endpoint: ctx.endpoint, status: ctx.status, field },
  );
}
