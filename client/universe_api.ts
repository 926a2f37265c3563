import {
  BACKFILL_TIERS,
  type BackfillTier,
  buildListUniverse,
  buildRecordUnfillable,
  buildRemoveUniverse,
  buildSeriesCursors,
  buildUnfillableRanges,
  buildUniverseLock,
  buildUniverseTierCounts,
  buildUpsertUniverse,
  isBackfillTier,
  isTimeframe,
  normalizeSymbol,
  normalizeVendor,
  parseInstant,
  parseUniverseEntry,
  type Timeframe,
  TIMEFRAMES,
  type UniverseEntry,
  ValidationError,
} from "@mds/sql";
import { readIn, type TenantContext } from "./_tenant_context.ts";
import { ConfigError } from "./errors.ts";
import { wholeNumber } from "./_whole_number.ts";
import {
  type SeriesCursor,
  type UnfillableInput,
  type UnfillableQuery,
  type UnfillableRecord,
  type UniverseAdded,
  type UniverseAddOptions,
  UniverseFullError,
  type UniverseListQuery,
  type UniverseRecord,
} from "./universe_types.ts";

const MAX_BATCH = 100_000;

function refuse(field: string, value: unknown, reason: string): never {
  throw new ValidationError({ kind: "argument", field, value, reason });
}

function tierOf(value: unknown, field = "tier"): BackfillTier {
  if (!isBackfillTier(value)) refuse(field, value, `must be one of ${BACKFILL_TIERS.join(", ")}`);
  return value;
}

function timeframeOf(value: unknown, field = "timeframe"): Timeframe {
  if (!isTimeframe(value)) refuse(field, value, `is not a timeframe: ${TIMEFRAMES.join(", ")}`);
  return value;
}

function symbolsOf(value: unknown, field = "symbols"): string[] {
  if (!Array.isArray(value) || value.length > MAX_BATCH) {
    refuse(field, value, `must be an array of at most ${MAX_BATCH} tickers`);
  }
  return [...new Set(value.map((s, i) => normalizeSymbol(s, `${field}[${i}]`)))];
}

/**
 * The symbol universe of one tenant, what its collector keeps whole: symbols in tiers T0, T1,
 * T2 with their timeframes, a preferred provider and where their history begins; plus the
 * collector's bookkeeping: the newest bar of each series and the ranges no provider has data
 * for. Reach it as {@linkcode TenantApi.universe}.
 *
 * @example Adding, listing, removing
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const universe = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").universe;
 * await universe.add([{ symbol: "AAPL", tier: "T0", timeframes: ["1m", "1d"] }, { symbol: "MSFT" }]);
 * const listed = await universe.list();
 * assert.deepEqual(listed.map((e) => [e.symbol, e.tier, e.timeframes]),
 *   [["AAPL", "T0", ["1m", "1d"]], ["MSFT", "T1", ["1d"]]]);
 * assert.deepEqual(await universe.remove(["MSFT", "IBM"]), ["MSFT"]);
 * ```
 */
export class UniverseApi {
  readonly #ctx: TenantContext;

