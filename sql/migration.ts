import { createHash } from "node:crypto";
import { MdsError } from "./errors.ts";

/** A migration file as shipped: its name and text. */
export interface MigrationFile {
  /** File name, `NNNN_words.sql`. */
  readonly name: string;
  /** File text. */
  readonly sql: string;
}

/** Whether a database runs with or without the TimescaleDB steps. */
export const SCHEMA_MODES = ["timescale", "plain"] as const;
/** One of {@linkcode SCHEMA_MODES}. */
export type SchemaMode = typeof SCHEMA_MODES[number];

/** A parsed migration. */
export interface Migration {
  /** The number the file name starts with. */
  readonly version: number;
  /** File name. */
  readonly name: string;
  /** SHA-256 of the text with line endings normalised, hex. */
  readonly checksum: string;
  /** `false` when the file says `-- mds:no-transaction`. */
  readonly transactional: boolean;
  /** Statements to run in each mode, in order. */
  readonly statements: Readonly<Record<SchemaMode, readonly string[]>>;
}

const NAME = /^(\d{4,})_[a-z0-9_]+\.sql$/;
// Any comment that starts with "mds:" is a directive, so a misspelt one is an error, not a comment.
const DIRECTIVE = /^--\s*mds:\s*(\S*)\s*$/;

/**
 * Parses a migration file. Its text is SQL with line directives:
 *
 * - `-- mds:no-transaction` anywhere: the statements run one by one outside a transaction (for
 *   what TimescaleDB refuses inside one). They should be idempotent.
 * - `-- mds:timescale`, `-- mds:plain`, `-- mds:all`: the lines that follow run only with
 *   TimescaleDB, only without it, or always (the default at the top of the file).
 *
 * @param file Name and text.
 * @returns The parsed migration.
 * @throws {MdsError} `MDS_MIGRATION_FAILED` when the name or a directive is malformed.
 *
 * @example
 * ```ts
 * import { parseMigration } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const m = parseMigration({ name: "0001_demo.sql", sql:
 *   "CREATE TABLE a (x int);\n-- mds:timescale\nSELECT create_hypertable('a', 'x');\n" });
 * assert.deepEqual(m.statements.plain, ["CREATE TABLE a (x int)"]);
 * assert.deepEqual(m.statements.timescale.length, 2);
 * ```
 */
export function parseMigration(file: MigrationFile): Migration {
  const match = NAME.exec(file.name);
  if (!match) {
    throw new MdsError(
      "MDS_MIGRATION_FAILED",
      `Migration file name "${file.name}" is not NNNN_words.sql`,
    );
  }
  const text = file.sql.replace(/\r\n/g, "\n");
  const parts: Record<SchemaMode, string[]> = { timescale: [], plain: [] };
  let section: "all" | SchemaMode = "all";
  let transactional = true;
  text.split("\n").forEach((line, i) => {
    const trimmed = line.trim();
    const directive = /^--\s*mds:/.test(trimmed)
      ? DIRECTIVE.exec(trimmed) ?? [trimmed, trimmed.replace(/^--\s*mds:\s*/, "")]
      : null;
    if (!directive) {
      if (section !== "plain") parts.timescale.push(line);
      if (section !== "timescale") parts.plain.push(line);
      return;
    }
    const word = directive[1];
    if (word === "no-transaction") transactional = false;
    else if (word === "all" || word === "timescale" || word === "plain") section = word;
    else {
      throw new MdsError(
        "MDS_MIGRATION_FAILED",
        `Migration "${file.name}" line ${i + 1}: unknown directive "mds:${word}"`,
      );
    }
  });
  return {
    version: Number(match[1]),
    name: file.name,
    checksum: createHash("sha256").update(text).digest("hex"),
    transactional,
    statements: {
      timescale: splitStatements(parts.timescale.join("\n")),
      plain: splitStatements(parts.plain.join("\n")),
    },
  };
}

/**
 * Splits SQL text into statements at top-level semicolons, respecting quotes, quoted
 * identifiers, dollar quoting and comments. Statements that hold only comments are dropped.
 *
 * @param sql One or more statements.
 * @returns The statements without their final semicolons.
 *
 * @example
 * ```ts
 * import { splitStatements } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(splitStatements("SELECT ';'; DO $$ BEGIN NULL; END $$;"),
 *   ["SELECT ';'", "DO $$ BEGIN NULL; END $$"]);
 * ```
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const stmt = sql.slice(start, end).trim();
    if (stripComments(stmt).trim() !== "") out.push(stmt);
  };
  while (i < n) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol === -1 ? n : eol + 1;
    } else if (ch === "/" && next === "*") {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (ch === "'" || ch === '"') {
      // E'...' strings let a backslash escape the quote.
      const escapes = ch === "'" && /[eE]/.test(sql[i - 1] ?? "") && !/\w/.test(sql[i - 2] ?? "");
      let j = i + 1;
      while (j < n) {
        if (escapes && sql[j] === "\\") j += 2;
        else if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
    } else if (ch === "$") {
      const tag = /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
      } else i++;
    } else if (ch === ";") {
      push(i);
      start = ++i;
    } else i++;
  }
  push(n);
  return out;
}

function stripComments(stmt: string): string {
  return stmt.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
}
