import type { MetricsRegistry } from "@mds/providers";
import { PULSE_STREAMS, type PulseStream } from "@mds/sql";
import { Counter, Histogram, Registry } from "prom-client";

/** What became of one event a pulse bus received, as the `outcome` label. */
export const PULSE_OUTCOMES = ["delivered", "dropped", "invalid"] as const;
/** One of {@linkcode PULSE_OUTCOMES}. */
export type PulseOutcome = typeof PULSE_OUTCOMES[number];

/** The `stream` label of a payload too broken to name its stream. */
export const UNKNOWN_STREAM = "unknown" as const;

/** Commit-to-dispatch buckets, seconds: 1 ms to 10 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of a pulse bus, on one prom-client `Registry` (never the global
 * default). Labels are bounded: the three streams (and `unknown` for a payload that names none)
 * and the three outcomes.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `mds_pulse_publish_total` | counter | stream, outcome (`delivered`, `dropped`, `invalid`) |
 * | `mds_pulse_publish_latency_seconds` | histogram | stream: the event's `at` to its dispatch |
 * | `mds_pulse_subscriber_errors_total` | counter | stream: a subscriber threw |
 *
 * `delivered`: handed to the subscribers (however many). `dropped`: a valid event that could not
 * be handed over (the bus was not running, or a stashed event could not be read back).
 * `invalid`: a payload that is not a valid event.
 *
 * @example
 * ```ts
 * import { PulseMetrics } from "@mds/service";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * const metrics = new PulseMetrics(new Registry());
 * metrics.delivered("bars", 0.004);
 * metrics.count("unknown", "invalid");
 * const text = await metrics.registry.metrics();
 * assert.match(text, /mds_pulse_publish_total\{stream="bars",outcome="delivered"\} 1/);
 * assert.match(text, /mds_pulse_publish_total\{stream="unknown",outcome="invalid"\} 1/);
 * assert.match(text, /mds_pulse_publish_latency_seconds_count\{stream="bars"\} 1/);
 * ```
 */
export class PulseMetrics {
  /** The registry the metrics are on. */
  readonly registry: MetricsRegistry;
  readonly #published: Counter<"stream" | "outcome">;
  readonly #latency: Histogram<"stream">;
  readonly #subscriberErrors: Counter<"stream">;

  /**
   * Registers the metrics.
   *
   * @param registry Where: a prom-client `Registry`. @default {a new private `Registry`}
   * @throws {TypeError} When the registry already holds one of them (one bus per registry).
   */
  constructor(registry?: MetricsRegistry) {
    this.registry = registry ?? new Registry();
    for (
      const name of [
        "mds_pulse_publish_total",
        "mds_pulse_publish_latency_seconds",
        "mds_pulse_subscriber_errors_total",
      ]
    ) {
      if (this.registry.getSingleMetric(name) !== undefined) {
        throw new TypeError(
          `Metric "${name}" is already registered: give each pulse bus its own metrics registry`,
        );
      }
    }
    const registers = [this.registry as unknown as Registry];
    this.#published = new Counter({
      name: "mds_pulse_publish_total",
      help:
        "Pulse events received by this process's bus, by stream and outcome (delivered, dropped, invalid).",
      labelNames: ["stream", "outcome"],
      registers,
    });
    this.#latency = new Histogram({
      name: "mds_pulse_publish_latency_seconds",
      help:
        "Time from a pulse event's commit (the writer's clock) to its dispatch to subscribers, in seconds.",
      labelNames: ["stream"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#subscriberErrors = new Counter({
      name: "mds_pulse_subscriber_errors_total",
      help: "Pulse subscribers that threw on an event, by stream.",
      labelNames: ["stream"],
      registers,
    });
    // every series from the start, so a rate() has a zero to begin with
    for (const stream of PULSE_STREAMS) {
      for (const outcome of PULSE_OUTCOMES) this.#published.inc({ stream, outcome }, 0);
      this.#subscriberErrors.inc({ stream }, 0);
    }
  }

  /**
   * Counts an event handed to the subscribers and observes its latency.
   *
   * @param stream Its stream.
   * @param seconds From its `at` to now; a negative value (clock skew) counts as 0.
   */
  delivered(stream: PulseStream, seconds: number): void {
    this.#published.inc({ stream, outcome: "delivered" });
    this.#latency.observe({ stream }, Number.isFinite(seconds) ? Math.max(0, seconds) : 0);
  }

  /**
   * Counts an event that was dropped or invalid.
   *
   * @param stream Its stream, or `unknown`.
   * @param outcome `dropped` or `invalid`.
   */
  count(
    stream: PulseStream | typeof UNKNOWN_STREAM,
    outcome: Exclude<PulseOutcome, "delivered">,
  ): void {
    this.#published.inc({ stream, outcome });
  }

  /**
   * Counts a subscriber that threw.
   *
   * @param stream The event's stream.
   */
  subscriberError(stream: PulseStream): void {
    this.#subscriberErrors.inc({ stream });
  }
}
