import { createHash } from "node:crypto";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { MdsError } from "./errors.ts";
import { parseMigration, SCHEMA_MODES, splitStatements } from "./migration.ts";
import { MIGRATION_FILES } from "./migrations_data.ts";

const sectioned = [
  "CREATE TABLE a (x int);",
  "-- mds:timescale",
  "SELECT create_hypertable('a', 'x');",
  "-- mds:plain",
  "CREATE INDEX a_x ON a (x);",
  "-- mds:all",
  "GRANT SELECT ON a TO r;",
].join("\n");

Deno.test("SCHEMA_MODES lists timescale and plain", () => {
  assertEquals(SCHEMA_MODES, ["timescale", "plain"]);
});

Deno.test("parseMigration() runs lines by section: all, timescale only, plain only, then all again", () => {
  const m = parseMigration({ name: "0007_sections.sql", sql: sectioned });
  assertEquals(m.statements.timescale, [
    "CREATE TABLE a (x int)",
    "SELECT create_hypertable('a', 'x')",
    "GRANT SELECT ON a TO r",
  ]);
  assertEquals(m.statements.plain, [
    "CREATE TABLE a (x int)",
    "CREATE INDEX a_x ON a (x)",
    "GRANT SELECT ON a TO r",
  ]);
});

Deno.test("parseMigration() reads the number, name and transactional default of a file", () => {
  const m = parseMigration({ name: "0042_add_things.sql", sql: "SELECT 1;" });
  assertEquals([m.version, m.name, m.transactional], [42, "0042_add_things.sql", true]);
  assertEquals(m.statements, { timescale: ["SELECT 1"], plain: ["SELECT 1"] });
  assertEquals(parseMigration({ name: "12345_big.sql", sql: "" }).version, 12345);
});

Deno.test("parseMigration() marks a file with -- mds:no-transaction, wherever the line is", () => {
  const top = parseMigration({ name: "0001_a.sql", sql: "-- mds:no-transaction\nSELECT 1;" });
  assertEquals(top.transactional, false);
  assertEquals(top.statements.plain, ["SELECT 1"]);
  const bottom = parseMigration({ name: "0001_a.sql", sql: "SELECT 1;\n-- mds:no-transaction\n" });
  assertEquals(bottom.transactional, false);
});

Deno.test("parseMigration() leaves the section unchanged at -- mds:no-transaction", () => {
  const sql = "-- mds:timescale\nSELECT 1;\n-- mds:no-transaction\nSELECT 2;";
  const m = parseMigration({ name: "0001_a.sql", sql });
  assertEquals(m.statements, { timescale: ["SELECT 1", "SELECT 2"], plain: [] });
});

Deno.test("parseMigration() accepts directives indented, without a space, or with trailing spaces", () => {
  const sql = "  -- mds:timescale  \nSELECT 1;\n--mds:plain\nSELECT 2;\n\t--   mds:all\nSELECT 3;";
  const m = parseMigration({ name: "0001_a.sql", sql });
  assertEquals(m.statements, {
    timescale: ["SELECT 1", "SELECT 3"],
    plain: ["SELECT 2", "SELECT 3"],
  });
});

Deno.test("parseMigration() keeps directive lines out of the statements", () => {
  const m = parseMigration({ name: "0001_a.sql", sql: "-- mds:no-transaction\n" + sectioned });
  for (const stmt of [...m.statements.timescale, ...m.statements.plain]) {
    assert(!stmt.includes("mds:"), stmt);
  }
});

Deno.test("parseMigration() rejects an unknown directive, naming the file and line", () => {
  const sql = "CREATE TABLE a (x int);\n\n-- mds:timescal\nSELECT 1;";
  const err = assertThrows(() => parseMigration({ name: "0003_typo.sql", sql }), MdsError);
  assertEquals(err.code, "MDS_MIGRATION_FAILED");
  assertEquals(err.message, 'Migration "0003_typo.sql" line 3: unknown directive "mds:timescal"');
});

Deno.test("parseMigration() counts lines of a CRLF file like those of an LF file", () => {
  const sql = "SELECT 1;\r\n-- mds:transaction\r\n";
  const err = assertThrows(() => parseMigration({ name: "0001_a.sql", sql }), MdsError);
  assertEquals(err.message, 'Migration "0001_a.sql" line 2: unknown directive "mds:transaction"');
});

const badNames: string[] = [
  "001_short.sql",
  "1_tiny.sql",
  "0001-dash.sql",
  "0001_Upper.sql",
  "0001_spaced name.sql",
  "0001_words.txt",
  "0001_words.sql.bak",
  "0001.sql",
  "x0001_words.sql",
  "migrations/0001_words.sql",
  "",
];

