import { PROVIDER_NAMES, type ProviderName } from "@mds/providers";
import {
  BACKFILL_TIERS,
  type BackfillRequest,
  type BackfillTier,
  type Model,
  normalizeSymbol,
  normalizeVendor,
  parseInstant,
  type Timeframe,
  TIMEFRAMES,
  ValidationError,
} from "@mds/sql";
import { z } from "zod";

/** The `job_type` of a job fetching recent bars of a few symbols. */
export const BARS_FETCH = "bars_fetch" as const;
/** The `job_type` of a job fetching quotes of a few symbols. */
export const QUOTES_FETCH = "quotes_fetch" as const;
/** The `job_type` of a job fetching the option chains of a few underlyings. */
export const OPTIONS_FETCH = "options_fetch" as const;
/**
 * The `job_type` of a backfill, the same as `BACKFILL_JOB_TYPE` of `@mds/sql`: the jobs
 * `requestBackfill` of `@mds/client` enqueues.
 */
export const BACKFILL = "backfill" as const;

/** The job types the collector runs. */
export const JOB_TYPES: readonly ["bars_fetch", "quotes_fetch", "backfill", "options_fetch"] = [
  BARS_FETCH,
  QUOTES_FETCH,
  BACKFILL,
  OPTIONS_FETCH,
] as const;
/** One of {@linkcode JOB_TYPES}. */
export type JobType = typeof JOB_TYPES[number];

/** The most symbols one fetch job names. */
export const MAX_JOB_SYMBOLS: number = 1_000;

/**
 * Tells whether a value is one of {@linkcode JOB_TYPES}.
 *
 * @param value Anything, usually a job's `job_type`.
 * @returns `true` for the job types the collector runs.
 *
 * @example
 * ```ts
 * import { isJobType } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isJobType("bars_fetch"), true);
 * assert.equal(isJobType("rebuild_index"), false);
 * ```
 */
export function isJobType(value: unknown): value is JobType {
  return typeof value === "string" && (JOB_TYPES as readonly string[]).includes(value);
}

/** A validated `bars_fetch` payload. */
export interface BarsFetchJob {
  /** Tickers, normalised (trimmed, upper-cased), each once, 1 to 1000. */
  symbols: string[];
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date;
  /** Last bar open time, exclusive; after `start`. */
  end: Date;
  /** The provider to try first; the registry routes as configured without it. */
  provider?: ProviderName | undefined;
  /** The tier the symbols belong to, which sets the job's priority. */
  tier?: BackfillTier | undefined;
}

/** What a `bars_fetch` payload may hold; see {@linkcode BarsFetchJob}. */
export interface BarsFetchJobInput {
  /** Tickers, 1 to 1000. */
  symbols: string[];
  /** Bar timeframe; or give `interval`. */
  timeframe?: Timeframe | undefined;
  /** Another name for `timeframe`, as the original service spelt it. */
  interval?: Timeframe | undefined;
  /** First bar open time: ISO 8601 (UTC without a zone), or a `Date`. */
  start: string | Date;
  /** Last bar open time, exclusive. */
  end: string | Date;
  /** Provider hint; `null` for none. */
  provider?: ProviderName | null | undefined;
  /** Tier; `null` for none. */
  tier?: BackfillTier | null | undefined;
}

/** A validated `quotes_fetch` payload. */
export interface QuotesFetchJob {
  /** Tickers, normalised, each once, 1 to 1000. */
  symbols: string[];
  /** The provider to try first. */
  provider?: ProviderName | undefined;
  /** The tier the symbols belong to. */
  tier?: BackfillTier | undefined;
}

/** What a `quotes_fetch` payload may hold; see {@linkcode QuotesFetchJob}. */
export interface QuotesFetchJobInput {
  /** Tickers, 1 to 1000. */
  symbols: string[];
  /** Provider hint; `null` for none. */
  provider?: ProviderName | null | undefined;
  /** Tier; `null` for none. */
  tier?: BackfillTier | null | undefined;
}

/**
 * A validated `options_fetch` payload: the underlyings whose option chains (every listed expiry
 * the provider serves) are fetched and written.
 */
export type OptionsFetchJob = QuotesFetchJob;
/** What an `options_fetch` payload may hold; see {@linkcode OptionsFetchJob}. */
export type OptionsFetchJobInput = QuotesFetchJobInput;

/** A validated `backfill` payload: the request `@mds/sql` `parseBackfillRequest` returns. */
export type BackfillJob = BackfillRequest;

