// Canonical SQL the client runs for itself rather than for a tenant's data: the health probe,
// the schema version, and the transaction-local tenant scope every unit of work starts with.
import type { SqlQuery } from "./upsert.ts";

/**
 * The health probe: the server's version and the TimescaleDB extension's (`null` without it),
 * in one round trip.
 *
 * @returns The statement returning `server_version` and `timescale`, without parameters.
 *
 * @example
 * ```ts
 * import { buildHealthProbe } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildHealthProbe();
 * assert.deepEqual(q.params, []);
 * assert.match(q.text, /extname = 'timescaledb'/);
 * ```
 */
export function buildHealthProbe(): SqlQuery {
  return {
    text: `SELECT current_setting('server_version') AS server_version,
              (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescale`,
    params: [],
  };
}

/**
 * Whether the migration ledger `mds.schema_version` exists, i.e. any migration ever ran.
 *
 * @returns The statement returning one row, `ok`, without parameters.
 *
 * @example
 * ```ts
 * import { buildSchemaVersionExists } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.match(buildSchemaVersionExists().text, /to_regclass\('mds\.schema_version'\)/);
 * ```
 */
export function buildSchemaVersionExists(): SqlQuery {
  return { text: "SELECT to_regclass('mds.schema_version') IS NOT NULL AS ok", params: [] };
}

/**
 * The newest applied migration (`version`), whether any ran with TimescaleDB (`timescale`) and
 * when the newest was applied (`applied_at`); all `null` on an empty ledger. Run it only after
 * {@linkcode buildSchemaVersionExists} answered `true`.
 *
 * @returns The statement returning one row, without parameters.
 *
 * @example
 * ```ts
 * import { buildSchemaVersion } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildSchemaVersion();
 * assert.match(q.text, /max\(version\) AS version/);
 * assert.deepEqual(q.params, []);
 * ```
 */
export function buildSchemaVersion(): SqlQuery {
  return {
    text:
      `SELECT max(version) AS version, bool_or(timescale) AS timescale, max(applied_at) AS applied_at
       FROM mds.schema_version`,
    params: [],
  };
}

/**
 * Scopes the current transaction to a tenant (and, when given, switches to a role) with
 * transaction-local settings, so nothing is left on a pooled connection after it ends. The
 * tenant views read `app.tenant_id`.
 *
 * @param tenant The tenant's UUID, validated.
 * @param role The role to switch to, a validated role name, or `null` to keep the login role.
 * @returns The statement; parameters: tenant, then the role when given.
 *
 * @example
 * ```ts
 * import { buildTenantScope } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const tenant = "00000000-0000-4000-8000-000000000001";
 * assert.deepEqual(buildTenantScope(tenant, "mds_app").params, [tenant, "mds_app"]);
 * assert.deepEqual(buildTenantScope(tenant, null).params, [tenant]);
 * assert.match(buildTenantScope(tenant, null).text, /set_config\('app\.tenant_id', \$1, true\)/);
 * ```
 */
export function buildTenantScope(tenant: string, role: string | null): SqlQuery {
  if (role === null) {
    return { text: "SELECT set_config('app.tenant_id', $1, true)", params: [tenant] };
  }
  return {
    text: "SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)",
    params: [tenant, role],
  };
}
