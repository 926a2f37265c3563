/**
 * mds, the multi-tenant market-data store: this root module re-exports the client,
 * `@mds/client` (`client/mod.ts`), so a program can import the store from the repository root.
 * The client writes and reads tenant-scoped market data over a PostgreSQL/TimescaleDB server
 * (postgres.js) or an embedded PGlite store, which it loads only when one is opened. The other
 * entry points stay in their members (only the types the client's API names are re-exported
 * here): `@mds/sql` (canonical SQL), `@mds/client/calendar`,
 * `@mds/admin`, `@mds/cli`, `@mds/providers` and `@mds/service`.
 *
 * Configuration spelt the way the Python system it replaces spelt it is accepted: a tenant in the
 * server URL (`?options=-c%20app.tenant_id%3D<uuid>`), the write modes `executemany` and `values`,
 * and the variables `MDS_DSN`, `MDS_TENANT_ID`, `MDS_WRITE_MODE`, `MDS_COPY_MIN_ROWS`,
 * `MDS_VALUES_PAGE_SIZE` and `MDS_VALUES_MIN_ROWS` (see `storeOptionsFromEnv`).
 *
 * @example Upsert bars into an embedded store and read the latest price back
 * ```ts
 * import { createClient } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({
 *   memory: true,
 *   tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
 *   writeMode: "values",
 * });
 * const t = client.tenant();
 * const result = await t.upsertBars([{
 *   ts: "2024-01-02T14:30:00Z", vendor: "polygon", symbol: "AAPL", timeframe: "1m",
 *   open: 185, high: 185.5, low: 184.5, close: 185.25, volume: 100,
 * }]);
 * assert.equal(result.inserted, 1);
 * const [latest] = await t.latestPrices(["AAPL"]);
 * assert.equal(latest?.price, 185.25);
 * ```
 *
 * @module
 */
export * from "@mds/client";
// The vocabulary of @mds/sql that the client's API names: its types and the constants their
// unions come from.
export {
  AGGREGATES,
  BACKFILL_TIERS,
  JOB_STATES,
  OPTION_TYPES,
  PULSE_STREAMS,
  RETENTION_TABLES,
  ROW_KINDS,
  SCHEMA_MODES,
  TIMEFRAMES,
} from "@mds/sql";
export type {
  Aggregate,
  BackfillRequestInput,
  BackfillTier,
  Bar,
  BarInput,
  EnqueueJobInput,
  Fundamentals,
  FundamentalsInput,
  Job,
  JobState,
  LatestPrice,
  MigrationFile,
  News,
  NewsInput,
  OptionSnap,
  OptionSnapInput,
  OptionType,
  PulseEvent,
  PulseStream,
  Quote,
  QuoteInput,
  RetentionTable,
  RowKind,
  RowOf,
  SchemaMode,
  Timeframe,
  UnfillableRange,
  UniverseEntry,
} from "@mds/sql";
// The trading calendars' names the client's API uses (gap detection).
export { CALENDAR_NAMES } from "@mds/client/calendar";
export type { CalendarName, TradingCalendar, TradingSession } from "@mds/client/calendar";
