// Request-body parsing, the body-size limit and deadlines shared by the routes.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { AdminHttpError, type BodyIssue } from "./errors.ts";

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function quote(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The answer to a request body that could not be read to its end: the client closed or reset
 * the connection before sending as many bytes as it declared, or broke the chunked coding. The
 * fault is the client's, so 400, not 500.
 *
 * @param cause What reading the body threw.
 * @returns 400 `MDS_ADMIN_BAD_JSON`.
 */
function unreadableBody(cause: unknown): AdminHttpError {
  const err = new AdminHttpError(
    400,
    "MDS_ADMIN_BAD_JSON",
    "Request body could not be read: the connection ended before the body did",
  );
  err.cause = cause;
  return err;
}

/**
 * Middleware refusing request bodies over `maxSize` bytes with 413
 * `MDS_ADMIN_PAYLOAD_TOO_LARGE`, whether the size is declared in `Content-Length` or only
 * found by counting a chunked body; a body that ends early answers 400 `MDS_ADMIN_BAD_JSON`.
 *
 * @param maxSize The largest body accepted, in bytes.
 * @returns The middleware.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AdminHttpError(
        413,
        "MDS_ADMIN_PAYLOAD_TOO_LARGE",
        `Request body exceeds ${maxSize} bytes`,
      );
    },
  });
  return async (c, next) => {
    let reading = true;
    try {
      return await limit(c, () => {
        reading = false;
        return next();
      });
    } catch (err) {
      // Before next() the middleware only reads the body: anything else it throws there is the
      // connection failing under it.
      if (reading && !(err instanceof AdminHttpError)) throw unreadableBody(err);
      throw err;
    }
  };
}

/**
 * Reads the request body as JSON and validates it with `schema`.
 *
 * @param c The request context.
 * @param schema The zod schema of the body.
 * @param allowEmpty Treat an empty body as `{}`.
 * @returns The parsed body.
 * @throws {AdminHttpError} 400 `MDS_ADMIN_BAD_JSON` when the body is not JSON or ends before
 * its declared length, 400
 * `MDS_VALIDATION` naming the first offending field when it fails the schema.
 */
export async function readBody<T>(
  c: Context,
  schema: z.ZodType<T>,
  allowEmpty = false,
): Promise<T> {
  let text: string;
  try {
    text = await c.req.text();
  } catch (err) {
    throw unreadableBody(err);
  }
  let input: unknown;
  if (text.trim() === "") {
    if (!allowEmpty) {
      throw new AdminHttpError(
        400,
        "MDS_ADMIN_BAD_JSON",
        "Request body is empty: send a JSON object",
      );
    }
    input = {};
  } else {
    try {
      input = JSON.parse(text);
    } catch {
      throw new AdminHttpError(400, "MDS_ADMIN_BAD_JSON", "Request body is not valid JSON");
    }
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues: BodyIssue[] = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join("."),
    reason: i.message,
  }));
  const first = parsed.error.issues[0]!;
  const field = first.path.length === 0 ? "body" : `"${first.path.map(String).join(".")}"`;
  throw new AdminHttpError(
    400,
    "MDS_VALIDATION",
    `Invalid request body: ${field} is ${quote(valueAt(input, first.path))}: ${first.message}`,
    { issues },
  );
}

/** Rejection of {@linkcode withDeadline} when the work took too long. */
export class DeadlineError extends Error {
  /**
   * Creates the error.
   *
   * @param what The work, for the message.
   * @param ms The deadline in milliseconds.
   */
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/**
 * Waits for `work` at most `ms` milliseconds. The work itself is not cancelled.
 *
 * @param work The promise.
 * @param ms The deadline.
 * @param what The work, for the error message.
 * @returns What `work` resolves to.
 * @throws {DeadlineError} When the deadline passes first.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
