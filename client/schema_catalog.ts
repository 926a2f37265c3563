// Reads a store's live catalog as a schema-registry document (see `SchemaDocument` in @mds/sql).
import {
  buildSchemaCatalog,
  CATALOG_SCHEMAS,
  type CatalogRow,
  type CatalogSchema,
  isCatalogSchema,
  type ReadSchemaOptions,
  SCHEMA_REPO,
  type SchemaCatalog,
  type SchemaDocument,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";

/**
 * Reads the live catalog of a store as a schema-registry document: the tables, views, columns and
 * column types of its schemas (`mds`, the tenant views, and `mds_core`, the private tables),
 * through the client's own connection. Publish its JSON under the track for the drift check.
 *
 * @param client The store.
 * @param options The document's repo and track, and the schemas read.
 * @returns The document.
 * @throws {ValidationError} When a schema is not `mds` or `mds_core`.
 *
 * @example
 * ```ts
 * import { createClient, readSchemaDocument } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const doc = await readSchemaDocument(client, { track: "v1" });
 * assert.equal(doc.schemas.mds_core?.tables.bars?.columns?.ts, "timestamp with time zone");
 * assert.ok(doc.schemas.mds?.views.bars !== undefined);
 * ```
 */
export async function readSchemaDocument(
  client: { readonly backend: Queryable },
  options: ReadSchemaOptions = {},
): Promise<SchemaDocument> {
  const schemas = options.schemas ?? CATALOG_SCHEMAS;
  const q = buildSchemaCatalog(schemas);
  const rows = await client.backend.query<CatalogRow>(q.text, q.params);
  const out: Partial<Record<CatalogSchema, SchemaCatalog>> = {};
  for (const schema of schemas) out[schema] = { tables: {}, views: {} };
  for (const row of rows) {
    if (!isCatalogSchema(row.schema_name)) continue;
    const catalog = out[row.schema_name] ??= { tables: {}, views: {} };
    const group = row.kind === "view" ? catalog.views : catalog.tables;
    const relation = group[row.relation] ??= { columns: {} };
    if (row.column_name !== null && row.data_type !== null) {
      relation.columns![row.column_name] = row.data_type;
    }
  }
  return { repo: options.repo ?? SCHEMA_REPO, track: options.track ?? "v1", schemas: out };
}
