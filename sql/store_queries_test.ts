// The client's own statements tested as data: health, schema version, tenant scope.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders } from "../testing/sql_query.ts";
import {
  buildHealthProbe,
  buildSchemaVersion,
  buildSchemaVersionExists,
  buildTenantScope,
} from "./store_queries.ts";

const TENANT = "00000000-0000-4000-8000-000000000001";

Deno.test("buildHealthProbe() reads both versions in one statement", () => {
  const q = buildHealthProbe();
  assertPlaceholders(q);
  assertIncludes(q.text, "current_setting('server_version') AS server_version");
  assertIncludes(q.text, "extname = 'timescaledb') AS timescale");
});

Deno.test("buildSchemaVersionExists() and buildSchemaVersion() read the migration ledger", () => {
  assertPlaceholders(buildSchemaVersionExists());
  assertIncludes(buildSchemaVersionExists().text, "IS NOT NULL AS ok");
  const q = buildSchemaVersion();
  assertPlaceholders(q);
  assertIncludes(q.text, "bool_or(timescale) AS timescale, max(applied_at) AS applied_at");
  assertIncludes(q.text, "FROM mds.schema_version");
});

Deno.test("buildTenantScope() sets the tenant, and the role when given, for the transaction only", () => {
  const withRole = buildTenantScope(TENANT, "mds_app");
  assertPlaceholders(withRole);
  assertEquals(withRole.params, [TENANT, "mds_app"]);
  assertIncludes(withRole.text, "set_config('app.tenant_id', $1, true)");
  assertIncludes(withRole.text, "set_config('role', $2, true)");
  const loginRole = buildTenantScope(TENANT, null);
  assertPlaceholders(loginRole);
  assertEquals(loginRole.params, [TENANT]);
  assert(!loginRole.text.includes("'role'"), loginRole.text);
  for (const q of [withRole, loginRole]) {
    assert(!/set_config\([^)]*, false\)/.test(q.text), "a setting outlives the transaction");
  }
});
