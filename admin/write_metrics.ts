import type { ClientOptions } from "@mds/client";
import { ROW_KINDS } from "@mds/sql";
import { counter, histogram } from "./_registry.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";

/** What a committed write did, as `@mds/client` reports it to `onWrite`. */
export interface WriteCounts {
  /** Rows that did not exist. */
  readonly inserted: number;
  /** Rows that existed with other values. */
  readonly updated: number;
  /** Rows that existed with the same values: not rewritten. */
  readonly unchanged: number;
}

/**
 * The callback `createClient({ onWrite })` takes: the row kind (`bars`, `fundamentals`, `news`,
 * `options`), what the write did, and how long it took in seconds.
 */
export type OnWrite = (kind: string, result: WriteCounts, seconds: number) => void;

// Compile-time proof that an OnWrite is what createClient({ onWrite }) accepts.
type Fits<T> = T extends NonNullable<ClientOptions["onWrite"]> ? true : false;
const _onWriteFits: Fits<OnWrite> = true;

/** How a written row ended: new, changed, or the same as stored (not rewritten). */
export const WRITE_OUTCOMES = ["inserted", "updated", "unchanged"] as const;

/** Buckets of `mds_write_batch_duration_seconds`: 1 ms to 60 s. */
const BATCH_BUCKETS = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/**
 * Registers the write metrics on `registry` and returns the `onWrite` callback that feeds them,
 * for `createClient({ onWrite })`:
 *
 * - `mds_rows_written_total{kind,outcome}`: rows by kind (`bars`, `fundamentals`, `news`,
 *   `options`) and outcome (`inserted`, `updated`, `unchanged`).
 * - `mds_write_batch_duration_seconds{kind}`: histogram of committed write durations.
 *
 * Every kind and outcome starts at zero, so the series exist before the first write. Calling it
 * again with the same registry reuses the metrics.
 *
 * @param registry The registry of the admin app.
 * @returns The callback.
 *
 * @example
 * ```ts
 * import { writeMetrics } from "@mds/admin";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const registry = new Registry();
 * const onWrite = writeMetrics(registry);
 * onWrite("bars", { inserted: 2, updated: 0, unchanged: 1 }, 0.004);
 * const text = await registry.metrics();
 * assert.match(text, /^mds_rows_written_total\{kind="bars",outcome="inserted"\} 2$/m);
 * assert.match(text, /^mds_write_batch_duration_seconds_count\{kind="bars"\} 1$/m);
 * ```
 */
export function writeMetrics(registry: MetricsRegistry): OnWrite {
  const rows = counter(registry, {
    name: "mds_rows_written_total",
    help: "Rows written through the client, by row kind and outcome.",
    labelNames: ["kind", "outcome"] as const,
  });
  const batches = histogram(registry, {
    name: "mds_write_batch_duration_seconds",
    help: "Duration of committed client writes, by row kind.",
    labelNames: ["kind"] as const,
    buckets: BATCH_BUCKETS,
  });
  for (const kind of ROW_KINDS) {
    for (const outcome of WRITE_OUTCOMES) rows.inc({ kind, outcome }, 0);
    batches.zero({ kind });
  }
  return (kind, result, seconds) => {
    for (const outcome of WRITE_OUTCOMES) {
      if (result[outcome] > 0) rows.inc({ kind, outcome }, result[outcome]);
    }
    if (Number.isFinite(seconds) && seconds >= 0) batches.observe({ kind }, seconds);
  };
}
