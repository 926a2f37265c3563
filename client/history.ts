// Store-wide operations on the version history of migration 0013 (not tenant-scoped).
import {
  buildPruneHistory,
  buildSchemaVersion,
  buildSchemaVersionExists,
  parseInstant,
  type SchemaMode,
  ValidationError,
} from "@mds/sql";
import type { Backend } from "./backend.ts";
import { MdsError } from "./errors.ts";

/** Options of {@linkcode HistoryApi.prune}. */
export interface PruneHistoryOptions {
  /** Versions replaced longer ago than this many milliseconds go. */
  olderThanMs?: number | undefined;
  /** Or: versions replaced before this instant go. Give exactly one of the two. */
  before?: Date | string | number | undefined;
}

/** What {@linkcode HistoryApi.prune} did. */
export interface PruneHistoryResult {
  /** The new horizon: as-of reads before it fail with `AsOfOutOfRangeError`. */
  horizon: Date;
  /** Versions deleted (without TimescaleDB) or history chunks dropped (with it). */
  pruned: number;
}

/**
 * The version history behind point-in-time reads and the corrections report, store-wide.
 * Without TimescaleDB nothing ages out by itself: run {@linkcode HistoryApi.prune} on a schedule
 * (`mds history prune --older-than 365d`). With TimescaleDB a retention policy drops versions
 * replaced more than 365 days ago.
 *
 * @example
 * ```ts
 * import { createClient, HistoryApi } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const history = new HistoryApi(client.backend);
 * const { horizon } = await history.prune({ olderThanMs: 365 * 86_400_000 });
 * assert.ok(horizon.getTime() < Date.now());
 * ```
 */
export class HistoryApi {
  readonly #backend: Backend;

  /**
   * Wraps a backend connected as the owner of the store (the migration role).
   *
   * @param backend The backend.
   */
  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /**
   * Deletes the versions replaced before a horizon and records the horizon, so as-of reads of
   * earlier instants fail instead of answering wrongly. Current rows are never touched.
   *
   * @param options `olderThanMs` or `before`.
   * @returns The horizon and how much went.
   * @throws {ValidationError} Unless exactly one of `olderThanMs` and `before` is valid.
   *
   * @example
   * ```ts
   * import { createClient, HistoryApi } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const r = await new HistoryApi(client.backend).prune({ before: "2020-01-01T00:00:00Z" });
   * assert.equal(r.pruned, 0);
   * ```
   */
  async prune(options: PruneHistoryOptions): Promise<PruneHistoryResult> {
    const given = (options.olderThanMs === undefined ? 0 : 1) +
      (options.before === undefined ? 0 : 1);
    if (given !== 1) {
      throw new ValidationError({
        kind: "argument",
        field: "olderThanMs",
        value: options.olderThanMs,
        reason: "give exactly one of olderThanMs and before",
      });
    }
    if (
      options.olderThanMs !== undefined &&
      (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0)
    ) {
      throw new ValidationError({
        kind: "argument",
        field: "olderThanMs",
        value: options.olderThanMs,
        reason: "must be a number of milliseconds, 0 or more",
      });
    }
    const before = options.before === undefined
      ? new Date(Date.now() - options.olderThanMs!)
      : parseInstant(options.before, "before");
    const mode = await this.#mode();
    if (mode === null) {
      throw new MdsError("MDS_CONFIG", "The store is not migrated: run `mds migrate` first");
    }
    return await this.#backend.transaction(async (tx) => {
      let pruned = 0;
      let horizon = before;
      for (const q of buildPruneHistory(mode, before)) {
        const [row] = await tx.query<{ pruned?: number; pruned_before?: Date }>(q.text, q.params);
        pruned += row?.pruned ?? 0;
        if (row?.pruned_before) horizon = row.pruned_before;
      }
      return { horizon, pruned };
    });
  }

  async #mode(): Promise<SchemaMode | null> {
    const exists = buildSchemaVersionExists();
    const [present] = await this.#backend.query<{ ok: boolean }>(exists.text, exists.params);
    if (!present?.ok) return null;
    const ledger = buildSchemaVersion();
    const [row] = await this.#backend.query<{ timescale: boolean | null }>(
      ledger.text,
      ledger.params,
    );
    return row?.timescale === null || row?.timescale === undefined
      ? null
      : row.timescale
      ? "timescale"
      : "plain";
  }
}
