-- Per-tenant API keys of the market-data HTTP and WebSocket API. A key reads
-- mds_<id as 32 hex>_<secret: 32 random bytes, base64url>; only SHA-256 of the secret's bytes is
-- kept. Keys are tenant data like any other: a base table in mds_core and a security_barrier view
-- in mds with a CASCADED CHECK OPTION, through which a tenant creates, lists and revokes its own.
-- Verifying a key comes before its tenant is known, so it goes through mds.api_key_lookup, a
-- SECURITY DEFINER function that returns one key by id and nothing else.

CREATE TABLE mds_core.api_keys (
  id           uuid        NOT NULL DEFAULT gen_random_uuid(),
  tenant_id    uuid        NOT NULL,
  name         text        NOT NULL DEFAULT ''
    CONSTRAINT api_keys_name_length CHECK (char_length(name) <= 200),
  -- SHA-256 of the secret's 32 bytes; the secret itself is never stored.
  secret_hash  bytea       NOT NULL
    CONSTRAINT api_keys_secret_hash_sha256 CHECK (octet_length(secret_hash) = 32),
  read_only    boolean     NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Set by mds.api_key_touch after a successful verification, at most once a minute.
  last_used_at timestamptz,
  revoked_at   timestamptz,
  -- Global, not per tenant: a key names only its id, and the lookup finds it by id alone.
  CONSTRAINT api_keys_pkey PRIMARY KEY (id)
);
-- Serves a tenant's listing, newest first.
CREATE INDEX api_keys_tenant_idx ON mds_core.api_keys (tenant_id, created_at);

CREATE VIEW mds.api_keys WITH (security_barrier) AS
  SELECT id, tenant_id, name, secret_hash, read_only, created_at, last_used_at, revoked_at
  FROM mds_core.api_keys
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.api_keys ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

-- The hash is write-only for the application role: it may insert and update it through the view
-- but read every column except it, so a listing (or a stray SELECT *) can never carry it.
GRANT SELECT (id, tenant_id, name, read_only, created_at, last_used_at, revoked_at)
  ON mds.api_keys TO mds_app;
GRANT INSERT, UPDATE, DELETE ON mds.api_keys TO mds_app;

-- One key by id, whatever the tenant, for verification before the tenant is known: its tenant,
-- hash, rights, whether it is revoked and when it was last used; no row for an unknown id. The
-- caller compares the hash itself, in constant time. Runs as the migration role (the owner of
-- mds_core); the search path is pinned, pg_temp last, so no caller's object can stand in.
CREATE FUNCTION mds.api_key_lookup(key_id uuid)
  RETURNS TABLE (
    tenant_id    uuid,
    secret_hash  bytea,
    read_only    boolean,
    revoked      boolean,
    last_used_at timestamptz
  )
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, mds_core, pg_temp
AS $$
  SELECT k.tenant_id, k.secret_hash, k.read_only, k.revoked_at IS NOT NULL, k.last_used_at
  FROM mds_core.api_keys AS k
  WHERE k.id = key_id
$$;

-- Records a successful use of a key: sets last_used_at unless it was set less than a minute ago,
-- so a busy key is written at most once a minute. Only for a live key whose hash the caller
-- knows, so it cannot be used to touch keys by id alone.
CREATE FUNCTION mds.api_key_touch(key_id uuid, hash bytea)
  RETURNS void
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, mds_core, pg_temp
AS $$
  UPDATE mds_core.api_keys AS k SET last_used_at = now()
  WHERE k.id = key_id AND k.secret_hash = hash AND k.revoked_at IS NULL
    AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute')
$$;

REVOKE ALL ON FUNCTION mds.api_key_lookup(uuid), mds.api_key_touch(uuid, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mds.api_key_lookup(uuid), mds.api_key_touch(uuid, bytea) TO mds_app;
