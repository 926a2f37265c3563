/**
 * The error classes shared by every mds package.
 *
 * @module
 */

/** Stable error codes. Branch on these, never on message text. */
export const ERROR_CODES = [
  "MDS_VALIDATION",
  "MDS_CONFIG",
  "MDS_RETRYABLE",
  "MDS_CONSTRAINT",
  "MDS_TENANT_DENIED",
  "MDS_PERMISSION_DENIED",
  "MDS_TIMEOUT",
  "MDS_MIGRATION_DRIFT",
  "MDS_MIGRATION_LOCK",
  "MDS_MIGRATION_FAILED",
  "MDS_REQUIRES_TIMESCALE",
  "MDS_CAPACITY",
  "MDS_NOT_FOUND",
  "MDS_CLOSED",
  "MDS_STORE_LOCKED",
  "MDS_DISK_FULL",
  "MDS_AS_OF_OUT_OF_RANGE",
  "MDS_DATABASE",
] as const;

/** One of {@linkcode ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

/** Options accepted by every mds error constructor. */
export interface MdsErrorOptions {
  /** The SQLSTATE reported by the database, where there is one. */
  sqlState?: string | undefined;
  /** The original error. */
  cause?: unknown;
}

/**
 * Base class of every error mds throws on purpose.
 *
 * @example Branching on the code
 * ```ts
 * import { MdsError } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const err = new MdsError("MDS_CONFIG", "Option \"max\" is 0");
 * assert.deepEqual(err.code, "MDS_CONFIG");
 * assert.deepEqual(err instanceof Error, true);
 * ```
 */
export class MdsError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** The SQLSTATE reported by the database, where there is one. */
  readonly sqlState: string | undefined;

  /**
   * Creates the error.
   *
   * @param code Stable machine-readable code.
   * @param message Sentence-case message without a final period.
   * @param options SQLSTATE and cause.
   */
  constructor(code: ErrorCode, message: string, options: MdsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.sqlState = options.sqlState;
  }
}

/** Where a validation problem was found. */
export interface ValidationDetail {
  /** What was being validated, for example `bar`. */
  kind: string;
  /** Dotted path of the offending field, `""` for the whole row. */
  field: string;
  /** The offending value as it was received. */
  value: unknown;
  /** Why it was refused. */
  reason: string;
  /** Zero-based index of the row in its batch, where there is one. */
  index?: number | undefined;
}

/**
 * A row or option failed validation. Names the field and quotes the value.
 *
 * @example
 * ```ts
 * import { parseBar, ValidationError } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * try {
 *   parseBar({ ts: "2024-01-02T15:30:00Z", vendor: "x", symbol: "A", timeframe: "7x",
 *     open: 1, high: 1, low: 1, close: 1 });
 *   assert.ok(false);
 * } catch (err) {
 *   assert.ok(err instanceof ValidationError);
 *   assert.deepEqual(err.field, "timeframe");
 *   assert.deepEqual(err.value, "7x");
 * }
 * ```
 */
export class ValidationError extends MdsError {
  /** What was being validated, for example `bar`. */
  readonly kind: string;
  /** Dotted path of the offending field. */
  readonly field: string;
  /** The offending value as it was received. */
  readonly value: unknown;
  /** Why it was refused. */
  readonly reason: string;
  /** Zero-based index of the row in its batch, where there is one. */
  readonly index: number | undefined;

  /**
   * Creates the error.
   *
   * @param detail Where and why validation failed.
   */
  constructor(detail: ValidationDetail) {
    super("MDS_VALIDATION", validationMessage(detail));
    this.kind = detail.kind;
    this.field = detail.field;
    this.value = detail.value;
    this.reason = detail.reason;
    this.index = detail.index;
  }
}

function validationMessage(d: ValidationDetail): string {
  const where = d.index === undefined ? "" : ` at row ${d.index}`;
  const field = d.field === "" ? "row" : `"${d.field}"`;
  return `Invalid ${d.kind}${where}: ${field} is ${quote(d.value)}: ${d.reason}`;
}

/** Renders a value for an error message, shortened so a huge value cannot flood a log. */
export function quote(value: unknown): string {
  let text: string;
  if (value === undefined) return "missing";
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number" || typeof value === "boolean" || value === null) {
    text = String(value);
  } else if (value instanceof Date) text = value.toISOString();
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length <= 80) return text;
  // never end on the first half of a surrogate pair: it would print as U+FFFD
  const end = isHighSurrogate(text.charCodeAt(76)) ? 76 : 77;
  return `${text.slice(0, end)}...`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
