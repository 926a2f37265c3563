import { CALENDAR_NAMES, type CalendarName } from "@mds/client/calendar";
import {
  defaultProvidersConfig,
  parseProvidersConfig,
  PROVIDER_NAMES,
  ProviderConfigError,
  type ProviderName,
  type ProvidersConfig,
  type ProvidersConfigInput,
} from "@mds/providers";
import {
  type BackfillTier,
  DEFAULT_BACKFILL_CAPS,
  MdsError,
  quote,
  type Timeframe,
  TIMEFRAMES,
  ValidationError,
} from "@mds/sql";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parseDurationSeconds } from "./duration.ts";

// ---------------------------------------------------------------------------------------------
// The validated configuration

/** How one tier of the symbol universe is collected. */
export interface TierSettings {
  /**
   * How often each timeframe of the tier's series is fetched, in seconds (10 s to 7 days); a
   * timeframe left out is not collected for the tier.
   * @default {T0: 1m 60, 5m 300, 15m 900, 30m 1800, 1h 3600, 4h 3600, 1d 3600, 1w 86400;
   *   T1: 1m 300, 5m 900, 15m 1800, 30m 3600, 1h 3600, 4h 7200, 1d 21600, 1w 86400;
   *   T2: 1m 3600, 5m 3600, 15m 3600, 30m 7200, 1h 7200, 4h 14400, 1d 86400, 1w 604800}
   */
  cadence: Partial<Record<Timeframe, number>>;
  /** The most universe symbols the tier holds. @default {T0 500, T1 5000, T2 50000} */
  maxSymbols: number;
  /**
   * How often quotes of the tier's symbols are fetched, in seconds; `null` for never.
   * @default {T0 15, T1 null, T2 null}
   */
  quotesEverySeconds: number | null;
  /**
   * How often the option chains of the tier's symbols are fetched (an `options_fetch` job per
   * 20 symbols, while their market trades), in minutes; `null` for never.
   * @default {T0 15, T1 null, T2 null}
   */
  optionsEveryMinutes: number | null;
  /**
   * Queue-depth cap of the tier's backfills: queued and running backfill jobs of the tier a
   * tenant may hold. @default {T0 100, T1 1000, T2 10000 (`DEFAULT_BACKFILL_CAPS` of `@mds/sql`)}
   */
  backfillCap: number;
}

/** Where new series start. */
export interface HistorySettings {
  /**
   * How far back a new series starts when the universe gives no start, in days, per
   * timeframe. @default {1m 7, 5m 30, 15m 30, 30m 30, 1h 180, 4h 365, 1d 365, 1w 1825}
   */
  defaultDays: Partial<Record<Timeframe, number>>;
}

/** Retry backoff of failed jobs: exponential from `baseSeconds`, capped at `maxSeconds`. */
export interface BackoffSettings {
  /** Delay before the first retry, in seconds, 0 to 3600. @default {10} */
  baseSeconds: number;
  /** Longest delay, in seconds, at least `baseSeconds`, at most 86400. @default {900} */
  maxSeconds: number;
}

/** The job workers. */
export interface WorkerSettings {
  /** Workers claiming jobs at once, 1 to 64. @default {4} */
  count: number;
  /** How long a claimed job stays leased to its worker, in seconds, 10 to 3600. @default {120} */
  leaseSeconds: number;
  /** Attempts of a job before it is dead, 1 to 100. @default {5} */
  maxAttempts: number;
  /** Backoff between attempts. @default {{ baseSeconds: 10, maxSeconds: 900 }} */
  backoff: BackoffSettings;
  /** Idle wait between two claims that found no job, in seconds, 0.05 to 60. @default {1} */
  pollSeconds: number;
  /**
   * Jobs running against each provider at once, 1 to 64 each.
   * @default {{ yahoo: 4, finnhub: 4 }}
   */
  providerConcurrency: Record<ProviderName, number>;
  /**
   * How long a job that every provider refused with a rate limit waits before it runs again,
   * in seconds, 1 to 3600, unless the vendor asked for longer. @default {30}
   */
  rateLimitedDelaySeconds: number;
  /**
   * How long done jobs are kept before the running collector deletes them, in hours, 1 to
   * 8760, so a queue that runs around the clock stays small. A done job's idempotency key also
   * keeps a backfill of the same range from being requested again until then. @default {24}
   */
  keepDoneHours: number;
  /**
   * How long running jobs may take to finish after a stop (SIGTERM), in seconds, 0 to 3600;
   * then their vendor calls are aborted and they return to the queue. @default {30}
   */
  graceSeconds: number;
}

