import { assertEquals, assertThrows } from "../testing/assert.ts";
import { MdsError } from "./errors.ts";
import { inlineParams } from "./inline.ts";

Deno.test("inlineParams() writes each parameter as the literal postgres.js would type it", () => {
  const at = new Date(Date.UTC(2024, 0, 2, 14, 30));
  assertEquals(
    inlineParams({
      text: "SELECT $1, $2, $3, $4, $5, $6, $7, $8",
      params: ["AAPL", at, true, false, 12n, 1.5, -0, null],
    }),
    "SELECT E'AAPL', E'2024-01-02T14:30:00.000Z'::timestamptz, true, false, E'12'::int8, " +
      "E'1.5', E'0', NULL",
  );
});

Deno.test("inlineParams() escapes quotes and backslashes in strings and array elements", () => {
  assertEquals(inlineParams({ text: "SELECT $1", params: ["a'b\\c"] }), "SELECT E'a''b\\\\c'");
  assertEquals(
    inlineParams({ text: "SELECT $1::text[]", params: [["A", 'q"t', "b\\s", "o'n", null]] }),
    `SELECT E'{"A","q\\\\"t","b\\\\\\\\s","o''n",NULL}'::text[]`,
  );
  assertEquals(inlineParams({ text: "SELECT $1::text[]", params: [[]] }), "SELECT E'{}'::text[]");
  assertEquals(
    inlineParams({ text: "SELECT $1", params: [[new Date(0), null]] }),
    `SELECT E'{"1970-01-01T00:00:00.000Z",NULL}'::timestamptz[]`,
  );
});

Deno.test("inlineParams() writes ASCII only: other characters as Unicode escapes", () => {
  assertEquals(
    inlineParams({ text: "SELECT $1, $2", params: ["ü €\\😀", ["é", "\uD800x"]] }),
    `SELECT E'\\u00fc \\u20ac\\\\\\U0001f600', E'{"\\u00e9","\\ufffdx"}'`,
  );
});

Deno.test("inlineParams() reads $10 as the tenth parameter, not the first and a zero", () => {
  const params = Array.from({ length: 10 }, (_, i) => `p${i + 1}`);
  assertEquals(inlineParams({ text: "SELECT $10, $1", params }), "SELECT E'p10', E'p1'");
});

Deno.test("inlineParams() leaves placeholders in literals, identifiers and comments alone", () => {
  const cases: [string, string][] = [
    ["SELECT '$1', $1", "SELECT '$1', E'x'"],
    ["SELECT 'it''s $1', $1", "SELECT 'it''s $1', E'x'"],
    ["SELECT E'a\\' $1', $1", "SELECT E'a\\' $1', E'x'"],
    [`SELECT "col$1", $1`, `SELECT "col$1", E'x'`],
    ["SELECT $1 -- not $1\n, 2", "SELECT E'x' -- not $1\n, 2"],
    ["SELECT /* a /* $1 */ $1 */ $1", "SELECT /* a /* $1 */ $1 */ E'x'"],
    ["SELECT $$ $1 $$, $1", "SELECT $$ $1 $$, E'x'"],
    ["SELECT $q$ $1 $q$, $1", "SELECT $q$ $1 $q$, E'x'"],
    ["SELECT a$1, $1", "SELECT a$1, E'x'"],
  ];
  for (const [text, expected] of cases) {
    assertEquals(inlineParams({ text, params: ["x"] }), expected, text);
  }
});

Deno.test("inlineParams() refuses what it cannot write as a literal, naming the parameter", () => {
  const refused: [string, unknown[], RegExp][] = [
    ["SELECT $2", ["a"], /\$2 is missing: 1 given/],
    ["SELECT $1", [undefined], /\$1 is undefined/],
    ["SELECT $1", ["a\0b"], /\$1 holds a NUL character/],
    ["SELECT $1", [["a\0b"]], /\$1 holds a NUL character/],
    ["SELECT $1", [{ a: 1 }], /\$1 is an object/],
    ["SELECT $1", [[["a"]]], /\$1 is an array holding a value with no literal here/],
    ["SELECT $1", [new Uint8Array(2)], /\$1 is an object/],
  ];
  for (const [text, params, message] of refused) {
    const err = assertThrows(() => inlineParams({ text, params }), MdsError);
    assertEquals(err.code, "MDS_VALIDATION");
    if (!message.test(err.message)) throw new Error(`${err.message} does not match ${message}`);
  }
});
