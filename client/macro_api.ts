import {
  buildListMacro,
  buildMacroHistory,
  buildMacroLatest,
  buildTrackMacro,
  buildUntrackMacro,
  buildUpsertMacroObservations,
  type MacroObservation,
  type MacroSeries,
  type MacroSeriesMeta,
  parseCalendarDate,
  parseMacroKey,
  parseMacroObservation,
  parseMacroSeries,
  parseMacroVintage,
  ValidationError,
} from "@mds/sql";
import { readIn, type TenantContext } from "./_tenant_context.ts";
import type {
  MacroHistoryQuery,
  MacroLatest,
  MacroPoint,
  MacroSeriesRecord,
  MacroTracked,
  MacroUntrackOptions,
  MacroWriteResult,
} from "./macro_types.ts";

/** Most series one call names. */
const MAX_KEYS = 10_000;
/** Most observations one call writes. */
const MAX_OBSERVATIONS = 1_000_000;
/** Observations per statement of a write. */
const CHUNK = 10_000;

function refuse(field: string, value: unknown, reason: string): never {
  throw new ValidationError({ kind: "argument", field, value, reason });
}

function keysOf(value: unknown, field = "keys"): string[] {
  if (!Array.isArray(value) || value.length > MAX_KEYS) {
    refuse(field, value, `must be an array of at most ${MAX_KEYS} series ids`);
  }
  return [...new Set(value.map((k, i) => parseMacroKey(k, `${field}[${i}]`)))];
}

/**
 * The macro factors of one tenant: the economic series it tracks (FRED ids such as `DGS10` or
 * `CPIAUCSL`) and their observations with every vintage kept. A revised observation is stored
 * beside the first publication, as a row whose `realtime_start` is the day of the revision, so
 * a history can be read as first published, as latest revised, or as known on any day. Reach it
 * as `client.tenant(id).macro`.
 *
 * @example A revision, read three ways
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
 * await macro.track(["GDP"], { title: "Gross Domestic Product", units: "Billions of Dollars" });
 * await macro.upsertObservations([
 *   { key: "GDP", date: "2023-10-01", value: 27938.8, realtime_start: "2024-01-25" },
 *   { key: "GDP", date: "2023-10-01", value: 27956.0, realtime_start: "2024-02-28" },
 * ]);
 * const at = async (vintage: string) => (await macro.history("GDP", { vintage }))[0]?.value;
 * assert.deepEqual([await at("first"), await at("latest"), await at("2024-02-01")],
 *   [27938.8, 27956.0, 27938.8]);
 * assert.equal((await macro.latest())[0]?.value, 27956.0);
 * ```
 */
export class MacroApi {
  readonly #ctx: TenantContext;

  /**
   * Creates the macro API of one tenant; use `client.tenant(id).macro` instead.
   *
   * @param ctx How to run statements for the tenant.
   */
  constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Tracks series, or updates the metadata of those already tracked. `meta` applies to every
   * key; a field it leaves out keeps the stored value.
   *
   * @param keys Series ids, e.g. `["DGS10", "CPIAUCSL"]`; upper-cased.
   * @param meta Title, units, frequency and vendor. @default {{ vendor: "fred" }}
   * @returns The ids added and updated, and every series named as now stored.
   * @throws {ValidationError} Naming the field of the first invalid id or metadata.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * assert.deepEqual((await macro.track(["dgs10", "CPIAUCSL"])).added, ["CPIAUCSL", "DGS10"]);
   * const again = await macro.track(["DGS10"], { units: "Percent" });
   * assert.deepEqual([again.added, again.updated, again.series[0]?.units], [[], ["DGS10"], "Percent"]);
   * ```
   */
  async track(keys: readonly string[], meta: MacroSeriesMeta = {}): Promise<MacroTracked> {
    const ids = keysOf(keys);
    const series: MacroSeries[] = ids.map((k) => parseMacroSeries(k, meta));
    if (series.length === 0) return { added: [], updated: [], series: [] };
    return await this.#ctx.run(async (tx) => {
      const q = buildTrackMacro(series);
      const written = await tx.query<{ key: string; created: boolean }>(q.text, q.params);
      const list = buildListMacro(ids);
      return {
        added: written.filter((r) => r.created).map((r) => r.key).sort(),
        updated: written.filter((r) => !r.created).map((r) => r.key).sort(),
        series: await tx.query<MacroSeriesRecord>(list.text, list.params),
      };
    });
  }

  /**
   * Stops tracking series. Their observations stay unless `purge` is set.
   *
   * @param keys Series ids.
   * @param options Whether to delete the observations too.
   * @returns The ids untracked, sorted; ids not tracked are left out.
   * @throws {ValidationError} When an id is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * await macro.track(["DGS10"]);
   * assert.deepEqual(await macro.untrack(["DGS10", "GDP"]), ["DGS10"]);
   * ```
   */
  async untrack(keys: readonly string[], options: MacroUntrackOptions = {}): Promise<string[]> {
    const purge = options.purge ?? false;
    if (typeof purge !== "boolean") refuse("purge", purge, "must be true or false");
    const q = buildUntrackMacro(keysOf(keys), purge);
    const rows = await this.#ctx.run((tx) => tx.query<{ key: string }>(q.text, q.params));
    return rows.map((r) => r.key).sort();
  }