/** The local sweeper, which enqueues the jobs of series whose cadence has come round. */
export interface SweepSettings {
  /** Time between sweeps, in seconds, 1 to 3600. @default {15} */
  everySeconds: number;
}

/** Gap detection and repair. */
export interface GapSettings {
  /** Time between gap scans, in seconds, 10 to 86400. @default {900} */
  scanEverySeconds: number;
  /**
   * How far back gap repair looks, in days, per timeframe.
   * @default {1m 5, 5m 10, 15m 10, 30m 10, 1h 30, 4h 60, 1d 120, 1w 730}
   */
  windowDays: Partial<Record<Timeframe, number>>;
  /**
   * A range every provider answered "no data" for is not requested again before this many
   * hours, 0 to 8760. @default {24}
   */
  unfillableRetryHours: number;
  /** The most gaps repaired per series and scan, 1 to 100000. @default {50} */
  maxGapsPerSeries: number;
}

/** The continuity SLO monitor. */
export interface SloSettings {
  /** Time between computations, in seconds, 1 to 86400. @default {60} */
  everySeconds: number;
  /**
   * The window over which the gap violation rate is computed, in days, per timeframe.
   * @default {1m 1, 5m 1, 15m 2, 30m 2, 1h 5, 4h 10, 1d 10, 1w 30}
   */
  windowDays: Partial<Record<Timeframe, number>>;
}

/** Checks on what vendors send. */
export interface ValidationSettings {
  /**
   * How far in the future a bar or quote may be stamped before it is refused, in seconds, 0 to
   * 86400. @default {300}
   */
  futureToleranceSeconds: number;
}

/** A validated collector configuration, defaults filled. */
export interface CollectorConfig {
  /**
   * The market-data providers, as validated by `parseProvidersConfig` of `@mds/providers`.
   * @default {`defaultProvidersConfig(env)`: Yahoo, then Finnhub when `FINNHUB_API_KEY` is set}
   */
  providers: ProvidersConfig;
  /** The tiers of the symbol universe, most urgent first. */
  tiers: Record<BackfillTier, TierSettings>;
  /** Where new series start. */
  history: HistorySettings;
  /** The job workers. */
  workers: WorkerSettings;
  /** The local sweeper. */
  sweep: SweepSettings;
  /** Gap detection and repair. */
  gaps: GapSettings;
  /** The continuity SLO monitor. */
  slo: SloSettings;
  /** Checks on what vendors send. */
  validation: ValidationSettings;
  /**
   * The calendar of universe entries added without one (`mds universe add` without
   * `--calendar`); each entry's own calendar says which bars to expect. @default {"nyse"}
   */
  calendar: CalendarName;
}

// ---------------------------------------------------------------------------------------------
// What parseCollectorConfig accepts

/**
 * A duration as configured: a number in the unit the setting's name says (seconds, hours or
 * days), or a string with a unit such as `"90s"`, `"5m"`, `"1h"`, `"2d"` (see
 * `parseDurationSeconds`).
 */
export type Duration = number | string;

/** A value per timeframe, every timeframe optional; what is left out keeps its default. */
export type PerTimeframeInput<V> = { [K in Timeframe]?: V | undefined };

