// The schema-registry document: what a store's catalog should hold, its validation and the
// comparison with the live catalog. No I/O: the client reads the live catalog.
import { CATALOG_SCHEMAS, type CatalogSchema } from "./catalog_queries.ts";
import { z } from "zod";

/** The columns of one table or view: each column's type as PostgreSQL's `format_type()` spells it. */
export interface SchemaRelation {
  /**
   * Column name to type, e.g. `{ "ts": "timestamp with time zone", "close": "double precision" }`.
   * Absent on a view the registry lists by name only: its columns are not compared.
   */
  columns?: Record<string, string>;
}

/** The relations of one schema. */
export interface SchemaCatalog {
  /** Tables (plain, partitioned, foreign), by name. */
  tables: Record<string, SchemaRelation>;
  /** Views (plain and materialized), by name. */
  views: Record<string, SchemaRelation>;
}

/**
 * The schema-registry document of one track: what `GET {REGISTRY_URL}/schemas/{track}` answers
 * and what {@linkcode readSchemaDocument} produces from a live store, to publish.
 *
 * ```json
 * {
 *   "repo": "market-data-store",
 *   "track": "v1",
 *   "schemas": {
 *     "mds": {
 *       "tables": {},
 *       "views": { "bars": { "columns": { "ts": "timestamp with time zone", "close": "double precision" } } }
 *     },
 *     "mds_core": { "tables": { "bars": { "columns": { "tenant_id": "uuid" } } }, "views": {} }
 *   }
 * }
 * ```
 *
 * Schemas are `mds` and `mds_core`; a schema left out is not compared. `views` may also be a
 * list of names (`["bars", "news"]`): then only their presence is compared. Type names are
 * compared after lower-casing, so `TIMESTAMPTZ`, `timestamptz` and
 * `timestamp with time zone` are one type (likewise `int8`/`bigint`, `float8`/`double
 * precision`, `int4`/`integer`, `bool`/`boolean`, `varchar`/`character varying`). Other fields
 * are ignored, so the format can grow.
 */
export interface SchemaDocument {
  /** The repository the schema belongs to, e.g. `market-data-store`. */
  repo: string;
  /** The track, e.g. `v1`. */
  track: string;
  /** The expected catalog of each schema compared. */
  schemas: Partial<Record<CatalogSchema, SchemaCatalog>>;
}

/** One difference between the expected and the live catalog. */
export interface SchemaDifference {
  /** The schema, e.g. `mds`. */
  schema: CatalogSchema;
  /** The table or view. */
  relation: string;
  /** The column, for column differences. */
  column?: string;
  /** What differs. */
  kind:
    | "missing_relation"
    | "unexpected_relation"
    | "relation_kind"
    | "missing_column"
    | "unexpected_column"
    | "column_type";
  /** What the registry expects (`table`/`view`, or a type); absent when it expects nothing. */
  expected?: string;
  /** What the live store has; absent when it has nothing. */
  actual?: string;
  /** The difference in words, e.g. `mds.bars: column "ts" is "date", expected "timestamp with time zone"`. */
  message: string;
}

/** Options of {@linkcode readSchemaDocument}. */
export interface ReadSchemaOptions {
  /** The `repo` of the document. @default {"market-data-store"} */
  repo?: string | undefined;
  /** The `track` of the document. @default {"v1"} */
  track?: string | undefined;
  /** The schemas read. @default {["mds", "mds_core"]} */
  schemas?: readonly CatalogSchema[] | undefined;
}

/** The `repo` of the documents mds publishes: the original control plane's service name. */
export const SCHEMA_REPO = "market-data-store";

const NAME = z.string().min(1).max(63);
const TYPE = z.string().min(1).max(200);
const RELATION = z.object({ columns: z.record(NAME, TYPE) });
const CATALOG = z.object({
  tables: z.record(NAME, RELATION).default({}),
  views: z.union([
    z.record(NAME, RELATION.partial()),
    z.array(NAME).transform((names) =>
      Object.fromEntries(names.map((n) => [n, {}])) as Record<string, { columns?: undefined }>
    ),
  ]).default({}),
});
const DOCUMENT = z.object({
  repo: z.string().min(1).max(200),
  track: z.string().min(1).max(100),
  schemas: z.partialRecord(z.enum(CATALOG_SCHEMAS), CATALOG).refine(
    (s) => Object.keys(s).length > 0,
    "must hold at least one schema",
  ),
});

/** Why a schema-registry document was refused: the first problem, as `path: reason`. */
export class SchemaDocumentError extends Error {
  /** Stable machine-readable code. */
  readonly code: "MDS_REGISTRY_INVALID" = "MDS_REGISTRY_INVALID";

  /**
   * Creates the error.
   *
   * @param message Sentence-case message without a final period.
   */
  constructor(message: string) {
    super(message);
    this.name = "SchemaDocumentError";
  }
}