  /**
   * Creates the universe API of one tenant; use {@linkcode TenantApi.universe} instead.
   *
   * @param ctx How to run statements for the tenant.
   */
  constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Adds symbols, or replaces the settings (tier, timeframes, provider, start, calendar, active)
   * of those already in the universe, in one transaction. With `maxPerTier`, a change that
   * would take a tier past its maximum writes nothing and throws; the count and the write hold a
   * per-tenant lock, so concurrent adds cannot overshoot.
   *
   * @param entries The symbols; a symbol given twice keeps its last entry.
   * @param options The maximum per tier.
   * @returns Which symbols were added and which updated, and the rows written.
   * @throws {ValidationError} Naming the entry index and field of the first invalid entry.
   * @throws {UniverseFullError} When a tier would exceed its maximum.
   *
   * @example A tier's maximum
   * ```ts
   * import { createClient, UniverseFullError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const universe = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").universe;
   * const caps = { maxPerTier: { T0: 2 } };
   * const first = await universe.add([{ symbol: "AAPL", tier: "T0" }, { symbol: "MSFT", tier: "T0" }], caps);
   * assert.deepEqual(first.added, ["AAPL", "MSFT"]);
   * await assert.rejects(universe.add([{ symbol: "NVDA", tier: "T0" }], caps), UniverseFullError);
   * // replacing a symbol already in the tier is no growth
   * assert.deepEqual((await universe.add([{ symbol: "AAPL", tier: "T0", timeframes: "1m" }], caps)).updated,
   *   ["AAPL"]);
   * ```
   */
  async add(
    entries: readonly unknown[],
    options: UniverseAddOptions = {},
  ): Promise<UniverseAdded> {
    if (!Array.isArray(entries) || entries.length > MAX_BATCH) {
      refuse("entries", entries, `must be an array of at most ${MAX_BATCH} entries`);
    }
    const bySymbol = new Map<string, UniverseEntry>();
    entries.forEach((input, i) => {
      const e = parseUniverseEntry(input, i);
      bySymbol.delete(e.symbol);
      bySymbol.set(e.symbol, e);
    });
    const rows = [...bySymbol.values()];
    const caps = new Map<BackfillTier, number>();
    for (const [tier, max] of Object.entries(options?.maxPerTier ?? {})) {
      if (max === undefined) continue;
      caps.set(
        tierOf(tier, `maxPerTier.${tier}`),
        wholeNumber(`maxPerTier.${tier}`, max, 0, 10_000_000),
      );
    }
    if (rows.length === 0) return { added: [], updated: [], entries: [] };
    return await this.#ctx.run(async (tx) => {
      if (caps.size > 0) {
        const lock = buildUniverseLock();
        await tx.query(lock.text, lock.params);
        const counts = buildUniverseTierCounts(rows.map((r) => r.symbol));
        const current = new Map(
          (await tx.query<{ tier: BackfillTier; n: number }>(counts.text, counts.params))
            .map((r) => [r.tier, r.n]),
        );
        for (const [tier, max] of caps) {
          const adding = rows.filter((r) => r.tier === tier).length;
          const now = current.get(tier) ?? 0;
          if (adding > 0 && now + adding > max) throw new UniverseFullError(tier, now, adding, max);
        }
      }
      const q = buildUpsertUniverse(rows);
      const written = await tx.query<UniverseRecord & { created: boolean }>(q.text, q.params);
      written.sort((a, b) => a.tier.localeCompare(b.tier) || a.symbol.localeCompare(b.symbol));
      return {
        added: written.filter((r) => r.created).map((r) => r.symbol),
        updated: written.filter((r) => !r.created).map((r) => r.symbol),
        entries: written.map(({ created: _, ...r }) => r),
      };
    });
  }

  /**
   * The universe, by tier then symbol.
   *
   * @param query Tier, active flag and symbols.
   * @returns The symbols with their settings.
   * @throws {ValidationError} When the query is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const universe = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").universe;
   * await universe.add([{ symbol: "AAPL", tier: "T0" }, { symbol: "IBM", tier: "T2", active: false }]);
   * assert.deepEqual((await universe.list({ active: true })).map((e) => e.symbol), ["AAPL"]);
   * assert.deepEqual((await universe.list({ tier: "T2" })).map((e) => e.symbol), ["IBM"]);
   * ```
   */
  async list(query: UniverseListQuery = {}): Promise<UniverseRecord[]> {
    const active = query.active ?? null;
    if (active !== null && typeof active !== "boolean") {
      throw new ConfigError("active", active, "must be true or false");
    }
    const q = buildListUniverse({
      tier: query.tier === undefined ? null : tierOf(query.tier),
      active,
      symbols: query.symbols === undefined ? null : symbolsOf(query.symbols),
    });
    return await readIn(this.#ctx, (db) => db.query<UniverseRecord>(q.text, q.params));
  }

  /**
   * Removes symbols from the universe; their bars stay in the store.
   *
   * @param symbols Tickers.
   * @returns The tickers removed, sorted; those not in the universe are left out.
   * @throws {ValidationError} When a ticker is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const universe = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").universe;
   * await universe.add([{ symbol: "AAPL" }]);
   * assert.deepEqual(await universe.remove(["aapl"]), ["AAPL"]);
   * ```
   */
  async remove(symbols: readonly string[]): Promise<string[]> {
    const q = buildRemoveUniverse(symbolsOf(symbols));
    const rows = await this.#ctx.run((tx) => tx.query<{ symbol: string }>(q.text, q.params));
    return rows.map((r) => r.symbol).sort();
  }

  /**
   * The newest bar stored per series (symbol and timeframe), over every vendor: where the
   * collector resumes. Read from the ingestion cursors that bar writes keep current.
   *
   * @param query Only the series of these tickers. @default {every series}
   * @returns One cursor per series that has bars.
   * @throws {ValidationError} When a ticker is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const api = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * await api.upsertBars([{ ts: "2024-01-02T00:00:00Z", vendor: "yahoo", symbol: "AAPL",
   *   timeframe: "1d", open: 187, high: 188, low: 183, close: 185 }]);
   * const [c] = await api.universe.seriesCursors();
   * assert.deepEqual([c?.symbol, c?.timeframe, c?.last_ts.toISOString()],
   *   ["AAPL", "1d", "2024-01-02T00:00:00.000Z"]);
   * ```
   */
  async seriesCursors(
    query: { symbols?: readonly string[] | undefined } = {},
  ): Promise<SeriesCursor[]> {
    const q = buildSeriesCursors(query.symbols === undefined ? null : symbolsOf(query.symbols));
    return await readIn(this.#ctx, (db) => db.query<SeriesCursor>(q.text, q.params));
  }

  /**
   * Records a range of one series that no provider has data for (a halted or delisted symbol, a
   * vendor's hole), so that gap repair does not request it again before `retryAfter` and gap
   * reports show it as unfillable. Recording the same range again refreshes it.
   *
   * @param range Series, range, reason, providers and when to try again.
   * @throws {ValidationError} When a field is invalid.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const universe = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").universe;
   * await universe.markUnfillable({ symbol: "XYZ", timeframe: "1d", start: "2024-01-02T00:00:00Z",
   *   end: "2024-01-05T00:00:00Z", reason: "every provider answered no data",
   *   providers: ["yahoo"], retryAfter: "2024-01-06T00:00:00Z" });
   * const [r] = await universe.unfillable({ symbol: "XYZ" });
   * assert.deepEqual([r?.reason, r?.providers], ["every provider answered no data", ["yahoo"]]);
   * ```
   */
  async markUnfillable(range: UnfillableInput): Promise<void> {
    if (range === null || typeof range !== "object") refuse("", range, "expected an object");
    const start = parseInstant(range.start, "start");
    const end = parseInstant(range.end, "end");
    if (end.getTime() <= start.getTime()) refuse("end", range.end, "must be after start");
    if (typeof range.reason !== "string" || range.reason.trim() === "") {
      refuse("reason", range.reason, "must be a non-empty text");
    }
    const providers = range.providers ?? [];
    if (!Array.isArray(providers)) refuse("providers", providers, "must be an array");
    const q = buildRecordUnfillable({
      symbol: normalizeSymbol(range.symbol, "symbol"),
      timeframe: timeframeOf(range.timeframe),
      start,
      end,
      reason: range.reason.slice(0, 2_000).replaceAll("\u0000", "\uFFFD"),
      providers: providers.map((p, i) => normalizeVendor(p, `providers[${i}]`)),
      retry_after: parseInstant(range.retryAfter, "retryAfter"),
    });
    await this.#ctx.run((tx) => tx.query(q.text, q.params));
  }

  /**
   * The recorded unfillable ranges, by symbol, timeframe and start.
   *
   * @param query Symbol, timeframe and a window the ranges overlap.
   * @returns The ranges.
   * @throws {ValidationError} When the query is invalid.
   */
  async unfillable(query: UnfillableQuery = {}): Promise<UnfillableRecord[]> {
    const q = buildUnfillableRanges(
      query.symbol === undefined ? null : normalizeSymbol(query.symbol, "symbol"),
      query.timeframe === undefined ? null : timeframeOf(query.timeframe),
      query.start === undefined ? null : parseInstant(query.start, "start"),
      query.end === undefined ? null : parseInstant(query.end, "end"),
    );
    return await readIn(this.#ctx, (db) => db.query<UnfillableRecord>(q.text, q.params));
  }
}

/**
 * The recorded unfillable range that covers a gap entirely, if any: such a gap is known to have
 * no data rather than missing.
 *
 * @param gap The gap's `[start, end)`.
 * @param ranges The series' unfillable ranges.
 * @returns The covering range, or `undefined`.
 *
 * @example
 * ```ts
 * import { unfillableCover } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const range = { symbol: "XYZ", timeframe: "1d" as const, start: new Date("2024-01-01"),
 *   end: new Date("2024-01-10"), reason: "halted", providers: [], recorded_at: new Date(),
 *   retry_after: new Date() };
 * const gap = { start: new Date("2024-01-02"), end: new Date("2024-01-04") };
 * assert.equal(unfillableCover(gap, [range]), range);
 * ```
 */
export function unfillableCover<R extends { start: Date; end: Date }>(
  gap: { start: Date; end: Date },
  ranges: readonly R[],
): R | undefined {
  return ranges.find((r) =>
    r.start.getTime() <= gap.start.getTime() && r.end.getTime() >= gap.end.getTime()
  );
}