/** What a tier accepts; see {@linkcode TierSettings}. */
export interface TierSettingsInput {
  /** Cadence per timeframe, merged key by key into the defaults; `null` stops a timeframe. */
  cadence?: PerTimeframeInput<Duration | null> | undefined;
  /** The most symbols of the tier. */
  maxSymbols?: number | undefined;
  /** Quote cadence; `null` for no quotes. */
  quotesEverySeconds?: Duration | null | undefined;
  /** Option chain cadence in minutes (or a duration such as `"1h"`); `null` for none. */
  optionsEveryMinutes?: Duration | null | undefined;
  /** Queue-depth cap of the tier's backfills. */
  backfillCap?: number | undefined;
}

/** What the history settings accept; see {@linkcode HistorySettings}. */
export interface HistorySettingsInput {
  /** Days back per timeframe, merged key by key into the defaults. */
  defaultDays?: PerTimeframeInput<Duration> | undefined;
}

/** What the backoff accepts; see {@linkcode BackoffSettings}. */
export interface BackoffSettingsInput {
  /** Delay before the first retry. */
  baseSeconds?: Duration | undefined;
  /** Longest delay. */
  maxSeconds?: Duration | undefined;
}

/** What the worker settings accept; see {@linkcode WorkerSettings}. */
export interface WorkerSettingsInput {
  /** Workers. */
  count?: number | undefined;
  /** Lease of a claimed job. */
  leaseSeconds?: Duration | undefined;
  /** Attempts before a job is dead. */
  maxAttempts?: number | undefined;
  /** Backoff between attempts. */
  backoff?: BackoffSettingsInput | undefined;
  /** Idle wait between empty claims. */
  pollSeconds?: Duration | undefined;
  /** Jobs per provider at once, merged key by key into the defaults. */
  providerConcurrency?: { [K in ProviderName]?: number | undefined } | undefined;
  /** Wait after a rate limit. */
  rateLimitedDelaySeconds?: Duration | undefined;
  /** How long done jobs are kept. */
  keepDoneHours?: Duration | undefined;
  /** How long running jobs may take to finish after a stop. */
  graceSeconds?: Duration | undefined;
}

/** What the sweep settings accept; see {@linkcode SweepSettings}. */
export interface SweepSettingsInput {
  /** Time between sweeps. */
  everySeconds?: Duration | undefined;
}

/** What the gap settings accept; see {@linkcode GapSettings}. */
export interface GapSettingsInput {
  /** Time between gap scans. */
  scanEverySeconds?: Duration | undefined;
  /** Days back per timeframe, merged key by key into the defaults. */
  windowDays?: PerTimeframeInput<Duration> | undefined;
  /** Hours before an unfillable range is asked for again. */
  unfillableRetryHours?: Duration | undefined;
  /** Gaps repaired per series and scan. */
  maxGapsPerSeries?: number | undefined;
}

/** What the SLO settings accept; see {@linkcode SloSettings}. */
export interface SloSettingsInput {
  /** Time between computations. */
  everySeconds?: Duration | undefined;
  /** Days per timeframe, merged key by key into the defaults. */
  windowDays?: PerTimeframeInput<Duration> | undefined;
}

/** What the validation settings accept; see {@linkcode ValidationSettings}. */
export interface ValidationSettingsInput {
  /** Tolerance for future timestamps. */
  futureToleranceSeconds?: Duration | undefined;
}

/**
 * What {@linkcode parseCollectorConfig} accepts: the JSON form, every setting optional. Objects
 * are merged into the defaults key by key; unknown keys are refused.
 */
