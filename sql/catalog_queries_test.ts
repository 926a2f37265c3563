// The catalog statement of the schema-drift check tested as data; tests/registry_drift_test.ts
// runs it on each backend.
import { assertEquals, assertIncludes, assertThrows } from "../testing/assert.ts";
import { assertPlaceholders } from "../testing/sql_query.ts";
import { buildSchemaCatalog, CATALOG_SCHEMAS, isCatalogSchema } from "./catalog_queries.ts";
import { ValidationError } from "./errors.ts";

Deno.test("buildSchemaCatalog() reads tables, views and typed columns of the given schemas", () => {
  const q = buildSchemaCatalog(["mds", "mds_core", "mds"]);
  assertPlaceholders(q);
  assertEquals(q.params, [["mds", "mds_core"]]);
  assertIncludes(q.text, "WHERE n.nspname = ANY($1::text[])");
  assertIncludes(q.text, "c.relkind IN ('r', 'p', 'f', 'v', 'm')");
  assertIncludes(q.text, "NOT c.relispartition");
  assertIncludes(q.text, "a.attnum > 0 AND NOT a.attisdropped");
  assertIncludes(q.text, "format_type(a.atttypid, a.atttypmod) AS data_type");
  assertIncludes(q.text, "ORDER BY n.nspname, c.relname, a.attnum");
});

Deno.test("buildSchemaCatalog() refuses a schema outside the store's with ValidationError", () => {
  for (const schemas of [["public"], [], ["mds", "pg_catalog"]]) {
    const err = assertThrows(() => buildSchemaCatalog(schemas), ValidationError);
    assertEquals(err.code, "MDS_VALIDATION");
  }
  assertEquals(CATALOG_SCHEMAS.filter(isCatalogSchema), ["mds", "mds_core"]);
  assertEquals(isCatalogSchema("mds_core.bars"), false);
});