/** What a `backfill` payload may hold: what `buildEnqueueBackfill` of `@mds/sql` writes. */
export interface BackfillJobInput {
  /** Ticker. */
  symbol: string;
  /** Bar timeframe; or give `interval`. */
  timeframe?: Timeframe | undefined;
  /** Another name for `timeframe`. */
  interval?: Timeframe | undefined;
  /** First bar open time, inclusive: ISO 8601 (UTC without a zone), or a `Date`. */
  start: string | Date;
  /** Last bar open time, exclusive. */
  end: string | Date;
  /** Vendor to fetch from; `null` for any. @default {null} */
  vendor?: string | null | undefined;
  /** Urgency. @default {"T1"} */
  tier?: BackfillTier | undefined;
}

/** The validated payload of each job type. */
export interface JobPayloads {
  /** See {@linkcode BarsFetchJob}. */
  bars_fetch: BarsFetchJob;
  /** See {@linkcode QuotesFetchJob}. */
  quotes_fetch: QuotesFetchJob;
  /** See {@linkcode BackfillJob}. */
  backfill: BackfillJob;
  /** See {@linkcode OptionsFetchJob}. */
  options_fetch: OptionsFetchJob;
}

/** What the payload of each job type may hold. */
export interface JobPayloadInputs {
  /** See {@linkcode BarsFetchJobInput}. */
  bars_fetch: BarsFetchJobInput;
  /** See {@linkcode QuotesFetchJobInput}. */
  quotes_fetch: QuotesFetchJobInput;
  /** See {@linkcode BackfillJobInput}. */
  backfill: BackfillJobInput;
  /** See {@linkcode OptionsFetchJobInput}. */
  options_fetch: OptionsFetchJobInput;
}

/** A job's type with its validated payload; switch on `type`. */
export type ParsedJob = { [K in JobType]: { type: K; payload: JobPayloads[K] } }[JobType];

// ---------------------------------------------------------------------------------------------
// Schemas

/** Runs an `@mds/sql` normaliser, turning its ValidationError into an issue. */
const normalized = <T>(normalize: (value: unknown) => T) => (value: unknown, ctx: Ctx) => {
  try {
    return normalize(value);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    ctx.issues.push({ code: "custom", message: err.reason, input: value });
    return z.NEVER;
  }
};
type Ctx = z.core.$RefinementCtx;

const symbol = z.string({ error: "must be a string" }).transform(normalized(normalizeSymbol));

const symbols = z.array(symbol, { error: "must be an array of symbols" })
  .min(1, "must name at least one symbol")
  .max(MAX_JOB_SYMBOLS, `must name at most ${MAX_JOB_SYMBOLS} symbols`)
  .transform((list) => [...new Set(list)]);

const timeframe = z.enum(TIMEFRAMES, {
  error: `is not a valid interval (${TIMEFRAMES.join(", ")})`,
});

const instant = z.union([z.string(), z.date()], {
  error: "must be an ISO 8601 time with a zone, or a Date",
}).transform(normalized((v) => parseInstant(v)));

const provider = z.enum(PROVIDER_NAMES, {
  error: `is not a known provider (${PROVIDER_NAMES.join(", ")})`,
});

const tier = z.enum(BACKFILL_TIERS, {
  error: `invalid priority: must be ${BACKFILL_TIERS.join(", ")}`,
});

const strict = <S extends z.ZodRawShape>(type: JobType, shape: S) => {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `is not a field of a ${type} job (${known})`
        : issue.code === "invalid_type"
        ? "expected an object"
        : undefined,
  });
};

/** The timeframe, given as `timeframe` or `interval` (both only when they agree). */
function pickTimeframe(
  v: { timeframe?: Timeframe | undefined; interval?: Timeframe | undefined },
  ctx: Ctx,
): Timeframe | undefined {
  if (v.timeframe !== undefined && v.interval !== undefined && v.timeframe !== v.interval) {
    ctx.issues.push({
      code: "custom",
      path: ["interval"],
      message: `differs from timeframe "${v.timeframe}"`,
      input: v.interval,
    });
    return undefined;
  }
  const tf = v.timeframe ?? v.interval;
  if (tf === undefined) {
    ctx.issues.push({ code: "custom", path: ["timeframe"], message: "is required", input: tf });
  }
  return tf;
}

function checkWindow(v: { start: Date; end: Date }, ctx: Ctx): boolean {
  if (v.end.getTime() > v.start.getTime()) return true;
  ctx.issues.push({ code: "custom", path: ["end"], message: "must be after start", input: v.end });
  return false;
}

/** Copies the optional hints, leaving out the absent ones. */
function hints(
  v: { provider?: ProviderName | null | undefined; tier?: BackfillTier | null | undefined },
): { provider?: ProviderName; tier?: BackfillTier } {
  const out: { provider?: ProviderName; tier?: BackfillTier } = {};
  if (v.provider !== undefined && v.provider !== null) out.provider = v.provider;
  if (v.tier !== undefined && v.tier !== null) out.tier = v.tier;
  return out;
}