export interface CollectorConfigInput {
  /** The `@mds/providers` configuration; replaces the default as a whole. */
  providers?: ProvidersConfigInput | undefined;
  /** Tiers, each merged into its defaults. */
  tiers?: { [K in BackfillTier]?: TierSettingsInput | undefined } | undefined;
  /** History settings. */
  history?: HistorySettingsInput | undefined;
  /** Worker settings. */
  workers?: WorkerSettingsInput | undefined;
  /** Sweep settings. */
  sweep?: SweepSettingsInput | undefined;
  /** Gap settings. */
  gaps?: GapSettingsInput | undefined;
  /** SLO settings. */
  slo?: SloSettingsInput | undefined;
  /** Validation settings. */
  validation?: ValidationSettingsInput | undefined;
  /** Calendar name. */
  calendar?: CalendarName | undefined;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** One reason a collector configuration was refused. */
export interface CollectorConfigIssue {
  /** Dotted path of the offending setting, e.g. `tiers.T0.cadence.1m`; `""` for the whole. */
  readonly path: string;
  /** Why it was refused, quoting the value. */
  readonly message: string;
}

/** What a {@linkcode CollectorConfigError} carries besides its issues. */
export interface CollectorConfigErrorOptions {
  /** The file the configuration was read from. */
  file?: string | undefined;
  /** The original error. */
  cause?: unknown;
}

/**
 * A collector configuration was refused; `issues` names every offending setting by its dotted
 * path, and the message lists them all (with the file, when read from one).
 *
 * @example
 * ```ts
 * import { CollectorConfigError, parseCollectorConfig } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * try {
 *   parseCollectorConfig({ workers: { count: 0 }, swep: {} });
 *   assert.fail("accepted");
 * } catch (err) {
 *   assert.ok(err instanceof CollectorConfigError);
 *   assert.equal(err.code, "MDS_CONFIG");
 *   assert.deepEqual(err.issues.map((i) => i.path), ["workers.count", "swep"]);
 * }
 * ```
 */
export class CollectorConfigError extends MdsError {
  /** Every reason, each with the path of its setting. */
  readonly issues: readonly CollectorConfigIssue[];
  /** The file the configuration was read from, if any. */
  readonly file: string | undefined;

  /**
   * Creates the error.
   *
   * @param issues The reasons; the message quotes them all.
   * @param options The file and the cause.
   */
  constructor(issues: readonly CollectorConfigIssue[], options: CollectorConfigErrorOptions = {}) {
    const where = options.file === undefined ? "" : ` ${JSON.stringify(options.file)}`;
    super(
      "MDS_CONFIG",
      `Invalid collector configuration${where}: ${
        issues.map((i) => i.path === "" ? i.message : `${i.path}: ${i.message}`).join("; ")
      }`,
      { cause: options.cause },
    );
    this.issues = issues;
    this.file = options.file;
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults

type Cadences = Record<Timeframe, number>;
const perTf = (...v: number[]): Cadences =>
  Object.fromEntries(TIMEFRAMES.map((tf, i) => [tf, v[i]!])) as Cadences;

const DEFAULT_CADENCE: Readonly<Record<BackfillTier, Cadences>> = {
  T0: perTf(60, 300, 900, 1800, 3600, 3600, 3600, 86400),
  T1: perTf(300, 900, 1800, 3600, 3600, 7200, 21600, 86400),
  T2: perTf(3600, 3600, 3600, 7200, 7200, 14400, 86400, 604800),
};
const DEFAULT_MAX_SYMBOLS: Readonly<Record<BackfillTier, number>> = {
  T0: 500,
  T1: 5_000,
  T2: 50_000,
};
const DEFAULT_QUOTES: Readonly<Record<BackfillTier, number | null>> = {
  T0: 15,
  T1: null,
  T2: null,
};
const DEFAULT_OPTIONS: Readonly<Record<BackfillTier, number | null>> = {
  T0: 15,
  T1: null,
  T2: null,
};
const DEFAULT_HISTORY_DAYS = perTf(7, 30, 30, 30, 180, 365, 365, 1825);
const DEFAULT_GAP_WINDOW_DAYS = perTf(5, 10, 10, 10, 30, 60, 120, 730);
const DEFAULT_SLO_WINDOW_DAYS = perTf(1, 1, 2, 2, 5, 10, 10, 30);
const DEFAULT_PROVIDER_CONCURRENCY = 4;

// ---------------------------------------------------------------------------------------------
// Schema of the input (no defaults: they are merged in afterwards, key by key)

const UNIT_SECONDS = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400 } as const;

interface Range {
  unit: keyof typeof UNIT_SECONDS;
  min: number;
  max: number;
  /** `min` itself is refused. */
  aboveMin?: boolean;
}

/** A duration in `unit`: a number in that unit, or a string with its own unit. */
const duration = (range: Range) =>
  z.union([z.number(), z.string()], {
    error: `must be a number of ${range.unit} or a string such as "90s", "5m", "1h" or "2d"`,
  }).transform((value, ctx) => {
    let n: number;
    try {
      const seconds = parseDurationSeconds("", value);
      n = typeof value === "number" ? seconds : seconds / UNIT_SECONDS[range.unit];
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      ctx.issues.push({ code: "custom", message: err.reason, input: value });
      return z.NEVER;
    }
    const unit = range.unit;
    if (range.aboveMin === true ? n <= range.min : n < range.min) {
      const bound = range.aboveMin === true ? "more than" : "at least";
      ctx.issues.push({
        code: "custom",
        message: `must be ${bound} ${range.min} ${unit}`,
        input: value,
      });
      return z.NEVER;
    }
    if (n > range.max) {
      ctx.issues.push({
        code: "custom",
        message: `must be at most ${range.max} ${unit}`,
        input: value,
      });
      return z.NEVER;
    }
    return n;
  });

const whole = (min: number, max: number) =>
  z.number({ error: "must be a number" }).int("must be a whole number")
    .min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** A strict object: an unknown key is refused with `unknown` and the known keys. */
const settings = <S extends z.ZodRawShape>(shape: S, unknown = "is not a known setting") => {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `${unknown} (known: ${known})`
        : issue.code === "invalid_type"
        ? "must be an object"
        : undefined,
  });
};

