// Canonical SQL of the TimescaleDB operations: continuous-aggregate refreshes (serialised per
// aggregate by an advisory lock every caller shares), retention and columnstore policies, and the
// policy listing. Only these builders name the private schema's aggregates and hypertables.
import type { SqlQuery } from "./upsert.ts";

/** The continuous aggregates of 1m bars, in bucket order. */
export const AGGREGATES = ["bars_5m", "bars_1h", "bars_1d"] as const;
/** One of {@linkcode AGGREGATES}. */
export type Aggregate = typeof AGGREGATES[number];

/**
 * Whether `value` names a continuous aggregate.
 *
 * @param value Anything.
 * @returns True for `bars_5m`, `bars_1h` and `bars_1d`.
 *
 * @example
 * ```ts
 * import { isAggregate } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([isAggregate("bars_1h"), isAggregate("bars_2h")], [true, false]);
 * ```
 */
export function isAggregate(value: unknown): value is Aggregate {
  return (AGGREGATES as readonly unknown[]).includes(value);
}

/** Hypertables whose retention can be set. */
export const RETENTION_TABLES = ["bars", "option_snapshots"] as const;
/** One of {@linkcode RETENTION_TABLES}. */
export type RetentionTable = typeof RETENTION_TABLES[number];

/**
 * Whether `value` names a hypertable whose retention can be set.
 *
 * @param value Anything.
 * @returns True for `bars` and `option_snapshots`.
 *
 * @example
 * ```ts
 * import { isRetentionTable } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([isRetentionTable("bars"), isRetentionTable("news")], [true, false]);
 * ```
 */
export function isRetentionTable(value: unknown): value is RetentionTable {
  return (RETENTION_TABLES as readonly unknown[]).includes(value);
}

/**
 * The session-level advisory lock that serialises refreshes of one aggregate across every mds
 * process (CLI, admin server, collector): two manual refreshes of one aggregate never race.
 *
 * @param aggregate The aggregate.
 * @param wait `pg_advisory_lock` (waits) or `pg_try_advisory_lock` (answers `locked`).
 * @returns `SELECT pg_[try_]advisory_lock(...) AS locked`.
 *
 * @example
 * ```ts
 * import { buildRefreshLock } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildRefreshLock("bars_5m", false);
 * assert.deepEqual(q.params, ["mds:refresh:bars_5m"]);
 * assert.match(q.text, /pg_try_advisory_lock/);
 * ```
 */
export function buildRefreshLock(aggregate: Aggregate, wait: boolean): SqlQuery {
  const fn = wait ? "pg_advisory_lock" : "pg_try_advisory_lock";
  return {
    text: wait
      ? `SELECT ${fn}(hashtextextended($1, 0)) IS NULL AS locked`
      : `SELECT ${fn}(hashtextextended($1, 0)) AS locked`,
    params: [`mds:refresh:${aggregate}`],
  };
}

/**
 * Releases {@linkcode buildRefreshLock}'s lock.
 *
 * @param aggregate The aggregate.
 * @returns `SELECT pg_advisory_unlock(...)`.
 *
 * @example
 * ```ts
 * import { buildRefreshUnlock } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildRefreshUnlock("bars_1d").params, ["mds:refresh:bars_1d"]);
 * ```
 */
export function buildRefreshUnlock(aggregate: Aggregate): SqlQuery {
  return {
    text: "SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS unlocked",
    params: [`mds:refresh:${aggregate}`],
  };
}

/**
 * Refreshes an aggregate over `[start, end)`. TimescaleDB refuses it inside a transaction block:
 * run it on a session.
 *
 * @param aggregate The aggregate.
 * @param start Window start, ISO 8601.
 * @param end Window end, ISO 8601.
 * @returns The `CALL`.
 *
 * @example
 * ```ts
 * import { buildRefreshAggregate } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildRefreshAggregate("bars_1h", "2024-01-02T00:00:00.000Z", "2024-01-03T00:00:00.000Z");
 * assert.deepEqual(q.params[0], "mds_core.bars_1h");
 * ```
 */
export function buildRefreshAggregate(aggregate: Aggregate, start: string, end: string): SqlQuery {
  return {
    text: "CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)",
    params: [`mds_core.${aggregate}`, start, end],
  };
}

/** Where TimescaleDB keeps an aggregate's materialised rows. */
export interface MaterializationTable {
  /** Its schema. */
  schema: string;
  /** Its name. */
  name: string;
}

