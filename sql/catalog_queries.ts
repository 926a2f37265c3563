// Canonical SQL of the live catalog the schema-registry drift check compares with the expected
// schema: the relations and columns of the store's schemas (`mds`, `mds_core`), read from
// pg_catalog so that PostgreSQL, TimescaleDB and PGlite answer alike.
import type { SqlQuery } from "./upsert.ts";
import { ValidationError } from "./errors.ts";

/** The schemas of the store whose catalog can be read: the tenant views and the private tables. */
export const CATALOG_SCHEMAS = ["mds", "mds_core"] as const;
/** One of {@linkcode CATALOG_SCHEMAS}. */
export type CatalogSchema = typeof CATALOG_SCHEMAS[number];

/**
 * Whether `value` is one of {@linkcode CATALOG_SCHEMAS}.
 *
 * @param value Anything.
 * @returns True for a catalog schema.
 *
 * @example
 * ```ts
 * import { isCatalogSchema } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([isCatalogSchema("mds"), isCatalogSchema("public")], [true, false]);
 * ```
 */
export function isCatalogSchema(value: unknown): value is CatalogSchema {
  return (CATALOG_SCHEMAS as readonly unknown[]).includes(value);
}

/** One row of {@linkcode buildSchemaCatalog}: a column of a relation, or a relation without any. */
export interface CatalogRow {
  /** The schema, one of {@linkcode CATALOG_SCHEMAS}. */
  schema_name: string;
  /** The table or view. */
  relation: string;
  /** `table` (plain, partitioned or foreign table) or `view` (view or materialized view). */
  kind: "table" | "view";
  /** The column; `null` for a relation without columns. */
  column_name: string | null;
  /** Its type as `format_type()` spells it, e.g. `timestamp with time zone`, `numeric(18,6)`. */
  data_type: string | null;
}

/**
 * The relations and columns of the given schemas (`schema_name`, `relation`, `kind`,
 * `column_name`, `data_type`): tables (plain, partitioned and foreign; not partitions) and views
 * (plain and materialized), each column with its type as `format_type()` spells it, dropped and
 * system columns left out; ordered by schema, relation and column position.
 *
 * @param schemas The schemas to read, each one of {@linkcode CATALOG_SCHEMAS}.
 * @returns The statement with the schemas as its one parameter.
 * @throws {ValidationError} When a schema is not one of {@linkcode CATALOG_SCHEMAS}, or none is
 * given.
 *
 * @example
 * ```ts
 * import { buildSchemaCatalog } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildSchemaCatalog(["mds", "mds_core"]);
 * assert.match(q.text, /format_type\(a\.atttypid, a\.atttypmod\)/);
 * assert.deepEqual(q.params, [["mds", "mds_core"]]);
 * assert.throws(() => buildSchemaCatalog(["public"]), /"schemas\.0" is "public"/);
 * ```
 */
export function buildSchemaCatalog(schemas: readonly string[]): SqlQuery {
  if (!Array.isArray(schemas) || schemas.length === 0) {
    throw new ValidationError({
      kind: "catalog",
      field: "schemas",
      value: schemas,
      reason: `must list at least one of ${CATALOG_SCHEMAS.join(", ")}`,
    });
  }
  schemas.forEach((schema, i) => {
    if (!isCatalogSchema(schema)) {
      throw new ValidationError({
        kind: "catalog",
        field: `schemas.${i}`,
        value: schema,
        reason: `must be one of ${CATALOG_SCHEMAS.join(", ")}`,
      });
    }
  });
  return {
    text: `SELECT n.nspname::text AS schema_name, c.relname::text AS relation,
       CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END AS kind,
       a.attname::text AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type
     FROM pg_catalog.pg_class c
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_attribute a
       ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
       AND NOT c.relispartition
     ORDER BY n.nspname, c.relname, a.attnum`,
    params: [[...new Set(schemas)]],
  };
}
