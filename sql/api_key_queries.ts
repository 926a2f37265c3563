// Canonical SQL of API keys. Creating, listing and revoking run inside a tenant scope, through
// the view mds.api_keys, which never lets the application role read a hash back. Verifying runs
// before the tenant is known, through the SECURITY DEFINER functions of migration 0008.
import type { SqlQuery } from "./upsert.ts";

/** The columns a key is listed with: everything but its hash. */
const KEY_COLUMNS = "id, tenant_id, name, read_only, created_at, last_used_at, revoked_at";

/** What {@linkcode buildCreateApiKey} stores. */
export interface NewApiKey {
  /** The key's name, validated. */
  readonly name: string;
  /** SHA-256 of the secret, 64 lower-case hex digits. */
  readonly secretHash: string;
  /** Whether the key may only read. */
  readonly readOnly: boolean;
}

/**
 * Stores a new key of the tenant in scope; the store draws its id.
 *
 * @param key Name, hash and rights.
 * @returns The statement returning the key's columns (not its hash); parameters: name, hash as
 * hex, read-only flag.
 *
 * @example
 * ```ts
 * import { buildCreateApiKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildCreateApiKey({ name: "feed", secretHash: "ab".repeat(32), readOnly: true });
 * assert.deepEqual(q.params, ["feed", "ab".repeat(32), true]);
 * assert.match(q.text, /^INSERT INTO mds\.api_keys/);
 * ```
 */
export function buildCreateApiKey(key: NewApiKey): SqlQuery {
  return {
    text: `INSERT INTO mds.api_keys (name, secret_hash, read_only)
     VALUES ($1, decode($2, 'hex'), $3)
     RETURNING ${KEY_COLUMNS}`,
    params: [key.name, key.secretHash, key.readOnly],
  };
}

/**
 * The tenant's keys, oldest first, revoked ones included; never a hash.
 *
 * @returns The statement; no parameters.
 *
 * @example
 * ```ts
 * import { buildListApiKeys } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.doesNotMatch(buildListApiKeys().text, /secret_hash/);
 * ```
 */
export function buildListApiKeys(): SqlQuery {
  return {
    text: `SELECT ${KEY_COLUMNS} FROM mds.api_keys ORDER BY created_at, id`,
    params: [],
  };
}

/**
 * Revokes one key of the tenant in scope. Revoking a revoked key keeps its first revocation time,
 * so the statement is idempotent; a key of another tenant is not found.
 *
 * @param id The key's id, a validated UUID.
 * @returns The statement returning `id` and `revoked_at` when the tenant has the key; one
 * parameter.
 *
 * @example
 * ```ts
 * import { buildRevokeApiKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildRevokeApiKey("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
 * assert.match(q.text, /SET revoked_at = coalesce\(revoked_at, now\(\)\)/);
 * ```
 */
export function buildRevokeApiKey(id: string): SqlQuery {
  return {
    text: `UPDATE mds.api_keys SET revoked_at = coalesce(revoked_at, now())
     WHERE id = $1 RETURNING id, revoked_at`,
    params: [id],
  };
}

/**
 * Looks a key up by id whatever its tenant, for verification: its `tenant_id`, `secret_hash` (hex),
 * `read_only`, `revoked`, and `touch`, whether its last use is unset or a minute old. No row for
 * an unknown id. Runs as the application role with no tenant set.
 *
 * @param id The key's id, a UUID taken from the key.
 * @returns The statement; one parameter.
 *
 * @example
 * ```ts
 * import { buildApiKeyLookup } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildApiKeyLookup("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").text,
 *   /FROM mds\.api_key_lookup\(\$1::uuid\)/);
 * ```
 */
export function buildApiKeyLookup(id: string): SqlQuery {
  return {
    text: `SELECT tenant_id, encode(secret_hash, 'hex') AS secret_hash, read_only, revoked,
       (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS touch
     FROM mds.api_key_lookup($1::uuid)`,
    params: [id],
  };
}

/**
 * Records a successful use of a key: sets its `last_used_at` unless set less than a minute ago.
 * Only a live key whose hash matches is touched.
 *
 * @param id The key's id.
 * @param secretHash SHA-256 of its secret, 64 hex digits.
 * @returns The statement; parameters: id, hash as hex.
 *
 * @example
 * ```ts
 * import { buildApiKeyTouch } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildApiKeyTouch("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", "ab".repeat(32));
 * assert.match(q.text, /mds\.api_key_touch\(\$1::uuid, decode\(\$2, 'hex'\)\)/);
 * ```
 */
export function buildApiKeyTouch(id: string, secretHash: string): SqlQuery {
  return {
    text: `SELECT mds.api_key_touch($1::uuid, decode($2, 'hex'))`,
    params: [id, secretHash],
  };
}
