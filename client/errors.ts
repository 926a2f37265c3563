import { MdsError, type MdsErrorOptions } from "@mds/sql";

export {
  ERROR_CODES,
  type ErrorCode,
  MdsError,
  type MdsErrorOptions,
  ValidationError,
} from "@mds/sql";

/** The statement behind a database error: attached non-enumerably so logs never show it. */
export interface FailedQuery {
  /** Statement text. */
  readonly text: string;
  /** Parameter values. */
  readonly params: readonly unknown[];
}

/**
 * An error the database reported. Carries the SQLSTATE and the statement (non-enumerable
 * `query`), with the driver's error as `cause`.
 *
 * @example
 * ```ts
 * import { DatabaseError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new DatabaseError("Division by zero", { sqlState: "22012" });
 * assert.deepEqual([err.code, err.sqlState], ["MDS_DATABASE", "22012"]);
 * ```
 */
export class DatabaseError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE and cause.
   */
  constructor(message: string, options: MdsErrorOptions = {}) {
    super("MDS_DATABASE", message, options);
  }
}

/**
 * A transient failure worth retrying: connection lost (class 08), serialization failure (40001),
 * deadlock (40P01), too many connections (53300), server shutting down or starting (57P01-57P03).
 * Every mds write is idempotent, so retrying it is safe.
 *
 * @example
 * ```ts
 * import { RetryableError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new RetryableError("Deadlock detected", { sqlState: "40P01" }).code, "MDS_RETRYABLE");
 * ```
 */
export class RetryableError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE and cause.
   */
  constructor(message: string, options: MdsErrorOptions = {}) {
    super("MDS_RETRYABLE", message, options);
  }
}

/**
 * A constraint of the store refused the data (SQLSTATE class 23).
 *
 * @example
 * ```ts
 * import { ConstraintViolationError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new ConstraintViolationError("Check failed", { sqlState: "23514", constraint: "c" });
 * assert.deepEqual(err.constraint, "c");
 * ```
 */
export class ConstraintViolationError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;
  /** Name of the violated constraint, where the server gave it. */
  readonly constraint: string | undefined;
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE, cause and the constraint name.
   */
  constructor(
    message: string,
    options: MdsErrorOptions & { constraint?: string | undefined } = {},
  ) {
    super("MDS_CONSTRAINT", message, options);
    this.constraint = options.constraint;
  }
}

/**
 * A row was outside the tenant scope (SQLSTATE 44000, the views' check option), or no tenant was
 * given for tenant-scoped work.
 *
 * @example
 * ```ts
 * import { TenantDeniedError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new TenantDeniedError("No tenant").code, "MDS_TENANT_DENIED");
 * ```
 */
export class TenantDeniedError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE and cause.
   */
  constructor(message: string, options: MdsErrorOptions = {}) {
    super("MDS_TENANT_DENIED", message, options);
  }
}

/**
 * The role lacks a privilege (SQLSTATE 42501), for example on the private schema.
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new PermissionDeniedError("Denied").code, "MDS_PERMISSION_DENIED");
 * ```
 */
export class PermissionDeniedError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE and cause.
   */
  constructor(message: string, options: MdsErrorOptions = {}) {
    super("MDS_PERMISSION_DENIED", message, options);
  }
}

/** What timed out. */
export type TimeoutKind = "statement" | "lock" | "connect";

/**
 * A statement (57014), a lock wait (55P03) or a connection attempt took too long.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new TimeoutError("Too slow", { kind: "lock", sqlState: "55P03" }).kind, "lock");
 * ```
 */
export class TimeoutError extends MdsError {
  /** The failed statement; not enumerable. */
  declare readonly query: FailedQuery | undefined;
  /** What timed out. */
  readonly kind: TimeoutKind;
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options SQLSTATE, cause and what timed out.
   */
  constructor(message: string, options: MdsErrorOptions & { kind: TimeoutKind }) {
    super("MDS_TIMEOUT", message, options);
    this.kind = options.kind;
  }
}

/**
 * An option passed to mds is invalid; names the option.
 *
 * @example
 * ```ts
 * import { ConfigError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new ConfigError("max", 0, "must be at least 1").option, "max");
 * ```
 */
export class ConfigError extends MdsError {
  /** The option's name. */
  readonly option: string;
  /**
   * Creates the error.
   *
   * @param option The option's name.
   * @param value The value given.
   * @param reason Why it is refused.
   */
  constructor(option: string, value: unknown, reason: string) {
    super("MDS_CONFIG", `Invalid option "${option}": ${reason} (got ${describe(value)})`);
    this.option = option;
  }
}

/**
 * The operation needs TimescaleDB and the database runs without it.
 *
 * @example
 * ```ts
 * import { RequiresTimescaleError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(new RequiresTimescaleError("Refreshing an aggregate").code, "MDS_REQUIRES_TIMESCALE");
 * ```
 */
export class RequiresTimescaleError extends MdsError {
  /**
   * Creates the error.
   *
   * @param what The operation, as the start of a sentence.
   */
  constructor(what: string) {
    super(
      "MDS_REQUIRES_TIMESCALE",
      `${what} requires TimescaleDB, and this database runs without it`,
    );
  }
}

