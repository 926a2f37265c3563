import {
  type MacroObservation,
  parseCalendarDate,
  parseMacroKey,
  quote,
  ValidationError,
} from "@mds/sql";
import { z } from "zod";
import { deadlineOf, parseBody, resolveAdapter } from "./_adapter.ts";
import { type JsonAnswer, requestJson } from "./_http.ts";
import { ProviderError } from "./errors.ts";
import type { AdapterOptions, CallOptions } from "./provider.ts";

/** FRED's API root (the St. Louis Fed). */
export const FRED_BASE_URL = "https://api.stlouisfed.org";

/** The environment variables of FRED, by setting. */
export const FRED_ENV_VARS = {
  /** FRED's API key; a secret: never log it. */
  apiKey: "FRED_API_KEY",
  /** Base URL of FRED's API, without `/fred`. */
  baseUrl: "MDS_FRED_BASE_URL",
} as const;

/**
 * FRED's documented real-time period that asks for every vintage of every observation: from
 * 1776-07-04 to 9999-12-31.
 */
export const FRED_ALL_VINTAGES: { readonly start: string; readonly end: string } = {
  start: "1776-07-04",
  end: "9999-12-31",
};

/** Observations per page FRED answers at most (its `limit` maximum). */
export const FRED_PAGE_LIMIT = 100_000;

/** The metadata of one FRED series. */
export interface FredSeriesInfo {
  /** Series id, e.g. `DGS10`. */
  key: string;
  /** Title. */
  title: string;
  /** Units, e.g. `Percent`. */
  units: string;
  /** Frequency, e.g. `Daily`. */
  frequency: string;
}

/** Options of {@linkcode FredSource.fetchObservations}. */
export interface FredObservationsOptions extends CallOptions {
  /** First observation date, `YYYY-MM-DD` (`observation_start`). @default {the series' first} */
  start?: string | undefined;
}

/** A FRED client: series metadata and observations with every vintage. */
export interface FredSource {
  /** The vendor name stored with the series, `fred`. */
  readonly name: string;
  /**
   * Reads `GET /fred/series`: the series' title, units and frequency.
   *
   * @param key Series id.
   * @param options Signal and deadline.
   * @returns The metadata.
   */
  fetchSeries(key: string, options?: CallOptions): Promise<FredSeriesInfo>;
  /**
   * Reads `GET /fred/series/observations` over the real-time period of every vintage
   * ({@linkcode FRED_ALL_VINTAGES}), page by page: one row per observation date and vintage,
   * `value` `null` where FRED answers `.` (missing).
   *
   * @param key Series id.
   * @param options First date, signal and deadline (for the whole read).
   * @returns The observations, each with its vintage `realtime_start`.
   */
  fetchObservations(key: string, options?: FredObservationsOptions): Promise<MacroObservation[]>;
}

/** Options of {@linkcode createFredSource}. */
export interface FredOptions extends Omit<AdapterOptions, "futureToleranceMs"> {
  /** The API key, sent as the `api_key` parameter; never logged or quoted in errors. */
  apiKey: string;
}

const errorBody = z.object({ error_code: z.number().optional(), error_message: z.string() });
const seriesBody = z.object({
  seriess: z.array(z.object({
    id: z.string(),
    title: z.string(),
    units: z.string(),
    frequency: z.string(),
  })).min(1),
});
const observationsBody = z.object({
  count: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative().optional(),
  observations: z.array(z.object({
    realtime_start: z.string(),
    realtime_end: z.string(),
    date: z.string(),
    value: z.string(),
  })),
});

/** Most pages one read follows: 100 pages of 100,000 observations. */
const MAX_PAGES = 100;

/**
 * A FRED adapter (Federal Reserve Economic Data): series metadata from `/fred/series`,
 * observations from `/fred/series/observations` with every vintage (real-time period
 * 1776-07-04 to 9999-12-31, FRED's documented way to ask for all of them), `file_type=json`.
 * Each observation row of FRED is one value valid over `[realtime_start, realtime_end]`; the
 * row's `realtime_start` is the vintage stored. FRED's `.` (no value) becomes `null`.
 *
 * Errors map to the provider codes: 401/403 and a 400 naming `api_key` are `PROVIDER_AUTH`; 429
 * is `PROVIDER_RATE_LIMITED` (FRED allows 120 requests a minute per key); another 400 (e.g. an
 * unknown series, "The series does not exist.") is `PROVIDER_BAD_REQUEST`, 404
 * `PROVIDER_NO_DATA`; 5xx, 408 and unreachable are `PROVIDER_UNAVAILABLE`; a body that is not
 * FRED's format is `PROVIDER_BAD_RESPONSE` naming the field.
 *
 * @param options API key, base URL, `fetch`, clock, default timeout, limiter and observer.
 * @returns The adapter.
 * @throws {TypeError} When the key is missing or `baseUrl` is not an http(s) URL.
 * @throws {RangeError} When `timeoutMs` is out of range.
 *
 * @example Observations of a stand-in for FRED
 * ```ts
 * import { createFredSource } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const fred = createFredSource({ apiKey: "demo-key", fetch: (url) => {
 *   assert.equal(new URL(String(url)).searchParams.get("realtime_start"), "1776-07-04");
 *   return Promise.resolve(Response.json({ count: 2, offset: 0, limit: 100000, observations: [
 *     { realtime_start: "2024-01-03", realtime_end: "9999-12-31", date: "2024-01-02", value: "3.95" },
 *     { realtime_start: "2024-01-16", realtime_end: "9999-12-31", date: "2024-01-15", value: "." },
 *   ] }));
 * } });
 * const rows = await fred.fetchObservations("dgs10");
 * assert.deepEqual(rows.map((r) => [r.key, r.date, r.value]),
 *   [["DGS10", "2024-01-02", 3.95], ["DGS10", "2024-01-15", null]]);
 * ```
 */
