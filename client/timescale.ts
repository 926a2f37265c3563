import {
  type Aggregate,
  AGGREGATES,
  buildListPolicies,
  buildMaterializationTable,
  buildMaterializedCount,
  buildRefreshAggregate,
  buildRefreshLock,
  buildRefreshUnlock,
  buildSetColumnstore,
  buildSetRetention,
  isAggregate,
  isRetentionTable,
  type MaterializationTable,
  parseInstant,
  RETENTION_TABLES,
  type RetentionTable,
  type SchemaMode,
  type SqlQuery,
  ValidationError,
} from "@mds/sql";
import type { Backend, Queryable } from "./backend.ts";
import { MdsError, RequiresTimescaleError, TimeoutError } from "./errors.ts";
import { sleep } from "./_sleep.ts";

/** How a refresh waits for others of the same aggregate. */
export interface RefreshOptions {
  /** Window start (ISO 8601 (UTC without a zone), `Date` or epoch milliseconds). */
  start: string | Date | number;
  /** Window end, after `start`. */
  end: string | Date | number;
  /**
   * Longest wait, in milliseconds, for another refresh of the same aggregate: another mds caller
   * (they queue on an advisory lock) or a TimescaleDB policy job whose window overlaps (it makes
   * the refresh fail with 55P03, which is retried). @default {60000}
   */
  waitMs?: number | undefined;
}

/** What a refresh did. */
export interface RefreshResult {
  /** The aggregate. */
  aggregate: Aggregate;
  /** Window start, ISO 8601. */
  start: string;
  /** Window end, ISO 8601. */
  end: string;
  /** Buckets the aggregate holds materialised in the window after the refresh, all tenants. */
  materializedBuckets: number;
  /** 1m bars stored in the window, all tenants: 0 explains 0 buckets (e.g. dropped by retention). */
  sourceBars: number;
  /** Times the refresh met a concurrent refresh of an overlapping window and tried again. */
  retries: number;
  /** Seconds taken, waits included. */
  seconds: number;
}

/** A retention or columnstore policy of the store. */
export interface PolicyRow {
  /** The hypertable. */
  table: string;
  /** `policy_retention` or `policy_compression`. */
  policy: string;
  /** How often it runs. */
  every: string;
  /** Its configuration, as JSON text. */
  config: string;
}

async function run<T>(db: Queryable, q: SqlQuery): Promise<T[]> {
  return await db.query<T>(q.text, q.params);
}

/**
 * TimescaleDB operations of the store: continuous-aggregate refreshes, retention and columnstore
 * policies. Each fails with {@linkcode RequiresTimescaleError} on a store migrated without
 * TimescaleDB. Reached as `client.timescale`.
 */
export class TimescaleApi {
  readonly #backend: Backend;
  readonly #mode: () => Promise<SchemaMode | null>;

  /**
   * Wraps a backend; use `client.timescale` instead.
   *
   * @param backend The backend.
   * @param mode The store's schema mode.
   */
  constructor(backend: Backend, mode: () => Promise<SchemaMode | null>) {
    this.#backend = backend;
    this.#mode = mode;
  }

