// CircuitBreaker: closed -> open -> half-open (one probe) -> closed or open, on a manual clock.
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { CircuitBreaker, type CircuitState } from "./circuit_breaker.ts";

function breaker(now: () => number, changes: CircuitState[] = []) {
  return new CircuitBreaker({
    failureThreshold: 3,
    windowMs: 10_000,
    coolDownMs: 5_000,
    now,
    onChange: (s) => changes.push(s),
  });
}

Deno.test("CircuitBreaker opens after N failures within the window, not after N spread wider", () => {
  let now = 0;
  const b = breaker(() => now);
  b.acquire()!.failure();
  now += 6_000;
  b.acquire()!.failure();
  now += 6_000; // the first failure left the window
  b.acquire()!.failure();
  assertEquals(b.state, "closed");
  b.acquire()!.failure();
  assertEquals(b.state, "open");
  assertEquals(b.acquire(), undefined);
});

Deno.test("CircuitBreaker lets exactly one probe through when half-open; a failed probe reopens it", () => {
  let now = 0;
  const changes: CircuitState[] = [];
  const b = breaker(() => now, changes);
  for (let i = 0; i < 3; i++) b.acquire()!.failure();
  now += 4_999;
  assertEquals(b.acquire(), undefined);
  now += 1;
  const probe = b.acquire()!;
  assertEquals([probe.probe, b.acquire(), b.state], [true, undefined, "half_open"]);
  probe.failure();
  assertEquals(b.state, "open");
  now += 5_000;
  const second = b.acquire()!;
  second.success();
  second.failure(); // a second verdict is ignored
  assertEquals(b.state, "closed");
  assertEquals(changes, ["open", "half_open", "open", "half_open", "closed"]);
});

Deno.test("CircuitBreaker frees the probe slot when the probe ends without a verdict", () => {
  let now = 0;
  const b = breaker(() => now);
  for (let i = 0; i < 3; i++) b.acquire()!.failure();
  now += 5_000;
  b.acquire()!.release();
  assertEquals(b.state, "half_open");
  assertEquals(b.acquire()?.probe, true);
});

Deno.test("CircuitBreaker ignores the late outcomes of calls that began before it opened", () => {
  const now = 0;
  const b = breaker(() => now);
  const slow = b.acquire()!;
  for (let i = 0; i < 3; i++) b.acquire()!.failure();
  slow.success();
  assertEquals(b.state, "open");
});

Deno.test("new CircuitBreaker() refuses out-of-range thresholds with a RangeError naming the field", () => {
  const err = assertThrows(
    () => new CircuitBreaker({ failureThreshold: 0, windowMs: 1, coolDownMs: 1 }),
    RangeError,
  );
  assertEquals(err.message.includes('"failureThreshold"'), true);
  assertThrows(
    () => new CircuitBreaker({ failureThreshold: 1, windowMs: 1, coolDownMs: Infinity }),
    RangeError,
  );
});