export function createFredSource(options: FredOptions): FredSource {
  if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
    throw new TypeError('Cannot create the FRED adapter: "apiKey" is missing');
  }
  const apiKey = options.apiKey.trim();
  const adapter = resolveAdapter("fred", "FRED", options, options.baseUrl ?? FRED_BASE_URL);
  const url = (path: string, params: Record<string, string>) => {
    const u = new URL(`${adapter.baseUrl}${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    u.searchParams.set("api_key", apiKey);
    u.searchParams.set("file_type", "json");
    return u;
  };
  const keyOf = (value: string): string => {
    try {
      return parseMacroKey(value);
    } catch (e) {
      if (e instanceof ValidationError) {
        throw new TypeError(`Invalid call: "key" is ${quote(value)}: ${e.reason}`);
      }
      throw e;
    }
  };
  /** Throws the provider error of a non-2xx answer; passes a 2xx one through. */
  const ok = (endpoint: string, answer: JsonAnswer): void => {
    if (answer.status >= 200 && answer.status < 300) return;
    const parsed = errorBody.safeParse(answer.body);
    const said = parsed.success ? parsed.data.error_message : "";
    const base = { provider: "fred", endpoint, status: answer.status };
    if (answer.status === 400 && /api_key/i.test(said)) {
      throw new ProviderError("PROVIDER_AUTH", `FRED refused the API key for "${endpoint}"`, base);
    }
    if (answer.status === 404) {
      throw new ProviderError("PROVIDER_NO_DATA", `FRED has no "${endpoint}" answer`, base);
    }
    throw new ProviderError(
      "PROVIDER_BAD_REQUEST",
      `FRED refused "${endpoint}" with ${answer.status}${said === "" ? "" : `: ${quote(said)}`}`,
      base,
    );
  };
  const bodyCtx = (endpoint: string, status: number) => ({
    provider: "fred",
    vendor: "FRED",
    endpoint,
    status,
  });

  return {
    name: "fred",
    async fetchSeries(key, call) {
      const id = keyOf(key);
      const endpoint = "series";
      const body = await requestJson(adapter.http, {
        endpoint,
        url: url("/fred/series", { series_id: id }),
        signal: call?.signal,
        deadline: deadlineOf(adapter, call),
      }, (answer) => {
        ok(endpoint, answer);
        return parseBody(seriesBody, answer.body, bodyCtx(endpoint, answer.status));
      });
      const s = body.seriess[0]!;
      return { key: id, title: s.title, units: s.units, frequency: s.frequency };
    },
    async fetchObservations(key, call) {
      const id = keyOf(key);
      const start = call?.start === undefined ? undefined : checkDate(call.start);
      const endpoint = "series/observations";
      const deadline = deadlineOf(adapter, call);
      const out: MacroObservation[] = [];
      for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
        const params: Record<string, string> = {
          series_id: id,
          realtime_start: FRED_ALL_VINTAGES.start,
          realtime_end: FRED_ALL_VINTAGES.end,
          limit: String(FRED_PAGE_LIMIT),
          offset: String(offset),
        };
        if (start !== undefined) params.observation_start = start;
        const body = await requestJson(adapter.http, {
          endpoint,
          url: url("/fred/series/observations", params),
          signal: call?.signal,
          deadline,
        }, (answer) => {
          ok(endpoint, answer);
          return parseBody(observationsBody, answer.body, bodyCtx(endpoint, answer.status));
        });
        body.observations.forEach((o, i) => {
          out.push(observation(id, o, `observations[${i}]`));
        });
        offset += body.observations.length;
        if (body.observations.length === 0 || offset >= body.count) return out;
      }
      throw new ProviderError(
        "PROVIDER_BAD_RESPONSE",
        `FRED "${endpoint}" of ${id} did not end within ${MAX_PAGES} pages`,
        { provider: "fred", endpoint, field: "count" },
      );
    },
  };
}

function checkDate(value: unknown): string {
  try {
    return parseCalendarDate(value, "start");
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new TypeError(`Invalid call: "start" is ${quote(value)}: ${e.reason}`);
    }
    throw e;
  }
}

/** One FRED observation row as stored; a malformed row fails the read naming its field. */
function observation(
  key: string,
  o: { realtime_start: string; date: string; value: string },
  path: string,
): MacroObservation {
  const bad = (field: string, value: unknown, why: string) =>
    new ProviderError(
      "PROVIDER_BAD_RESPONSE",
      `FRED sent an unexpected "series/observations" body: "${path}.${field}" is ${
        quote(value)
      }: ${why}`,
      { provider: "fred", endpoint: "series/observations", field: `${path}.${field}` },
    );
  let date: string, realtime: string;
  try {
    date = parseCalendarDate(o.date);
  } catch {
    throw bad("date", o.date, "expected a date");
  }
  try {
    realtime = parseCalendarDate(o.realtime_start);
  } catch {
    throw bad("realtime_start", o.realtime_start, "expected a date");
  }
  let value: number | null = null;
  if (o.value.trim() !== ".") {
    value = Number(o.value);
    if (o.value.trim() === "" || !Number.isFinite(value)) {
      throw bad("value", o.value, 'expected a number or "."');
    }
  }
  return { key, date, value, realtime_start: realtime };
}