/**
 * Finds the hypertable that holds an aggregate's materialised buckets.
 *
 * @param aggregate The aggregate.
 * @returns One row `{ schema, name }` ({@linkcode MaterializationTable}), or none.
 *
 * @example
 * ```ts
 * import { buildMaterializationTable } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildMaterializationTable("bars_5m").params, ["bars_5m"]);
 * ```
 */
export function buildMaterializationTable(aggregate: Aggregate): SqlQuery {
  return {
    text:
      `SELECT materialization_hypertable_schema AS schema, materialization_hypertable_name AS name
         FROM timescaledb_information.continuous_aggregates
         WHERE view_schema = 'mds_core' AND view_name = $1`,
    params: [aggregate],
  };
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Counts, over `[start, end)` and for every tenant, the buckets an aggregate holds materialised
 * and the 1m bars they are built from: what a refresh of that window did, in numbers.
 *
 * @param table The aggregate's materialisation hypertable.
 * @param start Window start, ISO 8601.
 * @param end Window end, ISO 8601.
 * @returns One row `{ buckets, source_bars }`.
 *
 * @example
 * ```ts
 * import { buildMaterializedCount } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const table = { schema: "_timescaledb_internal", name: "_materialized_hypertable_6" };
 * const q = buildMaterializedCount(table, "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z");
 * assert.match(q.text, /FROM "_timescaledb_internal"\."_materialized_hypertable_6"/);
 * ```
 */
export function buildMaterializedCount(
  table: MaterializationTable,
  start: string,
  end: string,
): SqlQuery {
  return {
    text: `SELECT
           (SELECT count(*)::int FROM ${ident(table.schema)}.${ident(table.name)}
             WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz) AS buckets,
           (SELECT count(*)::int FROM mds_core.bars
             WHERE timeframe = '1m' AND ts >= $1::timestamptz AND ts < $2::timestamptz) AS source_bars`,
    params: [start, end],
  };
}

/**
 * Replaces the retention policy of a hypertable, in one transaction.
 *
 * @param table The hypertable.
 * @param days Rows older than this many days are dropped.
 * @returns The two statements; the second answers `job_id`.
 *
 * @example
 * ```ts
 * import { buildSetRetention } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const [remove, add] = buildSetRetention("bars", 400);
 * assert.deepEqual([remove.params, add.params], [["mds_core.bars"], ["mds_core.bars", 400]]);
 * ```
 */
export function buildSetRetention(table: RetentionTable, days: number): [SqlQuery, SqlQuery] {
  const target = `mds_core.${table}`;
  return [
    {
      text: "SELECT remove_retention_policy($1::regclass, if_exists => true)",
      params: [target],
    },
    {
      text:
        "SELECT add_retention_policy($1::regclass, drop_after => make_interval(days => $2::int)) AS job_id",
      params: [target, days],
    },
  ];
}

/**
 * Replaces the columnstore (compression) policy of the bars hypertable, in one transaction.
 *
 * @param days Chunks older than this many days move to the columnstore.
 * @returns The two statements.
 *
 * @example
 * ```ts
 * import { buildSetColumnstore } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildSetColumnstore(7)[1].params, ["mds_core.bars", 7]);
 * ```
 */
export function buildSetColumnstore(days: number): [SqlQuery, SqlQuery] {
  return [
    {
      text: "CALL remove_columnstore_policy($1::regclass, if_exists => true)",
      params: ["mds_core.bars"],
    },
    {
      text: "CALL add_columnstore_policy($1::regclass, after => make_interval(days => $2::int))",
      params: ["mds_core.bars", days],
    },
  ];
}

/**
 * The retention and columnstore policies of the store's hypertables.
 *
 * @returns Rows `{ table, policy, every, config }`, by table and policy.
 *
 * @example
 * ```ts
 * import { buildListPolicies } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildListPolicies().text, /timescaledb_information\.jobs/);
 * ```
 */
export function buildListPolicies(): SqlQuery {
  return {
    text:
      `SELECT hypertable_name AS "table", proc_name AS policy, schedule_interval::text AS every, config::text AS config
         FROM timescaledb_information.jobs WHERE hypertable_schema = 'mds_core' AND proc_name IN ('policy_retention', 'policy_compression')
         ORDER BY 1, 2`,
    params: [],
  };
}
