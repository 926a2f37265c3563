import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { ConfigError } from "./errors.ts";
import { jobRetryDelaySeconds, resolveJobBackoff } from "./_job_backoff.ts";

Deno.test("jobRetryDelaySeconds() doubles per attempt, caps at maxSeconds, jitters in the upper half", () => {
  const backoff = resolveJobBackoff({ baseSeconds: 2, maxSeconds: 100 });
  const steps = [2, 4, 8, 16, 32, 64, 100, 100];
  for (const [i, step] of steps.entries()) {
    assertEquals(jobRetryDelaySeconds(i + 1, backoff, 0), step / 2);
    assert(jobRetryDelaySeconds(i + 1, backoff, 0.999999) <= step);
    for (let n = 0; n < 50; n++) {
      const d = jobRetryDelaySeconds(i + 1, backoff);
      assert(d >= step / 2 && d <= step, `attempt ${i + 1}: ${d}`);
    }
  }
  assertEquals(jobRetryDelaySeconds(3, resolveJobBackoff({ baseSeconds: 0 }), 0.5), 0);
});

Deno.test("resolveJobBackoff() fills defaults and refuses numbers out of range", () => {
  assertEquals(resolveJobBackoff(), { baseSeconds: 10, maxSeconds: 3_600 });
  for (
    const bad of [
      { baseSeconds: -1 },
      { baseSeconds: Number.NaN },
      { baseSeconds: 100, maxSeconds: 50 },
      { maxSeconds: 1e9 },
    ]
  ) {
    assertThrows(() => resolveJobBackoff(bad), ConfigError);
  }
});

Deno.test("resolveJobBackoff() and jobRetryDelaySeconds() as the docs describe them", () => {
  assertEquals(resolveJobBackoff({}), { baseSeconds: 10, maxSeconds: 3600 });
  const err = assertThrows(() => resolveJobBackoff({ baseSeconds: -1 }), ConfigError);
  assert(err.message.includes('"backoff.baseSeconds"'), err.message);
  const backoff = resolveJobBackoff({ baseSeconds: 10, maxSeconds: 60 });
  assertEquals(jobRetryDelaySeconds(1, backoff, 0), 5);
  assertEquals(jobRetryDelaySeconds(3, backoff, 0.999999), 39.99998);
  assertEquals(jobRetryDelaySeconds(10, backoff, 0), 30); // capped at 60 s, halved by jitter
});
