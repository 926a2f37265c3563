import { z } from "zod";
import { field, jsonObject, Refusal, text, timestamp, withDefault } from "./_field_rules.ts";
import { type Equal, parseWith } from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** The states of a job, in lifecycle order. */
export const JOB_STATES = ["queued", "running", "done", "dead"] as const;
/** One of {@linkcode JOB_STATES}. */
export type JobState = typeof JOB_STATES[number];

/** A job in the outbox, as stored. */
export interface Job {
  /** Job id. */
  id: string;
  /** Owner. */
  tenant_id: string;
  /** Caller-chosen key; one job per key and tenant, whatever its state. */
  idempotency_key: string;
  /** What kind of work, for example `backfill`. */
  job_type: string;
  /** Arguments of the work. */
  payload: Record<string, unknown>;
  /** Lifecycle state. */
  state: JobState;
  /** Smaller runs first. */
  priority: number;
  /** Attempts started so far. */
  attempts: number;
  /** Attempts allowed before the job is dead. */
  max_attempts: number;
  /** Not claimed before this time. */
  run_after: Date;
  /** A running job returns to the queue after this time. */
  lease_until: Date | null;
  /** Message of the last failure. */
  last_error: string | null;
  /** SQLSTATE or mds code of the last failure. */
  last_error_code: string | null;
  /** Creation time. */
  created_at: Date;
  /** Last change. */
  updated_at: Date;
}

/** A request to enqueue a job. */
export interface EnqueueJob {
  /** One job per key and tenant: asking again returns the same job. */
  idempotency_key: string;
  /** What kind of work: `[a-z0-9_.:-]`, at most 100 characters. */
  job_type: string;
  /** Arguments of the work. @default {{}} */
  payload: Record<string, unknown>;
  /** Smaller runs first, from -1000 to 1000. @default {0} */
  priority: number;
  /** Not claimed before this time. @default {now} */
  run_after: Date | null;
  /** Attempts allowed, 1 to 100. @default {5} */
  max_attempts: number;
}

/** What {@linkcode parseEnqueueJob} accepts. */
export interface EnqueueJobInput {
  /** One job per key and tenant. */
  idempotency_key: string;
  /** What kind of work. */
  job_type: string;
  /** Arguments of the work. */
  payload?: Record<string, unknown> | undefined;
  /** Smaller runs first. */
  priority?: number | undefined;
  /** Not claimed before this time. */
  run_after?: string | number | Date | null | undefined;
  /** Attempts allowed. */
  max_attempts?: number | undefined;
}

const JOB_TYPE = /^[a-z0-9_.:-]{1,100}$/;
const jobType = (value: unknown): string | Refusal =>
  value === undefined
    ? new Refusal("is required")
    : typeof value === "string" && JOB_TYPE.test(value)
    ? value
    : new Refusal("must be 1 to 100 characters of a-z, 0-9, '_', '.', ':' or '-'");
const wholeIn = (min: number, max: number) => (value: unknown): number | Refusal => {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return new Refusal("must be a whole number");
  }
  return value < min || value > max ? new Refusal(`must be between ${min} and ${max}`) : value;
};

const enqueueShape = z.object({
  idempotency_key: field<string, string>(text(200)),
  job_type: field<string, string>(jobType),
  payload: field<Record<string, unknown>, Record<string, unknown> | undefined>(
    withDefault(jsonObject, {}),
  ).optional(),
  priority: field<number, number | undefined>(withDefault(wholeIn(-1000, 1000), 0)).optional(),
  run_after: field<Date | null, string | number | Date | null | undefined>((v) =>
    v === undefined || v === null ? null : timestamp(v)
  ).optional(),
  max_attempts: field<number, number | undefined>(withDefault(wholeIn(1, 100), 5)).optional(),
}).transform((j): EnqueueJob => ({
  idempotency_key: j.idempotency_key,
  job_type: j.job_type,
  payload: j.payload ?? {},
  priority: j.priority ?? 0,
  run_after: j.run_after ?? null,
  max_attempts: j.max_attempts ?? 5,
}));

/** The zod model of an {@linkcode EnqueueJob} request. */
export const EnqueueJobSchema: Model<EnqueueJob, EnqueueJobInput> = enqueueShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof enqueueShape>, EnqueueJob> = true;
const _inputMatches: Equal<z.input<typeof enqueueShape>, EnqueueJobInput> = true;

/**
 * Validates a request to enqueue a job and fills its defaults.
 *
 * @param input The request as received.
 * @returns The request with defaults.
 * @throws {ValidationError} When a field is missing or invalid.
 *
 * @example
 * ```ts
 * import { parseEnqueueJob } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const j = parseEnqueueJob({ idempotency_key: "k1", job_type: "backfill" });
 * assert.deepEqual([j.priority, j.max_attempts, j.payload], [0, 5, {}]);
 * ```
 */
export function parseEnqueueJob(input: unknown): EnqueueJob {
  return parseWith(EnqueueJobSchema, "job", input);
}