/** An object keyed by timeframe, each key optional. */
const perTimeframe = <T extends z.ZodType>(value: T) =>
  settings(
    Object.fromEntries(TIMEFRAMES.map((tf) => [tf, value.optional()])) as {
      [K in Timeframe]: z.ZodOptional<T>;
    },
    "is not a timeframe",
  );

const seconds = (min: number, max: number) => duration({ unit: "seconds", min, max });
const days = (max: number) => duration({ unit: "days", min: 0, max, aboveMin: true });

const tierShape = settings({
  cadence: perTimeframe(seconds(10, 604_800).nullable()).optional(),
  maxSymbols: whole(0, 10_000_000).optional(),
  quotesEverySeconds: seconds(1, 86_400).nullable().optional(),
  optionsEveryMinutes: duration({ unit: "minutes", min: 1, max: 1_440 }).nullable().optional(),
  backfillCap: whole(0, 1_000_000_000).optional(),
});

const shape = settings({
  providers: z.custom<ProvidersConfigInput>().optional(),
  tiers: settings({
    T0: tierShape.optional(),
    T1: tierShape.optional(),
    T2: tierShape.optional(),
  }, "is not a tier").optional(),
  history: settings({ defaultDays: perTimeframe(days(36_500)).optional() }).optional(),
  workers: settings({
    count: whole(1, 64).optional(),
    leaseSeconds: seconds(10, 3_600).optional(),
    maxAttempts: whole(1, 100).optional(),
    backoff: settings({
      baseSeconds: seconds(0, 3_600).optional(),
      maxSeconds: seconds(0, 86_400).optional(),
    }).optional(),
    pollSeconds: seconds(0.05, 60).optional(),
    providerConcurrency: settings(
      Object.fromEntries(PROVIDER_NAMES.map((p) => [p, whole(1, 64).optional()])) as {
        [K in ProviderName]: z.ZodOptional<ReturnType<typeof whole>>;
      },
      "is not a known provider",
    ).optional(),
    rateLimitedDelaySeconds: seconds(1, 3_600).optional(),
    keepDoneHours: duration({ unit: "hours", min: 1, max: 8_760 }).optional(),
    graceSeconds: seconds(0, 3_600).optional(),
  }).optional(),
  sweep: settings({ everySeconds: seconds(1, 3_600).optional() }).optional(),
  gaps: settings({
    scanEverySeconds: seconds(10, 86_400).optional(),
    windowDays: perTimeframe(days(3_650)).optional(),
    unfillableRetryHours: duration({ unit: "hours", min: 0, max: 8_760 }).optional(),
    maxGapsPerSeries: whole(1, 100_000).optional(),
  }).optional(),
  slo: settings({
    everySeconds: seconds(1, 86_400).optional(),
    windowDays: perTimeframe(days(365)).optional(),
  }).optional(),
  validation: settings({ futureToleranceSeconds: seconds(0, 86_400).optional() }).optional(),
  calendar: z.enum(CALENDAR_NAMES, {
    error: `not a known calendar (${CALENDAR_NAMES.join(", ")})`,
  }).optional(),
});

