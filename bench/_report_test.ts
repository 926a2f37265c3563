import { assertEquals, assertIncludes } from "../testing/assert.ts";
import { figureTable, judge, type Target, targetTable } from "./_report.ts";

const target = (value: number | undefined, op: Target["op"], bound: number): Target => ({
  key: "k",
  label: "a target",
  value,
  op,
  bound,
  unit: "x",
});

Deno.test("judge() compares the measured value with its bound", () => {
  assertEquals(judge(target(1.2, ">=", 1.2)), "PASS");
  assertEquals(judge(target(1.19, ">=", 1.2)), "MISS");
  assertEquals(judge(target(4.9, "<", 5)), "PASS");
  assertEquals(judge(target(5, "<", 5)), "MISS");
  assertEquals(judge(target(0, "==", 0)), "PASS");
  assertEquals(judge(target(3, "==", 0)), "MISS");
  assertEquals(judge(target(undefined, ">=", 1)), "SKIP");
});

Deno.test("the tables carry every figure and status", () => {
  const figures = figureTable([{
    key: "f",
    label: "mds ingest",
    unit: "rows/s",
    value: { median: 91234.4, min: 88000, max: 95000.6, runs: 3 },
  }]);
  assertIncludes(figures, "| mds ingest | 91,234 | 88,000 | 95,001 | rows/s |    3 |");
  const targets = targetTable([target(1.25, ">=", 1.2), {
    ...target(undefined, ">=", 1),
    skipped: "no psql",
  }]);
  assertIncludes(targets, "1.25 x");
  assertIncludes(targets, "PASS");
  assertIncludes(targets, "no psql");
  assertIncludes(targets, "SKIP");
});
