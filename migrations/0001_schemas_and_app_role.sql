-- The store keeps its base tables in a private schema and exposes one tenant-filtered view per
-- table in a public one. Row-level security is not used because TimescaleDB refuses columnstore
-- and continuous aggregates on tables that have it (see DESIGN.md, section 1).

-- Roles belong to the whole cluster, so another database may have created it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mds_app') THEN
    CREATE ROLE mds_app NOLOGIN;
  END IF;
END
$$;

COMMENT ON ROLE mds_app IS
  'Application role of mds: may use the tenant-filtered views in schema mds and nothing else';

CREATE SCHEMA IF NOT EXISTS mds_core;
COMMENT ON SCHEMA mds_core IS
  'Private base tables of mds; applications reach them only through the views in schema mds';
REVOKE ALL ON SCHEMA mds_core FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS mds;
COMMENT ON SCHEMA mds IS
  'Tenant-filtered views of mds; rows are visible only while app.tenant_id names their tenant';
GRANT USAGE ON SCHEMA mds TO mds_app;