for (const name of badNames) {
  Deno.test(`parseMigration() rejects the file name ${JSON.stringify(name)}`, () => {
    const err = assertThrows(() => parseMigration({ name, sql: "SELECT 1;" }), MdsError);
    assertEquals(err.code, "MDS_MIGRATION_FAILED");
    assertEquals(err.message, `Migration file name "${name}" is not NNNN_words.sql`);
  });
}

Deno.test("parseMigration() checksums are stable hex SHA-256 of the text with LF line endings", () => {
  const a = parseMigration({ name: "0001_a.sql", sql: sectioned });
  const b = parseMigration({ name: "0001_a.sql", sql: sectioned });
  assertEquals(a.checksum, b.checksum);
  assert(/^[0-9a-f]{64}$/.test(a.checksum), a.checksum);
  assertEquals(a.checksum, createHash("sha256").update(sectioned).digest("hex"));
});

Deno.test("parseMigration() gives CRLF and LF versions of a file the same checksum and statements", () => {
  const lf = parseMigration({ name: "0001_a.sql", sql: sectioned + "\n" });
  const crlf = parseMigration({
    name: "0001_a.sql",
    sql: (sectioned + "\n").replace(/\n/g, "\r\n"),
  });
  assertEquals(crlf.checksum, lf.checksum);
  assertEquals(crlf.statements, lf.statements);
  for (const stmt of crlf.statements.plain) assert(!stmt.includes("\r"), JSON.stringify(stmt));
});

Deno.test("parseMigration() gives different text a different checksum, whatever the name", () => {
  const base = parseMigration({ name: "0001_a.sql", sql: "SELECT 1;" });
  assert(parseMigration({ name: "0001_a.sql", sql: "SELECT 2;" }).checksum !== base.checksum);
  assert(parseMigration({ name: "0001_a.sql", sql: "SELECT 1; " }).checksum !== base.checksum);
  assert(parseMigration({ name: "0001_a.sql", sql: "select 1;" }).checksum !== base.checksum);
  assertEquals(parseMigration({ name: "0002_b.sql", sql: "SELECT 1;" }).checksum, base.checksum);
});

const splits: Array<[string, string, string[]]> = [
  ["two statements", "SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]],
  ["a trailing statement without semicolon", "SELECT 1;\nSELECT 2", ["SELECT 1", "SELECT 2"]],
  ["surrounding white space", "  \n SELECT 1 ;\n\n\tSELECT 2\n ", ["SELECT 1", "SELECT 2"]],
  ["a semicolon in single quotes", "SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"]],
  [
    "doubled single quotes",
    "SELECT 'it''s; fine'; SELECT ''';'",
    ["SELECT 'it''s; fine'", "SELECT ''';'"],
  ],
  [
    "a multi-line string",
    "COMMENT ON TABLE t IS 'one;\ntwo;';\nSELECT 2;",
    ["COMMENT ON TABLE t IS 'one;\ntwo;'", "SELECT 2"],
  ],
  [
    "a semicolon in a quoted identifier",
    'CREATE TABLE "a;b" (x int); SELECT 2',
    ['CREATE TABLE "a;b" (x int)', "SELECT 2"],
  ],
  [
    "doubled double quotes",
    'SELECT 1 AS "x"";y"; SELECT 2',
    ['SELECT 1 AS "x"";y"', "SELECT 2"],
  ],
  [
    "a single quote inside a quoted identifier",
    `SELECT 1 AS "it's"; SELECT 2`,
    [`SELECT 1 AS "it's"`, "SELECT 2"],
  ],
  [
    "$$ dollar quotes",
    "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$; SELECT 2;",
    ["DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", "SELECT 2"],
  ],
  [
    "$tag$ dollar quotes",
    "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT 2",
    ["CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql", "SELECT 2"],
  ],
  [
    "$$ inside a $tag$ body",
    "DO $outer$ BEGIN EXECUTE $$ SELECT 1; $$; END $outer$; SELECT 2",
    ["DO $outer$ BEGIN EXECUTE $$ SELECT 1; $$; END $outer$", "SELECT 2"],
  ],
  [
    "quotes inside a dollar-quoted body",
    "DO $$ BEGIN RAISE NOTICE 'it''s; ok'; END $$; SELECT 2",
    ["DO $$ BEGIN RAISE NOTICE 'it''s; ok'; END $$", "SELECT 2"],
  ],
  [
    "a positional parameter, which is not a dollar quote",
    "PREPARE p AS SELECT $1; SELECT 2",
    ["PREPARE p AS SELECT $1", "SELECT 2"],
  ],
  [
    "a line comment holding a semicolon",
    "SELECT 1 -- a; b\n, 2; SELECT 3",
    ["SELECT 1 -- a; b\n, 2", "SELECT 3"],
  ],
  [
    "a line comment holding a quote",
    "SELECT 1; -- don't split here\nSELECT 2;",
    ["SELECT 1", "-- don't split here\nSELECT 2"],
  ],
  [
    "a block comment holding a semicolon",
    "SELECT /* ; ' */ 1; SELECT 2",
    ["SELECT /* ; ' */ 1", "SELECT 2"],
  ],
  [
    "a multi-line block comment",
    "SELECT 1;\n/* first;\n second; */\nSELECT 2;",
    ["SELECT 1", "/* first;\n second; */\nSELECT 2"],
  ],
  ["a trailing line comment, dropped", "SELECT 1;\n-- the end\n", ["SELECT 1"]],
  ["a comment-only statement, dropped", "SELECT 1;\n/* note; */ ;\nSELECT 2;", [
    "SELECT 1",
    "SELECT 2",
  ]],
  ["a leading comment, kept with its statement", "-- header\nSELECT 1;", ["-- header\nSELECT 1"]],
  ["empty statements, dropped", ";;\n; SELECT 1;;", ["SELECT 1"]],
  ["only comments", "-- a;\n/* b; */\n-- c", []],
  ["an empty text", "", []],
  ["only white space", " \n\t ", []],
  [
    "an unterminated quote, which swallows the rest",
    "SELECT 'abc; SELECT 2",
    ["SELECT 'abc; SELECT 2"],
  ],
];

