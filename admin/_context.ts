// What the route modules of one admin app share.
import type { BackfillTier } from "@mds/sql";
import type { MiddlewareHandler } from "hono";
import type { AppMetrics } from "./_metrics.ts";
import type { AdminClient } from "./admin_client.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import type { Logger } from "./logger.ts";
import type { SchemaRegistryStatus } from "./schema_registry.ts";

/** The dependencies and settings of one admin app, resolved from its options. */
export interface AppContext {
  /** The store. */
  readonly client: AdminClient;
  /** The app's own registry. */
  readonly registry: MetricsRegistry;
  /** The app's metrics on it. */
  readonly metrics: AppMetrics;
  /** Where records go. */
  readonly logger: Logger;
  /** The build's version. */
  readonly version: string;
  /** Longest wait for a health or readiness query, in milliseconds. */
  readonly dbTimeoutMs: number;
  /** Admits requests with the admin token. */
  readonly auth: MiddlewareHandler;
  /** Refuses bodies above the size limit. */
  readonly limit: MiddlewareHandler;
  /** Queue-depth caps of `POST /backfill/:job` per tier; tiers left out keep the client's. */
  readonly backfillCaps: Readonly<Partial<Record<BackfillTier, number>>>;
  /** The schema-registry drift check, when configured: `/health` reports its status. */
  readonly schemaRegistry: { status(): SchemaRegistryStatus } | undefined;
}
