// CollectorMetrics: every metric with its labels in the exposition, label values held to their
// sets, one collector per registry, and `promtool check metrics` where it is installed.
import { hasPromtool, promtool } from "../testing/promtool.ts";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes, assertThrows } from "../testing/assert.ts";
import { CollectorMetrics } from "./metrics.ts";

/** A collector after one call of every method. */
function exercised(): CollectorMetrics {
  const m = new CollectorMetrics(new Registry());
  m.jobProcessed("bars_fetch", "yahoo", "done");
  m.jobProcessed("bars_fetch", "yahoo", "done");
  m.jobProcessed("quotes_fetch", "finnhub", "retry");
  m.jobProcessed("backfill", "none", "dead");
  m.jobProcessed("backfill", "yahoo", "no_data");
  m.jobProcessed("bars_fetch", "finnhub", "deferred");
  m.gapsFound("1m", 3);
  m.gapsFound("1d");
  m.backfillEnqueued("T0");
  m.backfillEnqueued("T2", 4);
  m.backfillCompleted("T0", "done");
  m.backfillCompleted("T1", "no_data");
  m.backfillQueue("T0", 12, 95.5);
  m.writeBatch(0.004);
  m.writeBatch(2);
  m.ingestionLag("1m", 75);
  m.sloGapViolationRate("T0", "1m", 0.4);
  m.rowsWritten("bars", 390);
  m.rowsWritten("quotes", 2);
  m.rowsRefused("future", 2);
  m.rowsRefused("invalid");
  m.sweep();
  m.sweep();
  m.universeSeries("T1", "5m", 4_200);
  return m;
}

Deno.test("CollectorMetrics exposes every metric with its labels after a few calls", async () => {
  const text = await exercised().registry.metrics();
  for (
    const line of [
      'mds_jobs_processed_total{type="bars_fetch",provider="yahoo",outcome="done"} 2',
      'mds_jobs_processed_total{type="quotes_fetch",provider="finnhub",outcome="retry"} 1',
      'mds_jobs_processed_total{type="backfill",provider="none",outcome="dead"} 1',
      'mds_jobs_processed_total{type="backfill",provider="yahoo",outcome="no_data"} 1',
      'mds_jobs_processed_total{type="bars_fetch",provider="finnhub",outcome="deferred"} 1',
      'mds_gaps_found_total{interval="1m"} 3',
      'mds_gaps_found_total{interval="1d"} 1',
      'mds_backfill_jobs_enqueued_total{tier="T0"} 1',
      'mds_backfill_jobs_enqueued_total{tier="T1"} 0',
      'mds_backfill_jobs_enqueued_total{tier="T2"} 4',
      'mds_backfill_jobs_completed_total{tier="T0",status="done"} 1',
      'mds_backfill_jobs_completed_total{tier="T1",status="no_data"} 1',
      'mds_backfill_jobs_completed_total{tier="T2",status="dead"} 0',
      'mds_backfill_queue_depth{tier="T0"} 12',
      'mds_backfill_oldest_age_seconds{tier="T0"} 95.5',
      'mds_write_batch_seconds_bucket{le="0.001"} 0',
      'mds_write_batch_seconds_bucket{le="0.005"} 1',
      'mds_write_batch_seconds_bucket{le="10"} 2',
      "mds_write_batch_seconds_count 2",
      'mds_ingestion_lag_seconds{interval="1m"} 75',
      'mds_slo_gap_violation_rate{tier="T0",interval="1m"} 0.4',
      'mds_rows_written_total{kind="bars"} 390',
      'mds_rows_written_total{kind="quotes"} 2',
      'mds_rows_refused_total{reason="future"} 2',
      'mds_rows_refused_total{reason="invalid"} 1',
      "mds_sweeps_total 2",
      'mds_universe_series{tier="T1",interval="5m"} 4200',
    ]
  ) {
    assertIncludes(text, `\n${line}\n`);
  }
  for (
    const [name, type] of [
      ["mds_jobs_processed_total", "counter"],
      ["mds_backfill_queue_depth", "gauge"],
      ["mds_write_batch_seconds", "histogram"],
      ["mds_slo_gap_violation_rate", "gauge"],
      ["mds_universe_series", "gauge"],
    ]
  ) {
    assertIncludes(text, `# TYPE ${name} ${type}\n`);
  }
  assert(/# HELP mds_backfill_oldest_age_seconds .*in seconds/.test(text), "HELP names the unit");
});

Deno.test("CollectorMetrics keeps its metrics off prom-client's global registry", async () => {
  const { register } = await import("prom-client");
  const before = await register.metrics();
  const m = new CollectorMetrics();
  m.sweep();
  assertIncludes(await m.registry.metrics(), "mds_sweeps_total 1");
  assertEquals(await register.metrics(), before);
  assert(!before.includes("mds_sweeps_total"));
});

Deno.test("CollectorMetrics refuses a second collector on one registry", () => {
  const registry = new Registry();
  new CollectorMetrics(registry);
  const err = assertThrows(() => new CollectorMetrics(registry), TypeError);
  assertIncludes(err.message, "mds_jobs_processed_total");
});

Deno.test("CollectorMetrics refuses label values outside their sets and bad numbers", () => {
  const m = new CollectorMetrics();
  assertThrows(() => m.jobProcessed("bars_fetch", "polygon" as "yahoo", "done"), TypeError);
  assertThrows(() => m.jobProcessed("rebuild" as "backfill", "yahoo", "done"), TypeError);
  assertThrows(() => m.jobProcessed("backfill", "yahoo", "ok" as "done"), TypeError);
  assertThrows(() => m.gapsFound("AAPL" as "1m"), TypeError);
  assertThrows(() => m.backfillCompleted("T3" as "T0", "done"), TypeError);
  assertThrows(() => m.rowsWritten("news" as "bars", 1), TypeError);
  assertThrows(() => m.gapsFound("1m", -1), RangeError);
  assertThrows(() => m.rowsWritten("bars", 1.5), RangeError);
  assertThrows(() => m.backfillQueue("T0", 1, Number.NaN), RangeError);
  assertThrows(() => m.writeBatch(-0.1), RangeError);
  assertThrows(() => m.sloGapViolationRate("T0", "1m", 1.01), RangeError);
  assertThrows(() => m.sloGapViolationRate("T0", "1m", Number.NaN), RangeError);
});

const promtoolFound = hasPromtool();

Deno.test({
  name: promtoolFound
    ? "promtool check metrics accepts the collector's exposition"
    : "promtool check metrics skipped: promtool not installed (apt-get install prometheus)",
  ignore: !promtoolFound,
  fn: async () => {
    for (const m of [new CollectorMetrics(), exercised()]) {
      const result = await promtool(await m.registry.metrics());
      assertEquals(result.code, 0, result.output);
      assertEquals(result.output.trim(), "", `promtool lint findings: ${result.output}`);
    }
  },
});
