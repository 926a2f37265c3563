import type { Registry } from "prom-client";

/**
 * The prom-client `Registry` operations the admin app uses: register metrics on it, find one by
 * name, and render the exposition. Every prom-client `Registry` is one: pass `new Registry()`.
 * Declared here, and checked against prom-client when this package compiles, so the admin API
 * documents itself without re-exporting prom-client's types.
 */
export interface MetricsRegistry {
  /** The `Content-Type` of the exposition. */
  readonly contentType: string;
  /**
   * The exposition of every registered metric.
   *
   * @returns Prometheus text.
   */
  metrics(): Promise<string>;
  /**
   * The registered metric of that name.
   *
   * @param name Metric name.
   * @returns The metric, or `undefined`.
   */
  getSingleMetric(name: string): unknown;
  /**
   * Registers a metric; prom-client calls it for each metric created with `registers`.
   *
   * @param metric The metric.
   */
  registerMetric(metric: unknown): void;
}

// Compile-time proof that every prom-client Registry is a MetricsRegistry.
type Fits<T> = T extends MetricsRegistry ? true : false;
const _registryFits: Fits<Registry> = true;
