// Refreshing a tenant's macro factors from FRED: every tracked series (or the ones named), its
// metadata and its observations with every vintage, written idempotently.
import type { MacroApi } from "@mds/client";
import type { FredSource } from "@mds/providers";
import { MdsError } from "@mds/sql";

/** What one series' refresh did. */
export interface MacroSeriesRefresh {
  /** Series id. */
  key: string;
  /** Observations FRED answered, every vintage counted. */
  fetched: number;
  /** Rows written new. */
  inserted: number;
  /** Rows of a stored vintage whose value changed. */
  updated: number;
  /** Rows already stored as fetched: nothing written. */
  unchanged: number;
  /** Why it failed, when it did: the error's code and message. */
  error?: { code: string; message: string } | undefined;
}

/** What {@linkcode refreshMacro} did, in total and per series. */
export interface MacroRefresh {
  /** Series refreshed (failed ones included). */
  series: number;
  /** Series that failed. */
  failed: number;
  /** Observations fetched. */
  fetched: number;
  /** Rows written new. */
  inserted: number;
  /** Rows updated. */
  updated: number;
  /** Rows unchanged. */
  unchanged: number;
  /** Per series, by id. */
  results: MacroSeriesRefresh[];
}

/** Options of {@linkcode refreshMacro}. */
export interface RefreshMacroOptions {
  /** Only these series; they are tracked first if they are not. @default {every tracked series} */
  keys?: readonly string[] | undefined;
  /** Cancels the refresh between and during requests. */
  signal?: AbortSignal | undefined;
}

/**
 * Fetches series from FRED into a tenant's store: for each, its metadata (title, units,
 * frequency, stored on the tracked series) and every vintage of its observations, written with
 * {@linkcode MacroApi.upsertObservations} (a vintage already stored writes nothing). Series run
 * one after another; one that fails is reported with its error code and the others go on.
 *
 * @param macro The tenant's macro API (`client.tenant(id).macro`).
 * @param fred The FRED adapter.
 * @param options Which series, and a signal.
 * @returns Counts in total and per series.
 * @throws {ValidationError} When a named key is invalid.
 *
 * @example
 * ```ts
 * import { createClient } from "@mds/client";
 * import { createFredSource } from "@mds/providers";
 * import { refreshMacro } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
 * const fred = createFredSource({ apiKey: "k", fetch: (url) => Promise.resolve(Response.json(
 *   String(url).includes("/observations")
 *     ? { count: 1, observations: [{ realtime_start: "2024-01-03", realtime_end: "9999-12-31",
 *       date: "2024-01-02", value: "3.95" }] }
 *     : { seriess: [{ id: "DGS10", title: "10-Year", units: "Percent", frequency: "Daily" }] },
 * )) });
 * const r = await refreshMacro(macro, fred, { keys: ["DGS10"] });
 * assert.deepEqual([r.series, r.inserted], [1, 1]);
 * assert.equal((await refreshMacro(macro, fred)).unchanged, 1);
 * ```
 */
export async function refreshMacro(
  macro: MacroApi,
  fred: FredSource,
  options: RefreshMacroOptions = {},
): Promise<MacroRefresh> {
  let keys: string[];
  if (options.keys !== undefined && options.keys.length > 0) {
    keys = (await macro.track(options.keys, { vendor: fred.name })).series.map((s) => s.key);
  } else keys = (await macro.list()).map((s) => s.key);
  const out: MacroRefresh = {
    series: keys.length,
    failed: 0,
    fetched: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    results: [],
  };
  for (const key of keys) {
    options.signal?.throwIfAborted();
    const r: MacroSeriesRefresh = { key, fetched: 0, inserted: 0, updated: 0, unchanged: 0 };
    try {
      const info = await fred.fetchSeries(key, { signal: options.signal });
      await macro.track([key], {
        title: info.title,
        units: info.units,
        frequency: info.frequency,
        vendor: fred.name,
      });
      const rows = await fred.fetchObservations(key, { signal: options.signal });
      r.fetched = rows.length;
      Object.assign(r, await macro.upsertObservations(rows));
    } catch (e) {
      if (options.signal?.aborted) throw e;
      r.error = {
        code: e instanceof MdsError
          ? (e as { providerCode?: string }).providerCode ?? e.code
          : "MDS_INTERNAL",
        message: e instanceof Error ? e.message : String(e),
      };
      out.failed++;
    }
    out.fetched += r.fetched;
    out.inserted += r.inserted;
    out.updated += r.updated;
    out.unchanged += r.unchanged;
    out.results.push(r);
  }
  return out;
}