type Parsed = z.output<typeof shape>;

// Compile-time proof that the zod shape accepts exactly the declared input.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _inputMatches: Equal<z.input<typeof shape>, CollectorConfigInput> = true;

// ---------------------------------------------------------------------------------------------
// Parsing

/** Every timeframe's value: the given one, else the default; a `null` drops the timeframe. */
function mergeTimeframes(
  defaults: Readonly<Cadences>,
  given: { [K in Timeframe]?: number | null | undefined } | undefined,
): Partial<Record<Timeframe, number>> {
  const out: Partial<Record<Timeframe, number>> = {};
  for (const tf of TIMEFRAMES) {
    const v = given?.[tf];
    if (v === null) continue;
    out[tf] = v ?? defaults[tf];
  }
  return out;
}

function merge(p: Parsed, providers: ProvidersConfig): CollectorConfig {
  const tier = (t: BackfillTier): TierSettings => {
    const u = p.tiers?.[t];
    return {
      cadence: mergeTimeframes(DEFAULT_CADENCE[t], u?.cadence),
      maxSymbols: u?.maxSymbols ?? DEFAULT_MAX_SYMBOLS[t],
      quotesEverySeconds: u?.quotesEverySeconds === undefined
        ? DEFAULT_QUOTES[t]
        : u.quotesEverySeconds,
      optionsEveryMinutes: u?.optionsEveryMinutes === undefined
        ? DEFAULT_OPTIONS[t]
        : u.optionsEveryMinutes,
      backfillCap: u?.backfillCap ?? DEFAULT_BACKFILL_CAPS[t],
    };
  };
  const w = p.workers;
  const concurrency = Object.fromEntries(
    PROVIDER_NAMES.map((n) => [n, w?.providerConcurrency?.[n] ?? DEFAULT_PROVIDER_CONCURRENCY]),
  ) as Record<ProviderName, number>;
  return {
    providers,
    tiers: { T0: tier("T0"), T1: tier("T1"), T2: tier("T2") },
    history: { defaultDays: mergeTimeframes(DEFAULT_HISTORY_DAYS, p.history?.defaultDays) },
    workers: {
      count: w?.count ?? 4,
      leaseSeconds: w?.leaseSeconds ?? 120,
      maxAttempts: w?.maxAttempts ?? 5,
      backoff: {
        baseSeconds: w?.backoff?.baseSeconds ?? 10,
        maxSeconds: w?.backoff?.maxSeconds ?? 900,
      },
      pollSeconds: w?.pollSeconds ?? 1,
      providerConcurrency: concurrency,
      rateLimitedDelaySeconds: w?.rateLimitedDelaySeconds ?? 30,
      keepDoneHours: w?.keepDoneHours ?? 24,
      graceSeconds: w?.graceSeconds ?? 30,
    },
    sweep: { everySeconds: p.sweep?.everySeconds ?? 15 },
    gaps: {
      scanEverySeconds: p.gaps?.scanEverySeconds ?? 900,
      windowDays: mergeTimeframes(DEFAULT_GAP_WINDOW_DAYS, p.gaps?.windowDays),
      unfillableRetryHours: p.gaps?.unfillableRetryHours ?? 24,
      maxGapsPerSeries: p.gaps?.maxGapsPerSeries ?? 50,
    },
    slo: {
      everySeconds: p.slo?.everySeconds ?? 60,
      windowDays: mergeTimeframes(DEFAULT_SLO_WINDOW_DAYS, p.slo?.windowDays),
    },
    validation: { futureToleranceSeconds: p.validation?.futureToleranceSeconds ?? 300 },
    calendar: p.calendar ?? "nyse",
  };
}

