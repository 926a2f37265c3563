// A parameterised statement written out as one self-contained text, for the simple query
// protocol: it carries no parameters, but one message may hold several statements (one round
// trip for a whole unit of work).
import { arrayLiteral } from "./_encode.ts";
import { MdsError } from "./errors.ts";
import type { SqlQuery } from "./upsert.ts";

/**
 * The statement's text with each `$n` replaced by its parameter as a SQL literal. Placeholders
 * inside string literals, quoted identifiers, dollar-quoted strings and comments are left alone.
 *
 * Literals carry the type postgres.js infers from the JavaScript value: a `Date` is a
 * `timestamptz` literal, a boolean `true` or `false`, a bigint an `int8`; strings, numbers and
 * arrays are quoted literals of no type, which the server reads as text of the type the
 * statement's context gives them (`$1::text[]`, `ts >= $2`), as it reads such a parameter. One
 * difference: postgres.js asks the server for each parameter's type first and encodes a string
 * bound to a `json` or `bytea` parameter as JSON or hex, and one bound to `timestamptz` through
 * a JavaScript `Date`; here the server reads the string itself. Bind a `Date` to a
 * `timestamptz` parameter, and no string to a `json` or `bytea` one. Strings are escape-string
 * literals (`E'...'`), read the same whatever `standard_conforming_strings` says, and the text is
 * ASCII only (characters beyond it as `\u` escapes), read the same in any client encoding.
 *
 * @param query The statement and its parameters.
 * @returns The statement text, without placeholders.
 * @throws {MdsError} `MDS_VALIDATION` when a placeholder has no parameter, a parameter is
 * `undefined`, holds a NUL character (which PostgreSQL text cannot hold) or is of a type with no
 * literal here (objects, nested arrays, byte arrays).
 *
 * @example
 * ```ts
 * import { inlineParams } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const text = inlineParams({
 *   text: "SELECT * FROM mds.bars WHERE symbol = $1 AND ts >= $2 LIMIT $3",
 *   params: ["O'NEIL", new Date(Date.UTC(2024, 0, 2)), 10],
 * });
 * assert.equal(
 *   text,
 *   "SELECT * FROM mds.bars WHERE symbol = E'O''NEIL' AND ts >= " +
 *     "E'2024-01-02T00:00:00.000Z'::timestamptz LIMIT E'10'",
 * );
 * ```
 */
export function inlineParams(query: SqlQuery): string {
  const { text, params } = query;
  const parts: string[] = [];
  let from = 0; // start of the text not yet copied
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "'") {
      i = skipString(text, i, i > 0 && /[eE]/.test(text[i - 1]!) && !isWordChar(text[i - 2]));
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      i = end < 0 ? n : end + 1; // "" inside an identifier: two quoted runs, same result
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      i = skipBlockComment(text, i);
    } else if (c === "$") {
      const digits = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (digits !== null && !isWordChar(text[i - 1])) {
        parts.push(text.slice(from, i), literal(params, Number(digits[1]), text));
        i += digits[0].length;
        from = i;
      } else {
        i = skipDollarQuote(text, i);
      }
    } else {
      i++;
    }
  }
  parts.push(text.slice(from));
  return parts.join("");
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}_$]/u.test(c);
}

/** The index after the string literal opening at `start`. */
function skipString(text: string, start: number, escapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (escapes && c === "\\") i += 2;
    else if (c === "'") {
      if (text[i + 1] !== "'") return i + 1;
      i += 2;
    } else i++;
  }
  return text.length;
}

/** The index after the (nested) block comment opening at `start`. */
function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text[i] === "/" && text[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (text[i] === "*" && text[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return text.length;
}

/** The index after the dollar-quoted string opening at `start`, or after a lone `$`. */
function skipDollarQuote(text: string, start: number): number {
  const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(text.slice(start, start + 64));
  if (tag === null || isWordChar(text[start - 1])) return start + 1;
  const end = text.indexOf(tag[0], start + tag[0].length);
  return end < 0 ? text.length : end + tag[0].length;
}

function refuse(n: number, text: string, reason: string): never {
  throw new MdsError(
    "MDS_VALIDATION",
    `Parameter $${n} ${reason} (statement: ${text.slice(0, 60)})`,
  );
}

function literal(params: readonly unknown[], n: number, text: string): string {
  if (n < 1 || n > params.length) refuse(n, text, `is missing: ${params.length} given`);
  const value = params[n - 1];
  if (value === undefined) refuse(n, text, "is undefined; pass null for SQL NULL");
  if (value === null) return "NULL";
  if (value instanceof Date) return `${quote(n, text, value.toISOString())}::timestamptz`;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return `${quote(n, text, String(value))}::int8`;
  if (typeof value === "string") return quote(n, text, value);
  if (typeof value === "number") return quote(n, text, String(value));
  if (Array.isArray(value)) {
    const items = value.map((item): string | null => {
      if (item === null || item === undefined) return null;
      if (item instanceof Date) return item.toISOString();
      if (typeof item === "string" || typeof item === "number" || typeof item === "bigint") {
        return String(item);
      }
      if (typeof item === "boolean") return item ? "t" : "f";
      return refuse(n, text, "is an array holding a value with no literal here");
    });
    const typed = value.find((item) => item !== null && item !== undefined);
    return `${quote(n, text, arrayLiteral(items))}${
      typed instanceof Date ? "::timestamptz[]" : ""
    }`;
  }
  return refuse(n, text, `is ${typeof value === "object" ? "an object" : typeof value}`);
}

const BEYOND_ASCII = /[\u0080-\uffff]/;

/**
 * An escape-string literal of `value`, in ASCII only: a character beyond ASCII is written as a
 * `\u` or `\U` escape (a lone surrogate as U+FFFD, the character postgres.js sends for it), so
 * no client encoding can make a byte of it end the literal.
 */
function quote(n: number, text: string, value: string): string {
  if (value.includes("\0")) refuse(n, text, "holds a NUL character");
  let escaped = value.includes("\\") || value.includes("'")
    ? value.replaceAll("\\", "\\\\").replaceAll("'", "''")
    : value;
  if (BEYOND_ASCII.test(escaped)) {
    let out = "";
    for (const ch of escaped) {
      let code = ch.codePointAt(0)!;
      if (code < 0x80) {
        out += ch;
        continue;
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      out += code > 0xffff
        ? `\\U${code.toString(16).padStart(8, "0")}`
        : `\\u${code.toString(16).padStart(4, "0")}`;
    }
    escaped = out;
  }
  return `E'${escaped}'`;
}
