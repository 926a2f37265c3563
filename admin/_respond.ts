// Turning thrown errors into `{ error: { code, message } }` responses.
import { MdsError } from "@mds/client";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DeadlineError } from "./_http.ts";
import { AdminHttpError, httpStatusOf } from "./errors.ts";
import { type Logger, scrubSecrets } from "./logger.ts";
import { SchemaDocumentError } from "@mds/sql";
import { SchemaRegistryError } from "./schema_registry.ts";

/**
 * The stable code of an error: its own for admin and mds errors, `MDS_TIMEOUT` for a missed
 * deadline, `MDS_ADMIN_INTERNAL` for anything else.
 *
 * @param err What was thrown.
 * @returns The code.
 */
export function errorCode(err: unknown): string {
  if (err instanceof AdminHttpError || err instanceof MdsError) return err.code;
  if (err instanceof DeadlineError) return "MDS_TIMEOUT";
  if (err instanceof SchemaRegistryError || err instanceof SchemaDocumentError) return err.code;
  return "MDS_ADMIN_INTERNAL";
}

/**
 * Answers a thrown error as JSON with its status, code and message. Unexpected errors answer
 * 500 with a generic message and are logged (scrubbed of secrets) instead.
 *
 * @param err What was thrown.
 * @param c The request context.
 * @param logger Where server-side failures are logged.
 * @param secrets Strings that must not appear in the response or the log.
 * @returns The response.
 */
export function errorResponse(
  err: unknown,
  c: Context,
  logger: Logger,
  secrets: readonly (string | undefined)[],
): Response {
  const code = errorCode(err);
  const known = err instanceof AdminHttpError || err instanceof MdsError;
  const status = err instanceof DeadlineError ? 504 : httpStatusOf(err);
  const message = known || err instanceof DeadlineError
    ? scrubSecrets((err as Error).message, secrets)
    : "Internal error";
  if (status >= 500 && status !== 501 && status !== 503) {
    logger.log("error", "request failed", {
      code,
      error: err instanceof Error ? err.name : typeof err,
      detail: scrubSecrets(err instanceof Error ? err.message : String(err), secrets),
    });
  }
  const body: { code: string; message: string; issues?: unknown } = { code, message };
  if (err instanceof AdminHttpError) {
    if (err.issues) body.issues = err.issues;
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
  }
  return c.json({ error: body }, status as ContentfulStatusCode);
}
