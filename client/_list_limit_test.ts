import { ValidationError } from "@mds/sql";
import { createClient } from "./client.ts";
import { assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { listLimit, MAX_LIST_LIMIT } from "./_list_limit.ts";

Deno.test("listLimit() takes the fallback when absent and refuses what is not 1..100000", () => {
  assertEquals(listLimit(undefined, 100), 100);
  assertEquals(listLimit(1, 100), 1);
  assertEquals(listLimit(MAX_LIST_LIMIT, 100), MAX_LIST_LIMIT);
  for (const bad of [0, -1, 1.5, MAX_LIST_LIMIT + 1, NaN]) {
    const err = assertThrows(() => listLimit(bad, 100), ValidationError);
    assertEquals([err.field, err.reason], ["limit", "must be a whole number from 1 to 100000"]);
  }
});

Deno.test("news() and corrections() refuse a bad limit before any I/O", async () => {
  await using client = await createClient({ memory: true });
  const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
  const news = await assertRejects(() => t.news({ limit: 0 }), ValidationError);
  assertEquals(news.field, "limit");
  const corrections = await assertRejects(
    () => t.corrections({ symbol: "A", since: 0, limit: 100_001 }),
    ValidationError,
  );
  assertEquals(corrections.field, "limit");
});