const barsShape = strict(BARS_FETCH, {
  symbols,
  timeframe: timeframe.optional(),
  interval: timeframe.optional(),
  start: instant,
  end: instant,
  provider: provider.nullish(),
  tier: tier.nullish(),
}).transform((v, ctx): BarsFetchJob => {
  const tf = pickTimeframe(v, ctx);
  if (tf === undefined || !checkWindow(v, ctx)) return z.NEVER;
  return { symbols: v.symbols, timeframe: tf, start: v.start, end: v.end, ...hints(v) };
});

const quotesShape = strict(QUOTES_FETCH, {
  symbols,
  provider: provider.nullish(),
  tier: tier.nullish(),
}).transform((v): QuotesFetchJob => ({ symbols: v.symbols, ...hints(v) }));

const optionsShape = strict(OPTIONS_FETCH, {
  symbols,
  provider: provider.nullish(),
  tier: tier.nullish(),
}).transform((v): OptionsFetchJob => ({ symbols: v.symbols, ...hints(v) }));

const backfillShape = strict(BACKFILL, {
  symbol,
  timeframe: timeframe.optional(),
  interval: timeframe.optional(),
  start: instant,
  end: instant,
  vendor: z.string({ error: "must be a string or null" })
    .transform(normalized((v) => normalizeVendor(v))).nullish(),
  tier: tier.optional(),
}).transform((v, ctx): BackfillJob => {
  const tf = pickTimeframe(v, ctx);
  if (tf === undefined || !checkWindow(v, ctx)) return z.NEVER;
  return {
    symbol: v.symbol,
    timeframe: tf,
    start: v.start,
    end: v.end,
    vendor: v.vendor ?? null,
    tier: v.tier ?? "T1",
  };
});

/** The zod schema of a `bars_fetch` payload. */
export const BarsFetchJobSchema: Model<BarsFetchJob, BarsFetchJobInput> = barsShape;
/** The zod schema of a `quotes_fetch` payload. */
export const QuotesFetchJobSchema: Model<QuotesFetchJob, QuotesFetchJobInput> = quotesShape;
/** The zod schema of an `options_fetch` payload. */
export const OptionsFetchJobSchema: Model<OptionsFetchJob, OptionsFetchJobInput> = optionsShape;
/** The zod schema of a `backfill` payload. */
export const BackfillJobSchema: Model<BackfillJob, BackfillJobInput> = backfillShape;

// Compile-time proof that the zod shapes and the declared interfaces agree.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _proofs: [
  Equal<z.input<typeof barsShape>, BarsFetchJobInput>,
  Equal<z.output<typeof barsShape>, BarsFetchJob>,
  Equal<z.input<typeof quotesShape>, QuotesFetchJobInput>,
  Equal<z.output<typeof quotesShape>, QuotesFetchJob>,
  Equal<z.input<typeof backfillShape>, BackfillJobInput>,
  Equal<z.output<typeof backfillShape>, BackfillJob>,
] = [true, true, true, true, true, true];

// ---------------------------------------------------------------------------------------------
// Parsing and encoding

const SCHEMAS: { readonly [K in JobType]: z.ZodType<JobPayloads[K]> } = {
  bars_fetch: barsShape,
  quotes_fetch: quotesShape,
  backfill: backfillShape,
  options_fetch: optionsShape,
};

