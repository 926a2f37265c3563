// The shapes of ApiKeysApi's calls. No secret appears in any of them but CreatedApiKey.key.

/** Options of {@linkcode ApiKeysApi.create}. */
export interface ApiKeyCreateOptions {
  /** A name to tell keys apart: text without control characters, at most 200. @default {""} */
  name?: string | undefined;
  /** Whether the key may only read; `false` lets it write as well. @default {true} */
  readOnly?: boolean | undefined;
}

/** A tenant's key as listed: everything but its secret and the secret's hash. */
export interface ApiKeyRecord {
  /** The key's id, the UUID its text starts with (`mds_<id as 32 hex>_...`). */
  id: string;
  /** Its tenant. */
  tenant: string;
  /** Its name, `""` when none was given. */
  name: string;
  /** Whether it may only read. */
  read_only: boolean;
  /** When it was created. */
  created_at: Date;
  /** When it last passed verification, to the minute; `null` before its first use. */
  last_used_at: Date | null;
  /** When it was revoked, or `null` while it is valid. */
  revoked_at: Date | null;
}

/** What {@linkcode ApiKeysApi.create} returns: the only place the key itself ever appears. */
export interface CreatedApiKey {
  /** The key's id. */
  id: string;
  /** The key, `mds_<id as 32 hex>_<secret>`: shown once, never stored, not recoverable. */
  key: string;
  /** Its tenant. */
  tenant: string;
  /** Its name. */
  name: string;
  /** Whether it may only read. */
  read_only: boolean;
  /** When it was created. */
  created_at: Date;
}

/** What {@linkcode ApiKeysApi.verify} returns for a valid key: whom it speaks for. */
export interface ApiKeyScope {
  /** The key's id (never the key). */
  id: string;
  /** Its tenant: run the request in this tenant's scope. */
  tenant: string;
  /** Whether it may only read. */
  readOnly: boolean;
}
