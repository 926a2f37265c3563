import { assertEquals } from "../testing/assert.ts";
import { RetryableError } from "./errors.ts";
import { resolveRetryPolicy, withRetry } from "./_retry.ts";

Deno.test("resolveRetryPolicy() fills 5 attempts, and 1 when retries are off", () => {
  assertEquals(resolveRetryPolicy({}).attempts, 5);
  assertEquals(resolveRetryPolicy(false).attempts, 1);
});

Deno.test("withRetry() runs the work again after a retryable failure", async () => {
  let calls = 0;
  const result = await withRetry(resolveRetryPolicy({ attempts: 3, baseDelayMs: 1 }), () => {
    if (++calls < 3) return Promise.reject(new RetryableError("Connection lost"));
    return Promise.resolve("done");
  });
  assertEquals([result, calls], ["done", 3]);
});