/** Rules across settings, checked once the defaults are in. */
function crossCheck(c: CollectorConfig): CollectorConfigIssue[] {
  const issues: CollectorConfigIssue[] = [];
  const { baseSeconds, maxSeconds } = c.workers.backoff;
  if (maxSeconds < baseSeconds) {
    issues.push({
      path: "workers.backoff.maxSeconds",
      message: `is ${maxSeconds}: must be at least workers.backoff.baseSeconds (${baseSeconds})`,
    });
  }
  return issues;
}

function dotted(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    out += typeof p === "number" ? `[${p}]` : `${out === "" ? "" : "."}${String(p)}`;
  }
  return out;
}

function issuesOf(issues: readonly z.core.$ZodIssue[]): CollectorConfigIssue[] {
  return issues.flatMap((i): CollectorConfigIssue[] => {
    if (i.code === "unrecognized_keys") {
      return i.keys.map((k) => ({ path: dotted([...i.path, k]), message: i.message }));
    }
    const message = "input" in i ? `is ${quote(i.input)}: ${i.message}` : i.message;
    return [{ path: dotted(i.path), message }];
  });
}

function build(input: unknown, env: Env, file: string | undefined): CollectorConfig {
  const issues: CollectorConfigIssue[] = [];
  const given = input !== null && typeof input === "object" && !Array.isArray(input)
    ? (input as { providers?: unknown }).providers
    : undefined;
  let providers: ProvidersConfig | undefined;
  try {
    providers = parseProvidersConfig(given === undefined ? defaultProvidersConfig(env) : given);
  } catch (err) {
    if (!(err instanceof ProviderConfigError)) throw err;
    for (const i of err.issues) {
      issues.push({
        path: i.path === "" ? "providers" : `providers.${i.path}`,
        message: i.message,
      });
    }
  }
  const parsed = shape.safeParse(input, { reportInput: true });
  if (!parsed.success) issues.push(...issuesOf(parsed.error.issues));
  if (parsed.success && providers !== undefined) {
    const config = merge(parsed.data, providers);
    issues.push(...crossCheck(config));
    if (issues.length === 0) return config;
  }
  throw new CollectorConfigError(issues, { file });
}

/** An environment: variable names to values. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates a collector configuration, usually parsed JSON, and fills the defaults: objects are
 * merged into them key by key (a tier given only `cadence: { "1m": 30 }` keeps every other
 * default of the tier), `providers` replaces the default provider configuration as a whole.
 * Durations take a number in the setting's unit or a string such as `"90s"` or `"5m"`.
 *
 * @param input The configuration.
 * @param env The environment, read only for the default providers (Finnhub is added when
 *   `FINNHUB_API_KEY` is set). @default {{}}
 * @returns The configuration with defaults filled.
 * @throws {CollectorConfigError} Listing every problem with its dotted path: unknown keys,
 *   out-of-range values, bad durations or timeframes, and the provider configuration's own
 *   problems under `providers.`.
 *
 * @example
 * ```ts
 * import { parseCollectorConfig } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const config = parseCollectorConfig({ tiers: { T0: { cadence: { "1m": "30s" } } },
 *   sweep: { everySeconds: "1m" } });
 * assert.equal(config.tiers.T0.cadence["1m"], 30);
 * assert.equal(config.tiers.T0.cadence["5m"], 300);
 * assert.equal(config.sweep.everySeconds, 60);
 * assert.deepEqual(config.providers.routing.bars, ["yahoo"]);
 * ```
 */