for (const [name, sql, expected] of splits) {
  Deno.test(`splitStatements() handles ${name}`, () => {
    assertEquals(splitStatements(sql), expected);
  });
}

// The shipped migrations.

const parsed = MIGRATION_FILES.map(parseMigration);
const hasSections = (sql: string) => /^\s*--\s*mds:(timescale|plain)\s*$/m.test(sql);
const TIMESCALE_ONLY =
  /\b(create_hypertable|add_columnstore_policy|add_retention_policy|add_continuous_aggregate_policy|add_compression_policy|time_bucket|timescaledb\.)/;
const stripComments = (stmt: string) =>
  stmt.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");

Deno.test("every shipped migration file parses, with statements for both modes", () => {
  assert(parsed.length > 0);
  for (const m of parsed) {
    assert(m.statements.timescale.length > 0, m.name);
    assert(m.statements.plain.length > 0, m.name);
    for (const stmt of [...m.statements.timescale, ...m.statements.plain]) {
      assert(stmt.trim() === stmt && stmt !== "", `${m.name}: ${JSON.stringify(stmt)}`);
      assert(!stmt.endsWith(";"), `${m.name}: ${stmt}`);
    }
  }
});

Deno.test("shipped migration versions run 1 to N without gaps or repeats, in file order", () => {
  assertEquals(parsed.map((m) => m.version), parsed.map((_, i) => i + 1));
  assertEquals(new Set(MIGRATION_FILES.map((f) => f.name)).size, MIGRATION_FILES.length);
  assertEquals(new Set(parsed.map((m) => m.checksum)).size, parsed.length);
});

Deno.test("shipped migrations differ between timescale and plain only where a file has sections", () => {
  for (const [i, m] of parsed.entries()) {
    const sql = MIGRATION_FILES[i]!.sql;
    if (hasSections(sql)) {
      assert(
        JSON.stringify(m.statements.timescale) !== JSON.stringify(m.statements.plain),
        `${m.name} has sections but the same statements in both modes`,
      );
    } else {
      assertEquals(m.statements.timescale, m.statements.plain, m.name);
    }
  }
});

Deno.test("at least one shipped migration has timescale-only statements", () => {
  const timescaleOnly = parsed.flatMap((m) =>
    m.statements.timescale.filter((s) => !m.statements.plain.includes(s))
  );
  assert(timescaleOnly.length > 0);
  assert(timescaleOnly.some((s) => TIMESCALE_ONLY.test(stripComments(s))), timescaleOnly[0]);
});

Deno.test("plain-mode statements of the shipped migrations call no TimescaleDB function", () => {
  for (const m of parsed) {
    for (const stmt of m.statements.plain) {
      assert(!TIMESCALE_ONLY.test(stripComments(stmt)), `${m.name}: ${stmt}`);
    }
  }
});
