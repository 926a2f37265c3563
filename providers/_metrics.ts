// The provider metrics, on the registry the caller injects (never prom-client's global one).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { CIRCUIT_STATES, type CircuitState } from "./circuit_breaker.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";
import type { Capability, RequestEvent } from "./provider.ts";

/** What the provider registry updates. */
export interface ProviderMetrics {
  selected(capability: Capability, provider: string): void;
  request(event: RequestEvent): void;
}

/** Latency buckets, seconds: 5 ms to 30 s. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const NAMES = [
  "mds_provider_selected_total",
  "mds_provider_errors_total",
  "mds_provider_latency_seconds",
  "mds_circuit_state",
];

/**
 * Registers the metrics on `registry`; `states` is read at every scrape, so a breaker that
 * turned half-open by the clock alone is reported as such.
 */
export function providerMetrics(
  registry: MetricsRegistry,
  states: () => Iterable<[string, CircuitState]>,
): ProviderMetrics {
  for (const name of NAMES) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw new TypeError(
        `Metric "${name}" is already registered: give each provider registry its own metrics registry`,
      );
    }
  }
  const registers = [registry as unknown as Registry];
  const selected = new Counter({
    name: "mds_provider_selected_total",
    help: "Calls routed to a provider, by capability.",
    labelNames: ["capability", "provider"] as const,
    registers,
  });
  const errors = new Counter({
    name: "mds_provider_errors_total",
    help: "Failed vendor requests, by provider, endpoint template and error code.",
    labelNames: ["provider", "endpoint", "code"] as const,
    registers,
  });
  const latency = new Histogram({
    name: "mds_provider_latency_seconds",
    help: "Duration of vendor requests, from sending to the parsed answer, in seconds.",
    labelNames: ["provider", "endpoint"] as const,
    buckets: BUCKETS,
    registers,
  });
  new Gauge({
    name: "mds_circuit_state",
    help: "Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.",
    labelNames: ["provider"] as const,
    registers,
    collect() {
      this.reset();
      for (const [provider, state] of states()) {
        this.set({ provider }, CIRCUIT_STATES.indexOf(state));
      }
    },
  });
  return {
    selected(capability, provider) {
      selected.inc({ capability, provider });
    },
    request(event) {
      latency.observe({ provider: event.provider, endpoint: event.endpoint }, event.seconds);
      if (event.code !== undefined) {
        errors.inc({ provider: event.provider, endpoint: event.endpoint, code: event.code });
      }
    },
  };
}
