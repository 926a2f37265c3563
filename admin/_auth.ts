// Bearer-token authentication of the mutating endpoints. The presented token and the configured
// one are both hashed with SHA-256 and the equal-length digests compared in constant time, so
// neither the token's content nor its length leaks through timing.
import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AdminHttpError } from "./errors.ts";

/** The challenge sent with every 401. */
export const CHALLENGE = 'Bearer realm="mds-admin"';

/** RFC 6750 `b64token`: the characters a bearer token may hold. */
export const TOKEN_SYNTAX: RegExp = /^[A-Za-z0-9\-._~+/]+=*$/;

const BEARER = /^Bearer +([^\s]+) *$/i;

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * Compares two strings in time independent of their content and length.
 *
 * @param presented What the caller sent.
 * @param expected The configured secret.
 * @returns Whether they are equal.
 */
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return timingSafeEqual(a, b);
}

/**
 * Middleware admitting requests with `Authorization: Bearer <token>`. Without a configured
 * token every request is refused with 503 `MDS_ADMIN_TOKEN_NOT_CONFIGURED`; a missing or wrong
 * token gets 401 `MDS_ADMIN_UNAUTHORIZED` with a `WWW-Authenticate` challenge.
 *
 * @param token The admin token, or `undefined` when none is configured.
 * @returns The middleware.
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token === undefined) {
      throw new AdminHttpError(503, "MDS_ADMIN_TOKEN_NOT_CONFIGURED", "admin token not configured");
    }
    const header = c.req.header("authorization");
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (presented === undefined || !(await sameSecret(presented, token))) {
      throw new AdminHttpError(
        401,
        "MDS_ADMIN_UNAUTHORIZED",
        presented === undefined
          ? "Missing bearer token: send Authorization: Bearer <admin token>"
          : "Invalid bearer token",
        {
          headers: {
            "WWW-Authenticate": presented === undefined
              ? CHALLENGE
              : `${CHALLENGE}, error="invalid_token"`,
          },
        },
      );
    }
    await next();
  };
}
