import type { Registry } from "prom-client";

/**
 * The prom-client `Registry` operations the provider registry uses: register metrics on it, find
 * one by name, render the exposition. Every prom-client `Registry` is one: pass
 * `new Registry()`, never the global default.
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
