// The market-data API's HTTP plumbing: its error type and JSON error answers, bearer keys and the
// admin token, query parsing with zod.
import { timingSafeEqual } from "node:crypto";
import { httpStatusOf } from "@mds/admin";
import { MdsError } from "@mds/client";
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** An HTTP failure with a status and a stable code. */
export class ApiHttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Stable code. */
  readonly code: string;
  /** Problems found in the request, by field. */
  readonly issues: { field: string; reason: string }[] | undefined;

  /**
   * Creates the error.
   *
   * @param status HTTP status.
   * @param code Stable code.
   * @param message What went wrong.
   * @param issues Problems by field.
   */
  constructor(
    status: number,
    code: string,
    message: string,
    issues?: { field: string; reason: string }[],
  ) {
    super(message);
    this.name = "ApiHttpError";
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/** The scope a verified API key grants. */
export interface KeyScope {
  /** The key's id (never the key). */
  id: string;
  /** Its tenant: every request runs in this tenant's scope. */
  tenant: string;
  /** Whether it may only read. */
  readOnly: boolean;
}

/** Answers a thrown error as `{ error: { code, message, issues? } }`. */
export function apiErrorResponse(
  err: unknown,
  c: Context,
  log: (event: string, fields: Record<string, unknown>) => void,
): Response {
  let status: number, code: string, message: string;
  let issues: { field: string; reason: string }[] | undefined;
  if (err instanceof ApiHttpError) {
    ({ status, code, message, issues } = err);
  } else if (err instanceof MdsError) {
    status = httpStatusOf(err);
    code = err.code;
    message = err.message;
    const field = (err as { field?: unknown }).field;
    if (typeof field === "string") {
      issues = [{ field, reason: String((err as { reason?: unknown }).reason ?? err.message) }];
    }
  } else {
    status = 500;
    code = "MDS_INTERNAL";
    message = "Internal error";
    log("request_failed", { error: err instanceof Error ? err.message : String(err) });
  }
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="mds"');
  return c.json(
    { error: { code, message, ...(issues ? { issues } : {}) } },
    status as ContentfulStatusCode,
  );
}

const BEARER = /^Bearer +([^\s]+) *$/i;
/** The WebSocket subprotocol a client offers with its key: `bearer.<key>`. */
export const WS_KEY_PROTOCOL_PREFIX = "bearer.";
/** The subprotocol the server selects: offer it beside the key. */
export const WS_PROTOCOL = "mds.v1";

/** The presented key: the `Authorization` header, or for a WebSocket upgrade the subprotocol. */
export function presentedKey(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined) return BEARER.exec(header)?.[1];
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") {
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const bearer = offered.find((p) => p.startsWith(WS_KEY_PROTOCOL_PREFIX));
    return bearer?.slice(WS_KEY_PROTOCOL_PREFIX.length) || undefined;
  }
  return undefined;
}

/** Admits requests with a valid API key; sets `scope`. */
export function keyAuth(
  verify: (key: string) => Promise<KeyScope | null>,
): MiddlewareHandler<{ Variables: { scope: KeyScope } }> {
  return async (c, next) => {
    const key = presentedKey(c);
    if (key === undefined) {
      throw new ApiHttpError(
        401,
        "MDS_UNAUTHORIZED",
        "Missing API key: send Authorization: Bearer <key>",
      );
    }
    const scope = await verify(key);
    if (scope === null) throw new ApiHttpError(401, "MDS_UNAUTHORIZED", "Invalid API key");
    c.set("scope", scope);
    await next();
  };
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** Admits requests with `Authorization: Bearer <admin token>`; 503 when none is configured. */
export function adminAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token === undefined) {
      throw new ApiHttpError(
        503,
        "MDS_ADMIN_TOKEN_NOT_CONFIGURED",
        "The admin token is not configured (ADMIN_TOKEN)",
      );
    }
    const header = c.req.header("authorization");
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    const ok = presented !== undefined &&
      timingSafeEqual(await sha256(presented), await sha256(token));
    if (!ok) throw new ApiHttpError(401, "MDS_UNAUTHORIZED", "Missing or invalid admin token");
    await next();
  };
}

/** Parses a request's query (or any record) with a zod schema; 400 naming each field. */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what = "query"): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    field: i.path.map(String).join(".") || what,
    reason: i.message,
  }));
  throw new ApiHttpError(
    400,
    "MDS_VALIDATION",
    `Invalid ${what}: ${issues.map((i) => `"${i.field}" ${i.reason}`).join("; ")}`,
    issues,
  );
}
