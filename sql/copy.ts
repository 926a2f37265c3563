import { toText } from "./_encode.ts";
import type { TableSpec } from "./tables.ts";

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_REPLACE = /[\\\t\n\r]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/**
 * Escapes one value for PostgreSQL's COPY text format: backslash, tab, newline and carriage
 * return are escaped, and `null` becomes `\N`.
 *
 * @param value Text form of the value, or `null`.
 * @returns The field as it goes between tabs.
 *
 * @example
 * ```ts
 * import { copyField } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(copyField("a\tb\\c"), "a\\tb\\\\c");
 * assert.deepEqual(copyField(null), "\\N");
 * ```
 */
export function copyField(value: string | null): string {
  if (value === null) return "\\N";
  return COPY_SPECIAL.test(value) ? value.replace(COPY_REPLACE, (ch) => COPY_ESCAPES[ch]!) : value;
}

/**
 * Encodes rows as COPY text-format lines, columns in the order of `spec.columns`.
 *
 * @param spec The table the rows belong to.
 * @param rows Normalised rows, `tenant_id` filled.
 * @returns The COPY payload, one line per row, each ending in a newline.
 *
 * @example
 * ```ts
 * import { encodeCopyRows, parseNews, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const news = parseNews({ published_at: "2024-01-02T15:00:00Z", vendor: "x", id: "1",
 *   title: "a\tb", symbols: ["AAPL"] });
 * const line = encodeCopyRows(TABLES.news, [{ ...news, tenant_id: "00000000-0000-4000-8000-000000000001" }]);
 * assert.deepEqual(line.split("\t")[5], "a\\tb");
 * ```
 */
export function encodeCopyRows(spec: TableSpec, rows: readonly object[]): string {
  const cols = spec.columns;
  let out = "";
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    for (let i = 0; i < cols.length; i++) {
      const col = cols[i]!;
      if (i > 0) out += "\t";
      out += copyField(toText(col.type, r[col.name]));
    }
    out += "\n";
  }
  return out;
}

/**
 * The statement creating the transaction-local staging table that COPY fills before
 * `buildUpsert` moves its rows into the view (COPY cannot target a view).
 *
 * @param spec The table to stage for.
 * @returns `CREATE TEMP TABLE ... ON COMMIT DROP` for a table named by {@linkcode stageTable}.
 *
 * @example
 * ```ts
 * import { buildStageTable, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildStageTable(TABLES.bars).startsWith("CREATE TEMP TABLE mds_stage_bars"), true);
 * ```
 */
export function buildStageTable(spec: TableSpec): string {
  const cols = spec.columns.map((c) => `${c.name} ${c.type}`).join(", ");
  return `CREATE TEMP TABLE ${stageTable(spec)} (${cols}) ON COMMIT DROP`;
}

/**
 * Name of the staging table of a kind.
 *
 * @param spec The table staged for.
 * @returns An unqualified temporary table name.
 *
 * @example
 * ```ts
 * import { stageTable, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(stageTable(TABLES.news), "mds_stage_news");
 * ```
 */
export function stageTable(spec: TableSpec): string {
  return `mds_stage_${spec.kind}`;
}

/**
 * The target of the COPY that fills a staging table: the table and its column list. Backends
 * wrap it as `COPY <target> FROM STDIN` (server) or from an in-memory blob (embedded).
 *
 * @param spec The table staged for.
 * @returns `mds_stage_<kind> (col, ...)`.
 *
 * @example
 * ```ts
 * import { copyTarget, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(copyTarget(TABLES.bars).startsWith("mds_stage_bars (tenant_id, ts"), true);
 * ```
 */
export function copyTarget(spec: TableSpec): string {
  return `${stageTable(spec)} (${spec.columns.map((c) => c.name).join(", ")})`;
}
