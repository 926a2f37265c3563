// HealthTracker and backoffDelay: scores, the bounded history, and jitter bounds.
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { backoffDelay } from "./backoff.ts";
import { HealthTracker } from "./health.ts";

Deno.test("HealthTracker keeps a bounded ring of (time, score), oldest first", () => {
  let now = 0;
  const health = new HealthTracker({ historySize: 3, now: () => now });
  for (let i = 0; i < 5; i++) {
    now = i * 1_000;
    health.record(i % 2 === 0, 10);
  }
  assertEquals(health.history().map((s) => s.time), [2_000, 3_000, 4_000]);
  assertEquals(health.snapshot().calls, 5);
});

Deno.test("HealthTracker scores failures and latency above the target down", () => {
  const fast = new HealthTracker({ latencyTargetMs: 100 });
  const slow = new HealthTracker({ latencyTargetMs: 100 });
  const failing = new HealthTracker({ latencyTargetMs: 100 });
  fast.record(true, 50);
  slow.record(true, 400);
  failing.record(false, 50);
  assertEquals(fast.score, 1);
  assertEquals(slow.score, 0.25);
  assertEquals(failing.score, 0.8);
  assertThrows(() => new HealthTracker({ alpha: 1.5 }), RangeError);
});

Deno.test("backoffDelay() grows exponentially up to the cap, with full jitter", () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const cap = Math.min(5_000, 200 * 2 ** attempt);
    assertEquals(backoffDelay(attempt, { random: () => 0 }), 0);
    const high = backoffDelay(attempt, { random: () => 0.9999 });
    assert(high <= cap && high >= cap - 1, `${attempt}: ${high}`);
  }
  assertThrows(() => backoffDelay(-1), RangeError);
  assertThrows(() => backoffDelay(0, { baseDelayMs: 100, maxDelayMs: 50 }), RangeError);
});
