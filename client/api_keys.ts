import { Buffer } from "node:buffer";
import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  API_KEY_SECRET_BYTES,
  buildApiKeyLookup,
  buildApiKeyTouch,
  buildCreateApiKey,
  buildListApiKeys,
  buildRevokeApiKey,
  formatApiKey,
  hashApiKeySecret,
  parseApiKey,
  parseApiKeyName,
  parseTenantId,
  ValidationError,
} from "@mds/sql";
import type { Transaction } from "./backend.ts";
import type {
  ApiKeyCreateOptions,
  ApiKeyRecord,
  ApiKeyScope,
  CreatedApiKey,
} from "./api_keys_types.ts";

/** How {@linkcode ApiKeysApi} runs its units of work; the client builds it. */
export interface ApiKeysContext {
  /**
   * Runs `fn` in one unit of work (a transaction, as the client's application role) scoped to
   * `tenant`, or to no tenant at all for `null`: then every view shows nothing and only the key
   * lookup functions answer.
   */
  run<T>(tenant: string | null, fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** A key's row as the view returns it. */
interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  read_only: boolean;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** What the lookup returns for a key id. */
interface LookupRow {
  tenant_id: string;
  secret_hash: string;
  read_only: boolean;
  revoked: boolean;
  touch: boolean;
}

function record(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    tenant: r.tenant_id,
    name: r.name,
    read_only: r.read_only,
    created_at: r.created_at,
    last_used_at: r.last_used_at,
    revoked_at: r.revoked_at,
  };
}

/**
 * The API keys of the market-data API, one set per tenant. A key reads
 * `mds_<id as 32 hex>_<secret: 32 random bytes, base64url>`; the store keeps only SHA-256 of the
 * secret, so a key is shown once, at creation, and cannot be recovered. Creating, listing and
 * revoking run in the tenant's scope through its view, so no tenant reaches another's keys;
 * verifying finds the key by its id before any tenant is known. Reach it as
 * {@linkcode MdsClient.apiKeys}.
 *
 * @example Create, verify, revoke
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
 * const created = await client.apiKeys.create(tenant, { name: "dashboard" });
 * assert.match(created.key, /^mds_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
 * assert.deepEqual(await client.apiKeys.verify(created.key),
 *   { id: created.id, tenant, readOnly: true });
 * assert.equal(await client.apiKeys.revoke(tenant, created.id), true);
 * assert.equal(await client.apiKeys.verify(created.key), null);
 * ```
 */
export class ApiKeysApi {
  readonly #ctx: ApiKeysContext;

  /**
   * Creates the API; use {@linkcode MdsClient.apiKeys} instead.
   *
   * @param ctx How to run units of work.
   */
  constructor(ctx: ApiKeysContext) {
    this.#ctx = ctx;
  }

  /**
   * Creates a key of a tenant, read-only unless `readOnly: false`. The key is in the result and
   * nowhere else: hand it over now, it cannot be shown again.
   *
   * @param tenant The tenant's UUID.
   * @param options Name and rights.
   * @returns The key with its id, tenant, name, rights and creation time.
   * @throws {ValidationError} When the tenant is not a UUID or an option is invalid.
   *
   * @example A key that may write
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const k = await client.apiKeys.create("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
   *   { name: "ingest", readOnly: false });
   * assert.deepEqual([k.name, k.read_only], ["ingest", false]);
   * assert.equal((await client.apiKeys.verify(k.key))?.readOnly, false);
   * ```
   */
  async create(tenant: string, options: ApiKeyCreateOptions = {}): Promise<CreatedApiKey> {
    const scope = parseTenantId(tenant, "tenant");
    if (options === null || typeof options !== "object") {
      throw new ValidationError({
        kind: "argument",
        field: "options",
        value: options,
        reason: "must be an object",
      });
    }
    const name = parseApiKeyName(options.name);
    const readOnly = options.readOnly ?? true;
    if (typeof readOnly !== "boolean") {
      throw new ValidationError({
        kind: "argument",
        field: "readOnly",
        value: readOnly,
        reason: "must be true or false",
      });
    }
    const secret = new Uint8Array(randomBytes(API_KEY_SECRET_BYTES));
    const q = buildCreateApiKey({ name, secretHash: hashApiKeySecret(secret), readOnly });
    const [row] = await this.#ctx.run(scope, (tx) => tx.query<KeyRow>(q.text, q.params));
    if (row === undefined) throw new Error("Creating an API key returned no row");
    return {
      id: row.id,
      key: formatApiKey(row.id, secret),
      tenant: row.tenant_id,
      name: row.name,
      read_only: row.read_only,
      created_at: row.created_at,
    };
  }

