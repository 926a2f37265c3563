// TokenBucket on a manual clock: concurrency, pauses (Retry-After), deadlines, aborts.
import { assert, assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { manualClock } from "../testing/manual_clock.ts";
import { TokenBucket } from "./token_bucket.ts";

Deno.test("TokenBucket never lets 20 concurrent callers exceed burst + rate in any window", async () => {
  const clock = manualClock(0);
  const bucket = new TokenBucket({
    requestsPerMinute: 60,
    burst: 3,
    now: clock.now,
    sleep: clock.sleep,
  });
  const granted: number[] = [];
  const calls = Array.from({ length: 20 }, () =>
    bucket.acquire({ deadline: 60_000 }).then((ok) => {
      assert(ok);
      granted.push(clock.now());
    }));
  await clock.advance(0); // the burst is granted at once
  for (let i = 0; i < 30; i++) await clock.advance(1_000);
  await Promise.all(calls);
  assertEquals(granted.length, 20);
  for (const t of granted) {
    const within = granted.filter((u) => u >= t && u < t + 5_000).length;
    assert(within <= 3 + 5, `${within} grants in 5 s from ${t}`);
  }
  assertEquals(granted.slice(0, 5), [0, 0, 0, 1_000, 2_000]);
  assertEquals(granted.at(-1), 17_000);
});

Deno.test("TokenBucket.pause() holds every request, waiting ones included, until it ends", async () => {
  const clock = manualClock(0);
  const bucket = new TokenBucket({
    requestsPerMinute: 600,
    burst: 1,
    now: clock.now,
    sleep: clock.sleep,
  });
  assert(await bucket.acquire({ deadline: 1_000 }));
  const granted: number[] = [];
  const waiting = bucket.acquire({ deadline: 60_000 }).then(() => granted.push(clock.now()));
  bucket.pause(5_000);
  assertEquals(bucket.pausedUntil, 5_000);
  const later = bucket.acquire({ deadline: 60_000 }).then(() => granted.push(clock.now()));
  for (let i = 0; i < 10; i++) await clock.advance(1_000);
  await Promise.all([waiting, later]);
  assert(granted.every((t) => t >= 5_000), String(granted));
  assertEquals(granted.length, 2);
  assert(granted[1]! - granted[0]! >= 100, String(granted)); // the rate resumes after the pause
});

Deno.test("TokenBucket.acquire() answers false at once when no token comes before the deadline", async () => {
  const clock = manualClock(0);
  const bucket = new TokenBucket({ requestsPerMinute: 1, now: clock.now, sleep: clock.sleep });
  assert(await bucket.acquire({ deadline: 10 }));
  assertEquals(await bucket.acquire({ deadline: 59_000 }), false);
  assertEquals(clock.pending, 0);
  const next = bucket.acquire({ deadline: 60_000 });
  await clock.advance(60_000);
  assertEquals(await next, true);
});

Deno.test("TokenBucket.acquire() rejects with the signal's reason when aborted while waiting", async () => {
  const clock = manualClock(0);
  const bucket = new TokenBucket({ requestsPerMinute: 1, now: clock.now, sleep: clock.sleep });
  await bucket.acquire({ deadline: 10 });
  const abort = new AbortController();
  const waiting = bucket.acquire({ signal: abort.signal, deadline: 120_000 });
  abort.abort(new Error("stop"));
  const err = await assertRejects(() => waiting, Error);
  assertEquals(err.message, "stop");
});

Deno.test("new TokenBucket() refuses a rate or burst out of range", () => {
  assertThrows(() => new TokenBucket({ requestsPerMinute: 0 }), RangeError);
  assertThrows(() => new TokenBucket({ requestsPerMinute: 10, burst: 0.5 }), RangeError);
});
