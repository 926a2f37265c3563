import { MdsError } from "@mds/client";

/**
 * The error codes the admin server adds to those of `@mds/client`. Every error response is
 * `{ error: { code, message } }` with one of these codes or an mds code. Branch on the code,
 * never on the message.
 */
export const ADMIN_ERROR_CODES = [
  "MDS_ADMIN_UNAUTHORIZED",
  "MDS_ADMIN_TOKEN_NOT_CONFIGURED",
  "MDS_ADMIN_PAYLOAD_TOO_LARGE",
  "MDS_ADMIN_BAD_JSON",
  "MDS_ADMIN_NOT_MIGRATED",
  "MDS_ADMIN_NOT_FOUND",
  "MDS_ADMIN_INTERNAL",
  "MDS_VALIDATION",
] as const;

/** One of {@linkcode ADMIN_ERROR_CODES}. */
export type AdminErrorCode = typeof ADMIN_ERROR_CODES[number];

/** One problem found in a request body. */
export interface BodyIssue {
  /** Dotted path of the offending field, `""` for the whole body. */
  field: string;
  /** Why it was refused. */
  reason: string;
}

/** Options of {@linkcode AdminHttpError}. */
export interface AdminHttpErrorOptions {
  /** The problems found in a request body, for `MDS_VALIDATION`. */
  issues?: readonly BodyIssue[] | undefined;
  /** Headers to send with the error response, such as `WWW-Authenticate`. */
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * An error the admin server answers with a given HTTP status: bad credentials, a body that is
 * not JSON or fails validation, a body too large.
 *
 * @example
 * ```ts
 * import { AdminHttpError, httpStatusOf } from "@mds/admin";
 * import assert from "node:assert/strict";
 *
 * const err = new AdminHttpError(400, "MDS_ADMIN_BAD_JSON", "Request body is not valid JSON");
 * assert.equal(httpStatusOf(err), 400);
 * assert.equal(err.code, "MDS_ADMIN_BAD_JSON");
 * ```
 */
export class AdminHttpError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Stable machine-readable code. */
  readonly code: AdminErrorCode;
  /** The problems found in a request body, for `MDS_VALIDATION`. */
  readonly issues: readonly BodyIssue[] | undefined;
  /** Headers to send with the error response. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * Creates the error.
   *
   * @param status The HTTP status, 400 to 599.
   * @param code Stable machine-readable code.
   * @param message Sentence-case message without a final period.
   * @param options Body issues and response headers.
   */
  constructor(
    status: number,
    code: AdminErrorCode,
    message: string,
    options: AdminHttpErrorOptions = {},
  ) {
    super(message);
    this.name = "AdminHttpError";
    this.status = status;
    this.code = code;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  MDS_VALIDATION: 400,
  MDS_CONFIG: 400,
  MDS_TENANT_DENIED: 403,
  MDS_NOT_FOUND: 404,
  MDS_AS_OF_OUT_OF_RANGE: 422,
  MDS_MIGRATION_DRIFT: 409,
  MDS_MIGRATION_LOCK: 409,
  MDS_CAPACITY: 429,
  MDS_REQUIRES_TIMESCALE: 501,
  MDS_RETRYABLE: 503,
  MDS_TIMEOUT: 504,
};

/**
 * The HTTP status an error is answered with: the admin error's own status; for mds errors by
 * code (validation and config 400, tenant denied 403, not found 404, an as-of instant outside the
 * version history 422, drift and migration lock
 * 409, a full backfill tier 429, requires TimescaleDB 501, retryable 503, timeout 504); 500 for
 * anything else.
 *
 * @param err What was thrown.
 * @returns The HTTP status.
 *
 * @example
 * ```ts
 * import { httpStatusOf } from "@mds/admin";
 * import { MigrationDriftError, RequiresTimescaleError, TenantDeniedError } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(httpStatusOf(new RequiresTimescaleError("Refreshing an aggregate")), 501);
 * assert.equal(httpStatusOf(new TenantDeniedError("No tenant")), 403);
 * assert.equal(httpStatusOf(new MigrationDriftError([])), 409);
 * assert.equal(httpStatusOf(new Error("boom")), 500);
 * ```
 */
export function httpStatusOf(err: unknown): number {
  if (err instanceof AdminHttpError) return err.status;
  if (err instanceof MdsError) return STATUS_BY_CODE[err.code] ?? 500;
  return 500;
}
