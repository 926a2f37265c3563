// The backfill statements tested as data: their text and parameters, without a database.
import { assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped } from "../testing/sql_query.ts";
import {
  BACKFILL_JOB_TYPE,
  BACKFILL_TIER_PRIORITY,
  BACKFILL_TIERS,
  parseBackfillRequest,
} from "./backfill.ts";
import { buildBackfillDepth, buildBackfillLock, buildEnqueueBackfill } from "./backfill_queries.ts";

Deno.test("buildBackfillLock() takes a transaction lock of the scoped tenant and the tier", () => {
  const q = buildBackfillLock("T1");
  assertPlaceholders(q);
  assertEquals(q.params, ["T1"]);
  assertIncludes(q.text, "pg_advisory_xact_lock(hashtext(");
  assertIncludes(q.text, "current_setting('app.tenant_id', true) || '|backfill|' || $1");
});

Deno.test("buildBackfillDepth() counts queued and running backfills of the tier", () => {
  const q = buildBackfillDepth("T2");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [BACKFILL_JOB_TYPE, "T2"]);
  assertIncludes(q.text, "job_type = $1 AND state IN ('queued', 'running')");
  assertIncludes(q.text, "payload->>'tier' = $2");
});

Deno.test("buildEnqueueBackfill() writes the payload the depth count reads, at the tier's priority", () => {
  for (const tier of BACKFILL_TIERS) {
    const request = parseBackfillRequest({
      symbol: "brk.b",
      timeframe: "1h",
      start: "2024-01-02T00:00:00Z",
      end: "2024-01-03T00:00:00Z",
      vendor: "Polygon",
      tier,
    });
    const q = buildEnqueueBackfill(request, { key: "backfill:abc", maxAttempts: 7 });
    assertTenantScoped(q);
    assertPlaceholders(q);
    assertEquals(q.params.length, 5);
    assertEquals(q.params[0], "backfill:abc");
    assertEquals(q.params[1], BACKFILL_JOB_TYPE);
    assertEquals(JSON.parse(q.params[2] as string), {
      symbol: "BRK.B",
      timeframe: "1h",
      start: "2024-01-02T00:00:00.000Z",
      end: "2024-01-03T00:00:00.000Z",
      vendor: "polygon",
      tier,
    });
    assertEquals(q.params.slice(3), [BACKFILL_TIER_PRIORITY[tier], 7]);
    assertIncludes(q.text, "ON CONFLICT (tenant_id, idempotency_key) DO NOTHING");
  }
});

Deno.test("buildEnqueueBackfill() stores a request for any vendor as a null vendor", () => {
  const request = parseBackfillRequest({
    symbol: "SPY",
    timeframe: "1d",
    start: "2024-01-01T00:00:00Z",
    end: "2024-02-01T00:00:00Z",
  });
  const q = buildEnqueueBackfill(request, { key: "k", maxAttempts: 5 });
  assertEquals(JSON.parse(q.params[2] as string).vendor, null);
  assertEquals(JSON.parse(q.params[2] as string).tier, "T1");
});
