// Canonical SQL of the version history (migration 0013): the instants as-of reads can answer,
// the corrections report and pruning. The as-of reads themselves are in read_queries.ts.
import type { SchemaMode } from "./migration.ts";
import type { SqlQuery } from "./upsert.ts";

/** The kinds of rows whose versions are kept. */
export const HISTORY_KINDS = ["bars", "fundamentals", "options"] as const;
/** One of {@linkcode HISTORY_KINDS}. */
export type HistoryKind = typeof HISTORY_KINDS[number];

/**
 * Whether a value is one of {@linkcode HISTORY_KINDS}.
 *
 * @param value Any value.
 * @returns `true` for `bars`, `fundamentals` and `options`.
 *
 * @example
 * ```ts
 * import { isHistoryKind } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([isHistoryKind("bars"), isHistoryKind("news")], [true, false]);
 * ```
 */
export function isHistoryKind(value: unknown): value is HistoryKind {
  return (HISTORY_KINDS as readonly unknown[]).includes(value);
}

interface KindSql {
  readonly view: string;
  readonly base: string;
  readonly key: readonly string[];
  readonly values: readonly string[];
}

const KINDS: Readonly<Record<HistoryKind, KindSql>> = {
  bars: {
    view: "mds.bars",
    base: "mds_core.bars",
    key: ["ts", "vendor", "symbol", "timeframe"],
    values: ["open", "high", "low", "close", "volume", "vwap", "trade_count"],
  },
  fundamentals: {
    view: "mds.fundamentals",
    base: "mds_core.fundamentals",
    key: ["asof", "vendor", "symbol"],
    values: [
      "market_cap",
      "pe_ratio",
      "eps",
      "revenue",
      "net_income",
      "shares_outstanding",
      "dividend_yield",
      "extra",
      "total_assets",
      "total_liabilities",
    ],
  },
  options: {
    view: "mds.option_snapshots",
    base: "mds_core.option_snapshots",
    key: ["ts", "vendor", "symbol", "expiry", "option_type", "strike"],
    values: [
      "bid",
      "ask",
      "last",
      "volume",
      "open_interest",
      "implied_volatility",
      "delta",
      "gamma",
      "theta",
      "vega",
      "underlying_price",
      "computed",
    ],
  },
};

/**
 * The key and value columns of a kind's versions, as the corrections report names them.
 *
 * @param kind Bars, fundamentals or options.
 * @returns The key columns (without the tenant) and the value columns.
 *
 * @example
 * ```ts
 * import { historyColumns } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(historyColumns("fundamentals").key, ["asof", "vendor", "symbol"]);
 * ```
 */
export function historyColumns(
  kind: HistoryKind,
): { readonly key: readonly string[]; readonly values: readonly string[] } {
  return { key: KINDS[kind].key, values: KINDS[kind].values };
}

/**
 * The instants the history can answer for: when it began (migration 0013 ran), its horizon (the
 * later of the last prune and the retention policy's reach, or `null`) and the server's time.
 *
 * @returns The statement; one row `{ began_at, horizon, now }`, no parameters.
 *
 * @example
 * ```ts
 * import { buildHistoryRange } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildHistoryRange().text, /FROM mds\.history_range/);
 * ```
 */
export function buildHistoryRange(): SqlQuery {
  return {
    text: "SELECT began_at, horizon, now() AS now FROM mds.history_range",
    params: [],
  };
}

/** Which corrections {@linkcode buildCorrections} reads; every value already validated. */
export interface CorrectionsFilter {
  /** Normalised ticker. */
  readonly symbol: string;
  /** Only versions replaced at or after this instant. */
  readonly since: Date;
  /** Most corrections. */
  readonly limit: number;
}

/**
 * The corrections of one kind for a ticker, oldest first: each replaced version with the one
 * that replaced it (the next revision of the same row, in the history or current), both as JSON
 * objects of their value columns.
 *
 * @param kind Bars, fundamentals or options.
 * @param filter Ticker, since and limit.
 * @returns The statement; parameters: symbol, since, limit. Rows: the key columns,
 * `recorded_at`, `superseded_at`, `superseded_us` (the same instant in microseconds since the
 * epoch: a `Date` keeps milliseconds, too coarse to order two writes a moment apart),
 * `revision` (of the old version), `old` and `new`.
 *
 * @example
 * ```ts
 * import { buildCorrections } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildCorrections("bars", { symbol: "AAPL", since: new Date(0), limit: 10 });
 * assert.match(q.text, /FROM mds\.bars_history h/);
 * assert.equal(q.params.length, 3);
 * ```
 */
export function buildCorrections(kind: HistoryKind, filter: CorrectionsFilter): SqlQuery {
  const k = KINDS[kind];
  const json = (alias: string) =>
    `jsonb_build_object(${k.values.map((c) => `'${c}', ${alias}.${c}`).join(", ")})`;
  const sameKey = (alias: string) => k.key.map((c) => `${alias}.${c} = h.${c}`).join(" AND ");
  return {
    text: `SELECT ${k.key.map((c) => `h.${c}`).join(", ")}, h.recorded_at, h.superseded_at,
            (extract(epoch FROM h.superseded_at) * 1000000)::int8 AS superseded_us,
            h.revision, ${json("h")} AS old, n.new
     FROM ${k.view}_history h
     CROSS JOIN LATERAL (
       SELECT new FROM (
         SELECT ${json("x")} AS new, 0 AS o FROM ${k.view}_history x
         WHERE ${sameKey("x")} AND x.revision = h.revision + 1
         UNION ALL
         SELECT ${json("c")}, 1 FROM ${k.view} c WHERE ${sameKey("c")}
       ) candidates ORDER BY o LIMIT 1
     ) n
     WHERE h.symbol = $1 AND h.superseded_at >= $2::timestamptz
     ORDER BY h.superseded_at, ${k.key.map((c) => `h.${c}`).join(", ")}
     LIMIT $3`,
    params: [filter.symbol, filter.since, filter.limit],
  };
}

/**
 * Deletes the versions replaced before an instant from every history table and records that
 * instant as the horizon, so as-of reads refuse earlier instants instead of answering wrongly.
 * With TimescaleDB it drops whole chunks of the history hypertables.
 *
 * @param mode The schema mode of the store.
 * @param before Versions replaced before this instant go.
 * @returns The statements to run in one transaction, in order; the first parameter of each is
 * `before`.
 *
 * @example
 * ```ts
 * import { buildPruneHistory } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const plain = buildPruneHistory("plain", new Date(0));
 * assert.match(plain[0]!.text, /DELETE FROM mds_core\.bars_history WHERE superseded_at < \$1/);
 * assert.match(buildPruneHistory("timescale", new Date(0))[0]!.text, /drop_chunks/);
 * ```
 */
export function buildPruneHistory(mode: SchemaMode, before: Date): SqlQuery[] {
  const statements = Object.values(KINDS).map((k): SqlQuery => ({
    text: mode === "timescale"
      ? `SELECT count(*)::int AS pruned FROM drop_chunks('${k.base}_history', older_than => $1::timestamptz)`
      : `WITH gone AS (DELETE FROM ${k.base}_history WHERE superseded_at < $1 RETURNING 1)
     SELECT count(*)::int AS pruned FROM gone`,
    params: [before],
  }));
  statements.push({
    text: `UPDATE mds_core.history_horizon
     SET pruned_before = greatest(pruned_before, $1::timestamptz) RETURNING pruned_before`,
    params: [before],
  });
  return statements;
}