  /**
   * The tenant's keys, oldest first, revoked ones included; never a secret or its hash.
   *
   * @param tenant The tenant's UUID.
   * @returns The keys.
   * @throws {ValidationError} When the tenant is not a UUID.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
   * await client.apiKeys.create(tenant, { name: "a" });
   * const [listed] = await client.apiKeys.list(tenant);
   * assert.deepEqual([listed?.name, listed?.revoked_at, "key" in (listed ?? {})], ["a", null, false]);
   * assert.deepEqual(await client.apiKeys.list("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a002"), []);
   * ```
   */
  async list(tenant: string): Promise<ApiKeyRecord[]> {
    const scope = parseTenantId(tenant, "tenant");
    const q = buildListApiKeys();
    const rows = await this.#ctx.run(scope, (tx) => tx.query<KeyRow>(q.text, q.params));
    return rows.map(record);
  }

  /**
   * Revokes a key of the tenant: from then on {@linkcode ApiKeysApi.verify} refuses it. Revoking
   * a revoked key again changes nothing and answers `true`; its first revocation time stays.
   *
   * @param tenant The tenant's UUID.
   * @param id The key's id.
   * @returns `true` when the tenant has the key (now revoked), `false` when it has no such key,
   * including a key of another tenant.
   * @throws {ValidationError} When the tenant or the id is not a UUID.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
   * const { id } = await client.apiKeys.create(tenant);
   * assert.equal(await client.apiKeys.revoke("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a002", id), false);
   * assert.equal(await client.apiKeys.revoke(tenant, id), true);
   * assert.notEqual((await client.apiKeys.list(tenant))[0]?.revoked_at, null);
   * ```
   */
  async revoke(tenant: string, id: string): Promise<boolean> {
    const scope = parseTenantId(tenant, "tenant");
    const q = buildRevokeApiKey(parseTenantId(id, "id"));
    const rows = await this.#ctx.run(scope, (tx) => tx.query(q.text, q.params));
    return rows.length > 0;
  }

  /**
   * Verifies a presented key: whom it speaks for, or `null` for a malformed, unknown or revoked
   * key or a wrong secret, with no hint of which. Never throws for bad input; the hashes are
   * compared in constant time. A valid key's `last_used_at` is set, at most once a minute.
   *
   * @param key The key as presented, e.g. from `Authorization: Bearer <key>`.
   * @returns The key's id, tenant and rights, or `null`.
   * @throws {MdsError} Only when the store fails (e.g. `RetryableError` on a lost connection).
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const { key } = await client.apiKeys.create("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * assert.equal((await client.apiKeys.verify(key))?.tenant, "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * assert.equal(await client.apiKeys.verify(key.slice(0, -1) + (key.endsWith("A") ? "Q" : "A")), null);
   * assert.equal(await client.apiKeys.verify("not a key"), null);
   * ```
   */
  async verify(key: string): Promise<ApiKeyScope | null> {
    const parts = parseApiKey(key);
    if (parts === null) return null;
    const hash = hashApiKeySecret(parts.secret);
    const presented = Buffer.from(hash, "hex");
    const lookup = buildApiKeyLookup(parts.id);
    return await this.#ctx.run(null, async (tx) => {
      const [row] = await tx.query<LookupRow>(lookup.text, lookup.params);
      if (row === undefined) return null;
      const stored = Buffer.from(row.secret_hash, "hex");
      const same = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (!same || row.revoked) return null;
      if (row.touch) {
        const touch = buildApiKeyTouch(parts.id, hash);
        await tx.query(touch.text, touch.params);
      }
      return { id: parts.id, tenant: row.tenant_id, readOnly: row.read_only };
    });
  }
}