/**
 * Validates a schema-registry document (see {@linkcode SchemaDocument}) parsed from JSON.
 *
 * @param input The parsed JSON.
 * @returns The document, `views` lists turned into relations without columns.
 * @throws {SchemaDocumentError} `MDS_REGISTRY_INVALID`, naming the first offending field.
 *
 * @example
 * ```ts
 * import { parseSchemaDocument, SchemaDocumentError } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const doc = parseSchemaDocument({ repo: "market-data-store", track: "v1",
 *   schemas: { mds: { views: ["bars"] } } });
 * assert.deepEqual(doc.schemas.mds, { tables: {}, views: { bars: {} } });
 * assert.throws(() => parseSchemaDocument({ repo: "x", track: "v1", schemas: { public: {} } }),
 *   SchemaDocumentError);
 * ```
 */
export function parseSchemaDocument(input: unknown): SchemaDocument {
  const parsed = DOCUMENT.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const path = first.path.map(String).join(".") || "document";
    throw new SchemaDocumentError(`Invalid schema document: "${path}": ${first.message}`);
  }
  return parsed.data as SchemaDocument;
}

/** Spellings of one type folded into the one `format_type()` uses. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  timestamptz: "timestamp with time zone",
  timestamp: "timestamp without time zone",
  timetz: "time with time zone",
  time: "time without time zone",
  int8: "bigint",
  int4: "integer",
  int: "integer",
  int2: "smallint",
  float8: "double precision",
  float4: "real",
  bool: "boolean",
  varchar: "character varying",
  char: "character",
  decimal: "numeric",
  "_text": "text[]",
  "_int8": "bigint[]",
};

function canonicalType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, " ");
  return TYPE_ALIASES[t] ?? t;
}

/**
 * The differences between an expected catalog and the live one, in a stable order: relations
 * missing, unexpected or of the other kind (table against view), then per relation its columns
 * missing, unexpected or of another type. A view the registry lists without columns is compared
 * by presence only.
 *
 * @param schema The schema compared.
 * @param expected What the registry expects.
 * @param live What the store has.
 * @returns The differences; empty when they match.
 *
 * @example
 * ```ts
 * import { diffSchemaCatalog } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const live = { tables: { bars: { columns: { ts: "timestamp with time zone" } } }, views: {} };
 * assert.deepEqual(diffSchemaCatalog("mds_core", live, live), []);
 * const [d] = diffSchemaCatalog("mds_core",
 *   { tables: { bars: { columns: { ts: "date" } } }, views: {} }, live);
 * assert.equal(d?.message, 'mds_core.bars: column "ts" is "timestamp with time zone", expected "date"');
 * ```
 */
export function diffSchemaCatalog(
  schema: CatalogSchema,
  expected: SchemaCatalog,
  live: SchemaCatalog,
): SchemaDifference[] {
  type Kind = "table" | "view";
  const relations = (c: SchemaCatalog) =>
    new Map<string, { kind: Kind; rel: SchemaRelation }>([
      ...Object.entries(c.tables).map(([n, rel]) => [n, { kind: "table" as Kind, rel }] as const),
      ...Object.entries(c.views).map(([n, rel]) => [n, { kind: "view" as Kind, rel }] as const),
    ]);
  const want = relations(expected);
  const have = relations(live);
  const out: SchemaDifference[] = [];
  const names = [...new Set([...want.keys(), ...have.keys()])].sort();
  for (const name of names) {
    const w = want.get(name);
    const h = have.get(name);
    const at = `${schema}.${name}`;
    if (h === undefined) {
      out.push({
        schema,
        relation: name,
        kind: "missing_relation",
        expected: w!.kind,
        message: `${at}: ${w!.kind} missing`,
      });
      continue;
    }
    if (w === undefined) {
      out.push({
        schema,
        relation: name,
        kind: "unexpected_relation",
        actual: h.kind,
        message: `${at}: unexpected ${h.kind}`,
      });
      continue;
    }
    if (w.kind !== h.kind) {
      out.push({
        schema,
        relation: name,
        kind: "relation_kind",
        expected: w.kind,
        actual: h.kind,
        message: `${at}: is a ${h.kind}, expected a ${w.kind}`,
      });
    }
    if (w.rel.columns === undefined) continue;
    const wc = w.rel.columns;
    const hc = h.rel.columns ?? {};
    for (const column of Object.keys(wc).sort()) {
      const type = wc[column]!;
      const actual = hc[column];
      if (actual === undefined) {
        out.push({
          schema,
          relation: name,
          column,
          kind: "missing_column",
          expected: type,
          message: `${at}: column "${column}" missing (expected "${type}")`,
        });
      } else if (canonicalType(actual) !== canonicalType(type)) {
        out.push({
          schema,
          relation: name,
          column,
          kind: "column_type",
          expected: type,
          actual,
          message: `${at}: column "${column}" is "${actual}", expected "${type}"`,
        });
      }
    }
    for (const column of Object.keys(hc).sort()) {
      if (wc[column] === undefined) {
        out.push({
          schema,
          relation: name,
          column,
          kind: "unexpected_column",
          actual: hc[column]!,
          message: `${at}: unexpected column "${column}" ("${hc[column]}")`,
        });
      }
    }
  }
  return out;
}
