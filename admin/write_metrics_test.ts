import { Counter, Registry } from "prom-client";
import { assert, assertIncludes, assertThrows } from "../testing/assert.ts";
import { writeMetrics } from "./write_metrics.ts";

Deno.test("writeMetrics() on one registry twice shares the metrics and counts every write", async () => {
  const registry = new Registry();
  const a = writeMetrics(registry);
  const b = writeMetrics(registry);
  a("news", { inserted: 1, updated: 1, unchanged: 1 }, 0.02);
  b("news", { inserted: 0, updated: 1, unchanged: 0 }, 0.01);
  const text = await registry.metrics();
  assertIncludes(text, 'mds_rows_written_total{kind="news",outcome="updated"} 2');
  assertIncludes(text, 'mds_rows_written_total{kind="news",outcome="inserted"} 1');
  assertIncludes(text, 'mds_write_batch_duration_seconds_count{kind="news"} 2');
  assertIncludes(text, 'mds_rows_written_total{kind="options",outcome="unchanged"} 0');
});

Deno.test("writeMetrics() refuses a registry holding another metric of the same name", () => {
  const registry = new Registry();
  new Counter({ name: "mds_write_batch_duration_seconds", help: "x", registers: [registry] });
  const err = assertThrows(() => writeMetrics(registry), TypeError);
  assert(err.message.includes("mds_write_batch_duration_seconds"));
});
