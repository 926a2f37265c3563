/**
 * The building blocks of the mds collector, the service that keeps the store filled from the
 * market-data providers: its configuration (tiers of the symbol universe with a cadence per
 * timeframe, workers, sweeps, gap repair, SLO windows; validated with every problem named by
 * its path), the typed payloads of its jobs (`bars_fetch`, `quotes_fetch`, `backfill`) and its
 * Prometheus metrics; and the collector that runs them over a store: sweeper, workers, gap
 * repair and the SLO monitor.
 *
 * @example Configure, read a job back, count it
 * ```ts
 * import {
 *   CollectorMetrics,
 *   encodeJobPayload,
 *   parseCollectorConfig,
 *   parseJobPayload,
 * } from "@mds/service";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const config = parseCollectorConfig({ tiers: { T0: { cadence: { "1m": "30s" } } } });
 * assert.equal(config.tiers.T0.cadence["1m"], 30);
 * assert.equal(config.tiers.T0.cadence["1d"], 3600); // the other defaults stay
 *
 * const payload = encodeJobPayload("bars_fetch", { symbols: ["aapl", "msft"], timeframe: "1m",
 *   start: new Date("2024-01-02T14:30:00Z"), end: new Date("2024-01-02T15:30:00Z"), tier: "T0" });
 * const job = parseJobPayload("bars_fetch", JSON.parse(JSON.stringify(payload)));
 * assert.equal(job.type, "bars_fetch");
 * assert.deepEqual(job.payload.symbols, ["AAPL", "MSFT"]);
 *
 * const metrics = new CollectorMetrics(new Registry());
 * metrics.jobProcessed(job.type, "yahoo", "done");
 * assert.match(await metrics.registry.metrics(), /mds_jobs_processed_total\{.*\} 1/);
 * ```
 *
 * @module
 */
export {
  BACKFILL_TIERS,
  type BackfillRequest,
  type BackfillTier,
  ERROR_CODES,
  type ErrorCode,
  MdsError,
  type Model,
  type ModelIssue,
  type ModelResult,
  type Timeframe,
  TIMEFRAMES,
  ValidationError,
} from "@mds/sql";
export {
  type BreakerThresholds,
  type HealthSettings,
  type MetricsRegistry,
  type OptionalFields,
  PROVIDER_NAMES,
  type ProviderEntry,
  type ProviderName,
  type ProvidersConfig,
  type ProvidersConfigInput,
  type RetrySettings,
  type RoutingPolicy,
} from "@mds/providers";
export { CALENDAR_NAMES, type CalendarName } from "@mds/client/calendar";
export * from "./duration.ts";
export * from "./config.ts";
export * from "./jobs.ts";
export * from "./metrics.ts";
export * from "./sweeper.ts";
export * from "./gap_repair.ts";
export * from "./slo.ts";
export * from "./worker.ts";
export * from "./collector.ts";
export * from "./supervise.ts";
export * from "./pulse_metrics.ts";
export * from "./pulse_bus.ts";
export * from "./pulse_settings.ts";
export * from "./ws_hub.ts";
export * from "./app.ts";
export * from "./coverage.ts";
export * from "./coverage_page.ts";
export * from "./macro.ts";
export * from "./options.ts";
export { ApiHttpError, type KeyScope, WS_KEY_PROTOCOL_PREFIX, WS_PROTOCOL } from "./_api_http.ts";
