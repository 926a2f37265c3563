import { type InvalidCase, testRejections } from "../testing/model_cases.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import { type EnqueueJob, type EnqueueJobInput, JOB_STATES, parseEnqueueJob } from "./job.ts";
import type { EnqueueJobSchema } from "./job.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: EnqueueJobInput = {
  idempotency_key: "backfill:AAPL:2024-01",
  job_type: "backfill",
  payload: { symbol: "AAPL", from: "2024-01-01", timeframes: ["1m", "1d"] },
  priority: 10,
  run_after: "2024-01-02T10:00:00-05:00",
  max_attempts: 3,
};

Deno.test("EnqueueJobSchema is typed with exactly the declared EnqueueJob and EnqueueJobInput interfaces", () => {
  const same: Equal<ModelOutput<typeof EnqueueJobSchema>, EnqueueJob> = true;
  const input: Equal<ModelInput<typeof EnqueueJobSchema>, EnqueueJobInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("JOB_STATES lists the states in lifecycle order", () => {
  assertEquals(JOB_STATES, ["queued", "running", "done", "dead"]);
});

Deno.test("parseEnqueueJob() keeps every field of a complete request", () => {
  assertEquals(parseEnqueueJob(ok), {
    idempotency_key: "backfill:AAPL:2024-01",
    job_type: "backfill",
    payload: { symbol: "AAPL", from: "2024-01-01", timeframes: ["1m", "1d"] },
    priority: 10,
    run_after: new Date("2024-01-02T15:00:00Z"),
    max_attempts: 3,
  });
});

Deno.test("parseEnqueueJob() fills the documented defaults", () => {
  assertEquals(parseEnqueueJob({ idempotency_key: "k1", job_type: "backfill" }), {
    idempotency_key: "k1",
    job_type: "backfill",
    payload: {},
    priority: 0,
    run_after: null,
    max_attempts: 5,
  });
  assertEquals(parseEnqueueJob({ ...ok, run_after: null }).run_after, null);
});

Deno.test("parseEnqueueJob() accepts run_after as epoch milliseconds or a Date", () => {
  assertEquals(
    parseEnqueueJob({ ...ok, run_after: 1704207600000 }).run_after?.toISOString(),
    "2024-01-02T15:00:00.000Z",
  );
  const when = new Date("2030-06-01T00:00:00Z");
  assertEquals(parseEnqueueJob({ ...ok, run_after: when }).run_after, when);
});

Deno.test("parseEnqueueJob() accepts every allowed job_type character and the length limit", () => {
  assertEquals(
    parseEnqueueJob({ ...ok, job_type: "mds.backfill:v2_x-y" }).job_type,
    "mds.backfill:v2_x-y",
  );
  assertEquals(parseEnqueueJob({ ...ok, job_type: "a".repeat(100) }).job_type.length, 100);
  assertEquals(parseEnqueueJob({ ...ok, job_type: "0" }).job_type, "0");
});

Deno.test("parseEnqueueJob() accepts priority and max_attempts on the edges of their ranges", () => {
  assertEquals(parseEnqueueJob({ ...ok, priority: -1000 }).priority, -1000);
  assertEquals(parseEnqueueJob({ ...ok, priority: 1000 }).priority, 1000);
  assertEquals(parseEnqueueJob({ ...ok, max_attempts: 1 }).max_attempts, 1);
  assertEquals(parseEnqueueJob({ ...ok, max_attempts: 100 }).max_attempts, 100);
});

Deno.test("parseEnqueueJob() keeps nested payloads and text in any script", () => {
  const payload = { a: { b: [1, null, true, { c: '株 😀 "q" \\' }] }, empty: {} };
  assertEquals(parseEnqueueJob({ ...ok, payload }).payload, payload);
  const key = "ключ-😀";
  assertEquals(parseEnqueueJob({ ...ok, idempotency_key: key }).idempotency_key, key);
});

const payloadText = "x";
const payloadArray = [1];
const nestedNul = { a: { b: ["ok", "x\u0000"] } };
const keyNul = { "a\u0000": 1 };
const nestedSurrogate = { a: [{ b: "\udc00" }] };
const payloadBigint = { n: 10n };
const longKey = "k".repeat(201);

const invalid: InvalidCase[] = [
  [
    "a missing idempotency key",
    { idempotency_key: undefined },
    "idempotency_key",
    undefined,
    "is required",
  ],
  ["an empty idempotency key", { idempotency_key: "" }, "idempotency_key", "", "must not be empty"],
  ["a numeric idempotency key", { idempotency_key: 5 }, "idempotency_key", 5, "got a number"],
  [
    "a 201-character idempotency key",
    { idempotency_key: longKey },
    "idempotency_key",
    longKey,
    "longer than 200",
  ],
  [
    "an idempotency key with NUL",
    { idempotency_key: "k\u0000" },
    "idempotency_key",
    "k\u0000",
    "NUL character",
  ],
  [
    "an idempotency key with a lone surrogate",
    { idempotency_key: "k\ud800" },
    "idempotency_key",
    "k\ud800",
    "well-formed",
  ],
  ["a missing job_type", { job_type: undefined }, "job_type", undefined, "is required"],
  ["an upper-case job_type", { job_type: "Backfill" }, "job_type", "Backfill", "a-z, 0-9"],
  ["a job_type with a space", { job_type: "back fill" }, "job_type", "back fill", "a-z, 0-9"],
  ["a job_type with a trailing space", { job_type: "backfill " }, "job_type", "backfill ", "a-z"],
  ["an empty job_type", { job_type: "" }, "job_type", "", "must be 1 to 100 characters"],
  [
    "a 101-character job_type",
    { job_type: "a".repeat(101) },
    "job_type",
    "a".repeat(101),
    "1 to 100",
  ],
  ["a job_type with a slash", { job_type: "a/b" }, "job_type", "a/b", "'_', '.', ':' or '-'"],
  ["a numeric job_type", { job_type: 7 }, "job_type", 7, "must be 1 to 100 characters"],
  ["priority 1001", { priority: 1001 }, "priority", 1001, "must be between -1000 and 1000"],
  ["priority -1001", { priority: -1001 }, "priority", -1001, "must be between -1000 and 1000"],
  ["a fractional priority", { priority: 1.5 }, "priority", 1.5, "must be a whole number"],
  ["a NaN priority", { priority: NaN }, "priority", NaN, "must be a whole number"],
  ["an infinite priority", { priority: Infinity }, "priority", Infinity, "whole number"],
  ["a priority as text", { priority: "1" }, "priority", "1", "must be a whole number"],
  ["max_attempts 0", { max_attempts: 0 }, "max_attempts", 0, "must be between 1 and 100"],
  ["max_attempts 101", { max_attempts: 101 }, "max_attempts", 101, "must be between 1 and 100"],
  ["negative max_attempts", { max_attempts: -1 }, "max_attempts", -1, "between 1 and 100"],
  ["fractional max_attempts", { max_attempts: 2.5 }, "max_attempts", 2.5, "must be a whole number"],
  ["a payload as text", { payload: payloadText }, "payload", payloadText, "expected a JSON object"],
  ["a payload as an array", { payload: payloadArray }, "payload", payloadArray, "a JSON object"],
  ["a null payload", { payload: null }, "payload", null, "expected a JSON object"],
  ["a numeric payload", { payload: 5 }, "payload", 5, "expected a JSON object"],
  ["a payload with a nested NUL", { payload: nestedNul }, "payload", nestedNul, "NUL character"],
  ["a payload with a NUL in a key", { payload: keyNul }, "payload", keyNul, "NUL character"],
  [
    "a payload with a nested lone surrogate",
    { payload: nestedSurrogate },
    "payload",
    nestedSurrogate,
    "well-formed",
  ],
  [
    "a payload with a bigint",
    { payload: payloadBigint },
    "payload",
    payloadBigint,
    "not serialisable as JSON",
  ],
  ["run_after as a word", { run_after: "tomorrow" }, "run_after", "tomorrow", "expected ISO 8601"],
  ["a fractional epoch run_after", { run_after: 1.5 }, "run_after", 1.5, "whole number"],
];

testRejections("parseEnqueueJob", "job", parseEnqueueJob, ok, invalid);

Deno.test("parseEnqueueJob() rejects a circular payload as not serialisable", () => {
  const payload: Record<string, unknown> = {};
  payload.self = { payload };
  const err = assertThrows(() => parseEnqueueJob({ ...ok, payload }), ValidationError);
  assertEquals(err.field, "payload");
  assertEquals(err.reason, "is not serialisable as JSON: it contains itself");
});

Deno.test("parseEnqueueJob() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseEnqueueJob(undefined), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, "Invalid job: row is missing: expected a JSON object");
});