  /**
   * The tracked series by id, with how many observations each has stored and its newest date.
   *
   * @param keys Only these ids. @default {every tracked series}
   * @returns The series.
   * @throws {ValidationError} When an id is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * await macro.track(["DGS10"]);
   * await macro.upsertObservations([{ key: "DGS10", date: "2024-01-02", value: 3.95,
   *   realtime_start: "2024-01-03" }]);
   * const [s] = await macro.list();
   * assert.deepEqual([s?.key, s?.observations, s?.last_date], ["DGS10", 1, "2024-01-02"]);
   * ```
   */
  async list(keys?: readonly string[]): Promise<MacroSeriesRecord[]> {
    const q = buildListMacro(keys === undefined ? null : keysOf(keys));
    return await readIn(this.#ctx, (db) => db.query<MacroSeriesRecord>(q.text, q.params));
  }

  /**
   * Writes observations, each with its vintage (`realtime_start`), in one transaction. A row
   * already stored for the same series, date and vintage with the same value writes nothing; a
   * new vintage of a date is a new row beside the earlier ones. The series need not be tracked.
   * Invalid input fails the whole call before anything is written; a row given twice keeps its
   * last value.
   *
   * @param rows Observations: `{ key, date, value, realtime_start }`, `value` `null` for missing.
   * @returns Rows inserted, updated (same vintage, new value) and unchanged.
   * @throws {ValidationError} Naming the row index and field of the first invalid row.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * const rows = [{ key: "DGS10", date: "2024-01-01", value: null, realtime_start: "2024-01-02" }];
   * assert.deepEqual(await macro.upsertObservations(rows), { inserted: 1, updated: 0, unchanged: 0 });
   * assert.deepEqual(await macro.upsertObservations(rows), { inserted: 0, updated: 0, unchanged: 1 });
   * ```
   */
  async upsertObservations(rows: readonly MacroObservation[]): Promise<MacroWriteResult> {
    if (!Array.isArray(rows) || rows.length > MAX_OBSERVATIONS) {
      refuse("rows", rows, `must be an array of at most ${MAX_OBSERVATIONS} observations`);
    }
    const byKey = new Map<string, MacroObservation>();
    rows.forEach((input, i) => {
      const o = parseMacroObservation(input, i);
      byKey.set(`${o.key}|${o.date}|${o.realtime_start}`, o);
    });
    const unique = [...byKey.values()];
    const result: MacroWriteResult = { inserted: 0, updated: 0, unchanged: 0 };
    if (unique.length === 0) return result;
    return await this.#ctx.run(async (tx) => {
      for (let i = 0; i < unique.length; i += CHUNK) {
        const chunk = unique.slice(i, i + CHUNK);
        const q = buildUpsertMacroObservations(chunk);
        const [r] = await tx.query<{ inserted: number; updated: number }>(q.text, q.params);
        const inserted = r?.inserted ?? 0, updated = r?.updated ?? 0;
        result.inserted += inserted;
        result.updated += updated;
        result.unchanged += chunk.length - inserted - updated;
      }
      return result;
    });
  }

  /**
   * The latest value of each tracked series: its newest date that has a value in the latest
   * vintage (a date published as missing, FRED's `.`, is passed over), with that vintage.
   *
   * @param keys Only these ids. @default {every tracked series}
   * @returns One entry per tracked series, by id; `date`, `value` and `realtime_start` are
   * `null` for a series without a value yet.
   * @throws {ValidationError} When an id is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * await macro.track(["DGS10", "GDP"]);
   * await macro.upsertObservations([
   *   { key: "DGS10", date: "2024-01-02", value: 3.95, realtime_start: "2024-01-03" },
   *   { key: "DGS10", date: "2024-01-15", value: null, realtime_start: "2024-01-16" },
   * ]);
   * assert.deepEqual((await macro.latest()).map((l) => [l.key, l.date, l.value]),
   *   [["DGS10", "2024-01-02", 3.95], ["GDP", null, null]]);
   * ```
   */
  async latest(keys?: readonly string[]): Promise<MacroLatest[]> {
    const q = buildMacroLatest(keys === undefined ? null : keysOf(keys));
    return await readIn(this.#ctx, (db) => db.query<MacroLatest>(q.text, q.params));
  }

  /**
   * One series over a window of dates, one point per date, oldest first, in the vintage asked
   * for: `latest` (each date's newest revision), `first` (as first published), or a day
   * `YYYY-MM-DD` (as known on that day; dates not yet published then are left out).
   *
   * @param key Series id.
   * @param query Window (`start`, `end`, both inclusive) and vintage.
   * @returns The points.
   * @throws {ValidationError} When the id, a date or the vintage is invalid, or `start` is after
   * `end`.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const macro = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").macro;
   * await macro.upsertObservations([
   *   { key: "GDP", date: "2023-07-01", value: 27623.5, realtime_start: "2023-10-26" },
   *   { key: "GDP", date: "2023-10-01", value: 27938.8, realtime_start: "2024-01-25" },
   * ]);
   * const h = await macro.history("GDP", { vintage: "2023-12-31" });
   * assert.deepEqual(h, [{ date: "2023-07-01", value: 27623.5, realtime_start: "2023-10-26" }]);
   * ```
   */
  async history(key: string, query: MacroHistoryQuery = {}): Promise<MacroPoint[]> {
    const id = parseMacroKey(key);
    const start = query.start === undefined ? null : parseCalendarDate(query.start, "start");
    const end = query.end === undefined ? null : parseCalendarDate(query.end, "end");
    if (start !== null && end !== null && start > end) {
      refuse("start", start, `must not be after "end" (${end})`);
    }
    const vintage = parseMacroVintage(query.vintage);
    const q = buildMacroHistory({ key: id, start, end, vintage });
    return await readIn(this.#ctx, (db) => db.query<MacroPoint>(q.text, q.params));
  }
}
