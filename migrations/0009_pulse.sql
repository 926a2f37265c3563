-- The pulse: every committed write of bars, quotes and option snapshots notifies the channel
-- mds_pulse (pg_notify inside the writing transaction, so only commits are announced). NOTIFY
-- refuses payloads of 8,000 bytes or more: a larger event is stashed here and the channel
-- carries its id instead. Stashed events are kept for minutes only; the statement that stashes
-- deletes the tenant's rows older than 10 minutes. A plain table on every backend: no
-- hypertable, nothing for TimescaleDB to do.

-- The id is an identity column, not a bigserial: PostgreSQL checks no sequence privilege for an
-- identity's default, so the application role needs nothing in mds_core to insert.
CREATE TABLE mds_core.pulse_events (
  id         bigint      GENERATED ALWAYS AS IDENTITY,
  tenant_id  uuid        NOT NULL,
  payload    jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pulse_events_pkey PRIMARY KEY (id)
);
-- Serves the purge of a tenant's old rows.
CREATE INDEX pulse_events_tenant_created_idx ON mds_core.pulse_events (tenant_id, created_at);

-- The tenant view, as in migration 0004: security_barrier keeps caller-supplied functions from
-- seeing other tenants' rows before the filter; CASCADED CHECK OPTION rejects writes of rows the
-- view would not show (SQLSTATE 44000). tenant_id defaults to the current tenant.
CREATE VIEW mds.pulse_events WITH (security_barrier) AS
  SELECT tenant_id, id, payload, created_at
  FROM mds_core.pulse_events
  WHERE tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
  WITH CASCADED CHECK OPTION;

ALTER VIEW mds.pulse_events ALTER COLUMN tenant_id
  SET DEFAULT nullif(current_setting('app.tenant_id', true), '')::uuid;

-- UPDATE too: the purge locks the rows it deletes with FOR UPDATE SKIP LOCKED.
GRANT SELECT, INSERT, UPDATE, DELETE ON mds.pulse_events TO mds_app;

-- A listener has no tenant scope (one connection hears every tenant's notifications), so it
-- reads a stashed event by its id through this function, which runs as the store's owner. It
-- reveals no more than the channel itself: whoever may LISTEN hears every tenant's events.
CREATE FUNCTION mds.pulse_event(id bigint) RETURNS jsonb
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT e.payload FROM mds_core.pulse_events e WHERE e.id = $1 $$;

REVOKE ALL ON FUNCTION mds.pulse_event(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mds.pulse_event(bigint) TO mds_app;
