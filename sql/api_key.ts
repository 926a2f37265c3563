// API keys of the market-data API: their text format, the hash the store keeps of a secret, and
// the name a key is given. No randomness and no I/O here; the client draws secrets.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { ValidationError } from "./errors.ts";
import { parseTenantId } from "./fields.ts";

/** Every key starts with this. */
export const API_KEY_PREFIX: string = "mds_";
/** Bytes of randomness in a key's secret. */
export const API_KEY_SECRET_BYTES: number = 32;
/** Most characters in a key's name. */
export const API_KEY_NAME_MAX: number = 200;

/** A key taken apart: the id it names and its secret. */
export interface ApiKeyParts {
  /** The key's id, a lower-case UUID. */
  readonly id: string;
  /** The secret, {@linkcode API_KEY_SECRET_BYTES} bytes. */
  readonly secret: Uint8Array;
}

// mds_ + 32 hex + _ + 43 base64url characters (32 bytes without padding).
const KEY = /^mds_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const KEY_LENGTH = 4 + 32 + 1 + 43;
const CONTROL = /\p{Cc}/u;

/**
 * Writes a key as it is handed out: `mds_<id as 32 hex>_<secret as base64url>`.
 *
 * @param id The key's id, a UUID.
 * @param secret The secret, {@linkcode API_KEY_SECRET_BYTES} bytes.
 * @returns The key, 80 characters.
 * @throws {ValidationError} When `id` is not a UUID or the secret has another length.
 *
 * @example
 * ```ts
 * import { formatApiKey, parseApiKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const key = formatApiKey("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", new Uint8Array(32).fill(7));
 * assert.equal(key, "mds_6f1c7a543b1e4c8e9a572d4be1f0a001_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc");
 * assert.equal(parseApiKey(key)?.id, "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
 * ```
 */
export function formatApiKey(id: string, secret: Uint8Array): string {
  const uuid = parseTenantId(id, "id");
  if (!(secret instanceof Uint8Array) || secret.length !== API_KEY_SECRET_BYTES) {
    throw new ValidationError({
      kind: "argument",
      field: "secret",
      value: secret instanceof Uint8Array ? `${secret.length} bytes` : secret,
      reason: `must be ${API_KEY_SECRET_BYTES} bytes`,
    });
  }
  return `${API_KEY_PREFIX}${uuid.replaceAll("-", "")}_${
    Buffer.from(secret).toString("base64url")
  }`;
}

/**
 * Takes a key apart, or answers `null` for anything that is not a well-formed key: wrong prefix,
 * length or alphabet, an upper-case id, a secret not in canonical base64url. It never throws and
 * never says which part was wrong, so a malformed key tells a guesser nothing.
 *
 * @param key The key as presented, of any type.
 * @returns The id and secret, or `null`.
 *
 * @example
 * ```ts
 * import { parseApiKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const parts = parseApiKey("mds_6f1c7a543b1e4c8e9a572d4be1f0a001_" + "A".repeat(43));
 * assert.deepEqual([parts?.id, parts?.secret.length], ["6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", 32]);
 * assert.equal(parseApiKey("mds_not-a-key"), null);
 * assert.equal(parseApiKey(42), null);
 * ```
 */
export function parseApiKey(key: unknown): ApiKeyParts | null {
  if (typeof key !== "string" || key.length !== KEY_LENGTH) return null;
  const m = KEY.exec(key);
  if (!m) return null;
  const hex = m[1]!;
  const encoded = m[2]!;
  const secret = Buffer.from(encoded, "base64url");
  // 43 characters carry 258 bits: two spellings of the last one decode alike; only one is a key.
  if (secret.length !== API_KEY_SECRET_BYTES || secret.toString("base64url") !== encoded) {
    return null;
  }
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
  return { id, secret: new Uint8Array(secret) };
}

/**
 * The hash the store keeps of a secret: SHA-256 of its bytes, as lower-case hex.
 *
 * @param secret The secret's bytes.
 * @returns 64 hex digits.
 *
 * @example
 * ```ts
 * import { hashApiKeySecret } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hashApiKeySecret(new Uint8Array(0)),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 * ```
 */
export function hashApiKeySecret(secret: Uint8Array): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Validates a key's name: text without control characters, trimmed, at most
 * {@linkcode API_KEY_NAME_MAX} characters; `undefined` and `null` give the empty name.
 *
 * @param value The name as received.
 * @param field Its name, quoted in the error. @default {"name"}
 * @returns The name, trimmed.
 * @throws {ValidationError} When it is not such text.
 *
 * @example
 * ```ts
 * import { parseApiKeyName } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseApiKeyName("  dashboard  "), "dashboard");
 * assert.equal(parseApiKeyName(undefined), "");
 * assert.throws(() => parseApiKeyName("a\nb"), /"name"/);
 * ```
 */
export function parseApiKeyName(value: unknown, field = "name"): string {
  if (value === undefined || value === null) return "";
  const refuse = (reason: string): never => {
    throw new ValidationError({ kind: "argument", field, value, reason });
  };
  if (typeof value !== "string") return refuse("must be text");
  if (!value.isWellFormed()) refuse("is not well-formed Unicode");
  if (CONTROL.test(value)) refuse("must not contain control characters");
  const name = value.trim();
  if ([...name].length > API_KEY_NAME_MAX) refuse(`must be at most ${API_KEY_NAME_MAX} characters`);
  return name;
}
