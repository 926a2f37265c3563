// Get-or-create helpers for prom-client metrics, always on the given registry (never the
// global one), so two apps or a second writeMetrics() call on one registry share the metric
// instead of failing with "already registered".
import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Registry,
} from "prom-client";
import type { MetricsRegistry } from "./metrics_registry.ts";

type Config<C> = Omit<C, "registers">;

/** The registry as prom-client types it; its metrics read `contentType`, call `registerMetric`. */
function prom(registry: MetricsRegistry): Registry {
  return registry as unknown as Registry;
}

function existing<M>(
  registry: MetricsRegistry,
  name: string,
  type: abstract new (...a: never[]) => M,
): M | undefined {
  const found = registry.getSingleMetric(name);
  if (found === undefined) return undefined;
  if (!(found instanceof type)) {
    throw new TypeError(`Metric "${name}" is already registered with another type`);
  }
  return found as M;
}

/**
 * The counter `config.name` of `registry`, created there when missing.
 *
 * @param registry The registry.
 * @param config Name, help and label names.
 * @returns The counter.
 */
export function counter<L extends string>(
  registry: MetricsRegistry,
  config: Config<CounterConfiguration<L>>,
): Counter<L> {
  return existing(registry, config.name, Counter<L>) ??
    new Counter<L>({ ...config, registers: [prom(registry)] });
}

/**
 * The gauge `config.name` of `registry`, created there when missing.
 *
 * @param registry The registry.
 * @param config Name, help, label names and collect function.
 * @returns The gauge.
 */
export function gauge<L extends string>(
  registry: MetricsRegistry,
  config: Config<GaugeConfiguration<L>>,
): Gauge<L> {
  return existing(registry, config.name, Gauge<L>) ??
    new Gauge<L>({ ...config, registers: [prom(registry)] });
}

/**
 * The histogram `config.name` of `registry`, created there when missing.
 *
 * @param registry The registry.
 * @param config Name, help, label names and buckets.
 * @returns The histogram.
 */
export function histogram<L extends string>(
  registry: MetricsRegistry,
  config: Config<HistogramConfiguration<L>>,
): Histogram<L> {
  return existing(registry, config.name, Histogram<L>) ??
    new Histogram<L>({ ...config, registers: [prom(registry)] });
}