  async #require(what: string): Promise<void> {
    if ((await this.#mode()) !== "timescale") throw new RequiresTimescaleError(what);
  }

  /**
   * Refreshes a continuous aggregate over a window and says what is materialised there after.
   * Refreshes of one aggregate are serialised across processes by an advisory lock, and one that
   * meets a TimescaleDB policy refreshing an overlapping window waits and tries again, so a
   * refresh either materialises its window or fails; it never answers "done" having done nothing
   * unnoticed: `materializedBuckets` and `sourceBars` say what is there.
   *
   * @param aggregate `bars_5m`, `bars_1h` or `bars_1d`.
   * @param options The window and how long to wait for other refreshes.
   * @returns The counts after the refresh.
   * @throws {ValidationError} A bad aggregate or window (`kind` "argument").
   * @throws {RequiresTimescaleError} On a store without TimescaleDB.
   * @throws {TimeoutError} Other refreshes held the aggregate for longer than `waitMs`.
   *
   * @example
   * ```ts
   * import { createClient, RequiresTimescaleError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * await assert.rejects(
   *   client.timescale.refreshAggregate("bars_5m", { start: "2024-01-02T00:00:00Z", end: "2024-01-03T00:00:00Z" }),
   *   RequiresTimescaleError,
   * );
   * ```
   */
  async refreshAggregate(aggregate: Aggregate, options: RefreshOptions): Promise<RefreshResult> {
    if (!isAggregate(aggregate)) {
      throw new ValidationError({
        kind: "argument",
        field: "aggregate",
        value: aggregate,
        reason: `must be one of ${AGGREGATES.join(", ")}`,
      });
    }
    const start = parseInstant(options.start, "start").toISOString();
    const end = parseInstant(options.end, "end").toISOString();
    if (Date.parse(start) >= Date.parse(end)) {
      throw new ValidationError({
        kind: "argument",
        field: "start",
        value: start,
        reason: `must be before end (${end})`,
      });
    }
    const waitMs = options.waitMs ?? 60_000;
    if (!Number.isInteger(waitMs) || waitMs < 0) {
      throw new ValidationError({
        kind: "argument",
        field: "waitMs",
        value: waitMs,
        reason: "must be a whole number of milliseconds, 0 or more",
      });
    }
    await this.#require("Refreshing a continuous aggregate");
    const started = performance.now();
    const deadline = Date.now() + waitMs;
    // TimescaleDB refuses the procedure inside a transaction block: run it on a session, which
    // also holds the session-level advisory lock
    return await this.#backend.session(async (conn) => {
      let retries = 0;
      for (;;) {
        const [got] = await run<{ locked: boolean }>(conn, buildRefreshLock(aggregate, false));
        if (got?.locked) break;
        if (Date.now() >= deadline) throw refreshTimeout(aggregate, waitMs);
        await sleep(50);
      }
      try {
        for (;;) {
          try {
            await run(conn, buildRefreshAggregate(aggregate, start, end));
            break;
          } catch (err) {
            // 55P03: a policy job is refreshing an overlapping window of this aggregate
            if (!(err instanceof MdsError && err.sqlState === "55P03")) throw err;
            if (Date.now() >= deadline) throw refreshTimeout(aggregate, waitMs, err);
            retries++;
            await sleep(Math.min(1_000, 50 * 2 ** retries));
          }
        }
      } finally {
        await run(conn, buildRefreshUnlock(aggregate));
      }
      const [table] = await run<MaterializationTable>(conn, buildMaterializationTable(aggregate));
      if (table === undefined) throw new RequiresTimescaleError(`The aggregate ${aggregate}`);
      const [counts] = await run<{ buckets: number; source_bars: number }>(
        conn,
        buildMaterializedCount(table, start, end),
      );
      return {
        aggregate,
        start,
        end,
        materializedBuckets: counts?.buckets ?? 0,
        sourceBars: counts?.source_bars ?? 0,
        retries,
        seconds: Math.round(performance.now() - started) / 1000,
      };
    });
  }

  /**
   * Replaces the retention policy of a hypertable.
   *
   * @param table `bars` or `option_snapshots`.
   * @param days Rows older than this are dropped, 1 to 36,500.
   * @returns The new policy job's id.
   * @throws {ValidationError} A bad table or day count.
   * @throws {RequiresTimescaleError} On a store without TimescaleDB.
   *
   * @example
   * ```ts
   * import { createClient, RequiresTimescaleError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * await assert.rejects(client.timescale.setRetention("bars", 400), RequiresTimescaleError);
   * ```
   */
  async setRetention(table: RetentionTable, days: number): Promise<number | null> {
    if (!isRetentionTable(table)) {
      throw new ValidationError({
        kind: "argument",
        field: "table",
        value: table,
        reason: `must be one of ${RETENTION_TABLES.join(", ")}`,
      });
    }
    checkDays("days", days);
    await this.#require("Setting a retention policy");
    const [remove, add] = buildSetRetention(table, days);
    return await this.#backend.transaction(async (tx) => {
      await run(tx, remove);
      const [row] = await run<{ job_id: number }>(tx, add);
      return row?.job_id ?? null;
    });
  }

  /**
   * Replaces the columnstore (compression) policy of the bars hypertable.
   *
   * @param days Chunks older than this move to the columnstore, 1 to 36,500.
   * @throws {ValidationError} A bad day count.
   * @throws {RequiresTimescaleError} On a store without TimescaleDB.
   *
   * @example
   * ```ts
   * import { createClient, RequiresTimescaleError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * await assert.rejects(client.timescale.setColumnstore(7), RequiresTimescaleError);
   * ```
   */
  async setColumnstore(days: number): Promise<void> {
    checkDays("days", days);
    await this.#require("Setting a columnstore policy");
    await this.#backend.transaction(async (tx) => {
      for (const q of buildSetColumnstore(days)) await run(tx, q);
    });
  }

  /**
   * The retention and columnstore policies of the store's hypertables.
   *
   * @returns One row per table and policy.
   * @throws {RequiresTimescaleError} On a store without TimescaleDB.
   *
   * @example
   * ```ts
   * import { createClient, RequiresTimescaleError } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * await assert.rejects(client.timescale.policies(), RequiresTimescaleError);
   * ```
   */
  async policies(): Promise<PolicyRow[]> {
    await this.#require("Showing policies");
    return await run<PolicyRow>(this.#backend, buildListPolicies());
  }
}

function checkDays(field: string, days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new ValidationError({
      kind: "argument",
      field,
      value: days,
      reason: "must be a whole number of days from 1 to 36500",
    });
  }
}

function refreshTimeout(aggregate: Aggregate, waitMs: number, cause?: unknown): TimeoutError {
  return new TimeoutError(
    `Refreshing ${aggregate}: other refreshes of it ran for longer than ${waitMs} ms; try again later or wait longer`,
    { kind: "lock", sqlState: "55P03", cause },
  );
}