function dotted(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    out += typeof p === "number" ? `[${p}]` : `${out === "" ? "" : "."}${String(p)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function parseAs<K extends JobType>(type: K, payload: unknown): JobPayloads[K] {
  const result = SCHEMAS[type].safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path;
  throw new ValidationError({
    kind: `${type} job`,
    field: dotted(path),
    value: valueAt(payload, path),
    reason: issue.message,
  });
}

/**
 * Validates a `bars_fetch` payload: symbols normalised and deduplicated, times as instants.
 *
 * @param payload The payload, usually a job's parsed JSON.
 * @returns The payload.
 * @throws {ValidationError} Naming the first invalid field, e.g. `"interval" is "7x": is not a
 *   valid interval`, `"symbols" is []: must name at least one symbol`, `"tier" is "P0": is an
 *   invalid priority`, `"provider" is "polygon": is not a known provider`, an unknown field.
 *
 * @example
 * ```ts
 * import { parseBarsFetchJob } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const job = parseBarsFetchJob({ symbols: ["aapl", "AAPL", " msft"], interval: "5m",
 *   start: "2024-01-02T14:30:00Z", end: "2024-01-02T21:00:00Z", provider: "yahoo" });
 * assert.deepEqual(job.symbols, ["AAPL", "MSFT"]);
 * assert.equal(job.timeframe, "5m");
 * assert.throws(() => parseBarsFetchJob({ ...job, timeframe: "7x" }), /is not a valid interval/);
 * ```
 */
export function parseBarsFetchJob(payload: unknown): BarsFetchJob {
  return parseAs(BARS_FETCH, payload);
}

/**
 * Validates a `quotes_fetch` payload: symbols normalised and deduplicated.
 *
 * @param payload The payload.
 * @returns The payload.
 * @throws {ValidationError} Naming the first invalid field.
 *
 * @example
 * ```ts
 * import { parseQuotesFetchJob } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseQuotesFetchJob({ symbols: ["spy"], tier: "T0" }),
 *   { symbols: ["SPY"], tier: "T0" });
 * assert.throws(() => parseQuotesFetchJob({ symbols: [] }), /"symbols" is \[\]/);
 * ```
 */
export function parseQuotesFetchJob(payload: unknown): QuotesFetchJob {
  return parseAs(QUOTES_FETCH, payload);
}

/**
 * Validates a `backfill` payload, the one `requestBackfill` of `@mds/client` enqueues.
 *
 * @param payload The payload.
 * @returns The request: symbol upper-cased, vendor lower-cased or `null`, tier defaulted to T1.
 * @throws {ValidationError} Naming the first invalid field.
 *
 * @example
 * ```ts
 * import { buildEnqueueBackfill, parseBackfillRequest } from "@mds/sql";
 * import { parseBackfillJob } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const request = parseBackfillRequest({ symbol: "aapl", timeframe: "1m",
 *   start: "2024-01-02T00:00:00Z", end: "2024-01-03T00:00:00Z", tier: "T0" });
 * const written = buildEnqueueBackfill(request, { key: "k", maxAttempts: 5 }).params[2];
 * assert.deepEqual(parseBackfillJob(JSON.parse(written as string)), request);
 * ```
 */
export function parseBackfillJob(payload: unknown): BackfillJob {
  return parseAs(BACKFILL, payload);
}

/**
 * Validates a job's payload by its type.
 *
 * @param type The job's `job_type`.
 * @param payload The job's payload.
 * @returns The type with its validated payload, to `switch` on.
 * @throws {ValidationError} For a type the collector does not run (field `job_type`), or
 *   naming the payload's first invalid field.
 *
 * @example
 * ```ts
 * import { parseJobPayload } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const job = parseJobPayload("quotes_fetch", { symbols: ["spy"] });
 * if (job.type === "quotes_fetch") assert.deepEqual(job.payload.symbols, ["SPY"]);
 * assert.throws(() => parseJobPayload("rebuild_index", {}), /"job_type" is "rebuild_index"/);
 * ```
 */
export function parseJobPayload(type: string, payload: unknown): ParsedJob {
  if (!isJobType(type)) {
    throw new ValidationError({
      kind: "job",
      field: "job_type",
      value: type,
      reason: `is not a job type the collector runs (${JOB_TYPES.join(", ")})`,
    });
  }
  return { type, payload: parseAs(type, payload) } as ParsedJob;
}

/**
 * Validates a payload and turns it into the JSON object a job stores: times as ISO 8601 UTC
 * strings, `timeframe` under its canonical name, absent hints left out. What it returns,
 * {@linkcode parseJobPayload} reads back to the same payload.
 *
 * @typeParam T The job type.
 * @param type The job type.
 * @param payload The payload, validated first.
 * @returns A JSON-safe object for the job's `payload`.
 * @throws {ValidationError} Like {@linkcode parseJobPayload}.
 *
 * @example
 * ```ts
 * import { encodeJobPayload, parseJobPayload } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const payload = encodeJobPayload("bars_fetch", { symbols: ["aapl"], timeframe: "1d",
 *   start: new Date("2024-01-02T00:00:00Z"), end: new Date("2024-02-01T00:00:00Z"), tier: "T1" });
 * assert.deepEqual(payload, { symbols: ["AAPL"], timeframe: "1d",
 *   start: "2024-01-02T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z", tier: "T1" });
 * assert.deepEqual(parseJobPayload("bars_fetch", payload).payload,
 *   { symbols: ["AAPL"], timeframe: "1d", start: new Date("2024-01-02T00:00:00Z"),
 *     end: new Date("2024-02-01T00:00:00Z"), tier: "T1" });
 * ```
 */
export function encodeJobPayload<T extends JobType>(
  type: T,
  payload: JobPayloadInputs[T],
): Record<string, unknown> {
  const parsed: JobPayloads[JobType] = parseJobPayload(type, payload).payload;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    out[key] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}