/**
 * A point-in-time read asked for an instant the version history cannot answer for: before
 * history began (migration 0013), before its horizon (pruned or dropped by retention), or in the
 * future. Answering would silently give the wrong data, so mds refuses.
 *
 * @example
 * ```ts
 * import { AsOfOutOfRangeError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new AsOfOutOfRangeError(new Date(0), "is before history began at 2024-01-01T00:00:00.000Z");
 * assert.deepEqual([err.code, err.knownAt.getTime()], ["MDS_AS_OF_OUT_OF_RANGE", 0]);
 * ```
 */
export class AsOfOutOfRangeError extends MdsError {
  /** The instant asked for. */
  readonly knownAt: Date;
  /**
   * Creates the error.
   *
   * @param knownAt The instant asked for.
   * @param reason Why it cannot be answered, e.g. `is before history began at ...`.
   */
  constructor(knownAt: Date, reason: string) {
    super(
      "MDS_AS_OF_OUT_OF_RANGE",
      `Cannot read as of "${knownAt.toISOString()}": it ${reason}`,
    );
    this.knownAt = knownAt;
  }
}

/**
 * The embedded store's file system has less free space than its floor, so the write was not
 * started: PGlite cannot recover from running out of disk inside a write (it may spin or leave
 * the process unusable), so mds stops before. Free space, or lower the floor (`minFreeBytes`).
 *
 * @example
 * ```ts
 * import { DiskSpaceError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const err = new DiskSpaceError("/data/.mds", 10 * 2 ** 20, 64 * 2 ** 20);
 * assert.deepEqual(err.code, "MDS_DISK_FULL");
 * ```
 */
export class DiskSpaceError extends MdsError {
  /** The data directory. */
  readonly dir: string;
  /** Bytes free for this process on its file system. */
  readonly freeBytes: number;
  /** The floor. */
  readonly minFreeBytes: number;

  /**
   * Creates the error.
   *
   * @param dir The data directory.
   * @param freeBytes Bytes free on its file system.
   * @param minFreeBytes The floor.
   */
  constructor(dir: string, freeBytes: number, minFreeBytes: number) {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    super(
      "MDS_DISK_FULL",
      `Embedded store ${JSON.stringify(dir)} has ${
        mib(freeBytes)
      } of disk left, below the floor of ${
        mib(minFreeBytes)
      } (minFreeBytes): nothing was written; free disk space and run again`,
    );
    this.dir = dir;
    this.freeBytes = freeBytes;
    this.minFreeBytes = minFreeBytes;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const RETRYABLE_STATES = new Set(["40001", "40P01", "53300", "57P01", "57P02", "57P03"]);
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTCONN",
]);

/**
 * Maps a driver error to the mds error class callers branch on, by SQLSTATE (never by message).
 * Errors that are already mds errors pass through.
 *
 * @param err What the driver threw.
 * @param query The statement, attached non-enumerably.
 * @returns The mapped error, with `err` as its cause.
 *
 * @example
 * ```ts
 * import { mapDatabaseError, TenantDeniedError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * const pgError = Object.assign(new Error("new row violates check option"), { code: "44000", severity: "ERROR" });
 * assert.deepEqual(mapDatabaseError(pgError) instanceof TenantDeniedError, true);
 * ```
 */
export function mapDatabaseError(err: unknown, query?: FailedQuery): MdsError {
  if (err instanceof MdsError) return err;
  const code = typeof (err as { code?: unknown })?.code === "string"
    ? (err as { code: string }).code
    : undefined;
  const message = sentence(err instanceof Error ? err.message : String(err));
  // Only errors the server reported carry a SQLSTATE (they have a severity); driver codes such
  // as EPIPE have the same shape and must not pass for one.
  const fromServer = typeof (err as { severity?: unknown })?.severity === "string";
  const sqlState = code && fromServer && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const base = { sqlState, cause: err };
  let mapped: MdsError;
  if (sqlState === "44000") {
    mapped = new TenantDeniedError(`Row is outside the tenant scope: ${message}`, base);
  } else if (sqlState === "42501") mapped = new PermissionDeniedError(message, base);
  else if (sqlState === "57014") mapped = new TimeoutError(message, { ...base, kind: "statement" });
  else if (sqlState === "55P03") mapped = new TimeoutError(message, { ...base, kind: "lock" });
  else if (sqlState?.startsWith("23")) {
    const constraint = err as { constraint_name?: string; constraint?: string };
    mapped = new ConstraintViolationError(message, {
      ...base,
      constraint: constraint.constraint_name ?? constraint.constraint,
    });
  } else if (sqlState && (sqlState.startsWith("08") || RETRYABLE_STATES.has(sqlState))) {
    mapped = new RetryableError(message, base);
  } else if (code === "CONNECT_TIMEOUT") {
    mapped = new TimeoutError(message, { ...base, kind: "connect" });
  } else if (code && CONNECTION_CODES.has(code)) {
    // The driver's own words ("This socket has been ended by the other party") do not say that
    // the database went away; say so first.
    const raw = err instanceof Error ? err.message : String(err);
    mapped = new RetryableError(
      code === "ECONNREFUSED"
        ? `Cannot connect to the database server: ${raw}`
        : `Lost the connection to the database server: ${raw}`,
      base,
    );
  } else mapped = new DatabaseError(message, base);
  if (query) Object.defineProperty(mapped, "query", { value: query, enumerable: false });
  return mapped;
}

function sentence(message: string): string {
  const trimmed = message.replace(/\.$/, "");
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}
