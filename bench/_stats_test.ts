import { assertEquals, assertThrows } from "../testing/assert.ts";
import { percentile, spread } from "./_stats.ts";

Deno.test("spread() gives median, min and max of odd and even counts", () => {
  assertEquals(spread([5, 1, 3]), { median: 3, min: 1, max: 5, runs: 3 });
  assertEquals(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, runs: 4 });
  assertThrows(() => spread([]), Error);
});

Deno.test("percentile() is the nearest rank", () => {
  const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 1..200 shuffled by reversal
  assertEquals(percentile(values, 50), 100);
  assertEquals(percentile(values, 99), 198);
  assertEquals(percentile(values, 100), 200);
  assertEquals(percentile([7], 99), 7);
});