export function parseCollectorConfig(input: unknown, env: Env = {}): CollectorConfig {
  return build(input, env, undefined);
}

/**
 * The configuration the collector runs with when none is given: every default.
 *
 * @param env The environment, for `FINNHUB_API_KEY`. @default {{}}
 * @returns The default configuration.
 *
 * @example
 * ```ts
 * import { defaultCollectorConfig } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const config = defaultCollectorConfig({ FINNHUB_API_KEY: "k" });
 * assert.deepEqual(config.providers.routing.bars, ["yahoo", "finnhub"]);
 * assert.equal(config.workers.count, 4);
 * assert.equal(config.tiers.T0.quotesEverySeconds, 15);
 * assert.equal(config.calendar, "nyse");
 * ```
 */
export function defaultCollectorConfig(env: Env = {}): CollectorConfig {
  return build({}, env, undefined);
}

/**
 * Reads a collector configuration from a JSON file and validates it like
 * {@linkcode parseCollectorConfig}. A leading byte-order mark is ignored.
 *
 * @param path The file.
 * @param env The environment, for the default providers. @default {{}}
 * @returns The configuration with defaults filled.
 * @throws {CollectorConfigError} Naming the file: when it cannot be read, is not JSON (with the
 *   position of the syntax error), or holds an invalid configuration.
 *
 * @example
 * ```ts
 * import { CollectorConfigError, loadCollectorConfig } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".json" });
 * try {
 *   await Deno.writeTextFile(file, '{ "workers": { "count": 8 } }');
 *   assert.equal((await loadCollectorConfig(file)).workers.count, 8);
 *   await Deno.writeTextFile(file, '{ "workers": { count: 8 } }');
 *   await assert.rejects(loadCollectorConfig(file), (err) =>
 *     err instanceof CollectorConfigError && err.file === file && /position 15/.test(err.message));
 * } finally {
 *   await Deno.remove(file);
 * }
 * ```
 */
export async function loadCollectorConfig(
  path: string | URL,
  env: Env = {},
): Promise<CollectorConfig> {
  const file = typeof path === "string"
    ? path
    : path.protocol === "file:"
    ? fileURLToPath(path)
    : path.href;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CollectorConfigError([{ path: "", message: `cannot be read: ${why}` }], {
      file,
      cause: err,
    });
  }
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const why = text.trim() === "" ? "the file is empty" : err.message;
    throw new CollectorConfigError([{ path: "", message: `is not valid JSON: ${why}` }], {
      file,
      cause: err,
    });
  }
  return build(json, env, file);
}

/**
 * A copy of a configuration that is safe to print or serve. The configuration holds no secrets
 * by design (providers name the environment variable of their key, never the key), so this is a
 * deep copy, except that credentials and query values of a provider's `baseUrl` are replaced
 * by `***`, in case someone put a token there.
 *
 * @param config A validated configuration.
 * @returns A deep copy for display.
 *
 * @example
 * ```ts
 * import { parseCollectorConfig, redactedConfig } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const config = parseCollectorConfig({ providers: {
 *   providers: [{ name: "yahoo", requestsPerMinute: 60, baseUrl: "https://u:pw@proxy.test/?token=t" }],
 *   routing: { bars: ["yahoo"] } } });
 * const shown = redactedConfig(config);
 * assert.equal(shown.providers.providers[0]?.baseUrl, "https://***:***@proxy.test/?token=***");
 * assert.equal(shown.workers.count, config.workers.count);
 * assert.notEqual(shown.tiers, config.tiers);
 * ```
 */
export function redactedConfig(config: CollectorConfig): CollectorConfig {
  const copy = structuredClone(config);
  for (const p of copy.providers.providers) {
    if (p.baseUrl !== undefined) p.baseUrl = redactUrl(p.baseUrl);
  }
  return copy;
}

function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "***";
  }
  if (url.username !== "") url.username = "***";
  if (url.password !== "") url.password = "***";
  for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, "***");
  return url.href;
}
