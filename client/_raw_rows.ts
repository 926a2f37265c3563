// Rows of a postgres.js result received raw (each value its bytes) decoded into objects, the
// same objects postgres.js would build, with less work per value: postgres.js decodes every
// value into a string first (Buffer.toString, most of a wide read's time on the client) and
// then parses it. Numbers and timestamps in their common forms are read from the bytes;
// text in ASCII is built from them; every other value goes the way postgres.js takes it.
import { Buffer } from "node:buffer";

/** A column of a postgres.js result: its name, type OID and the parser postgres.js gave it. */
export interface RawColumn {
  readonly name: string;
  readonly type: number;
  readonly parser?: ((text: string) => unknown) & { array?: boolean };
}

type Decode = (bytes: Uint8Array) => unknown;

/** Type OIDs whose parser is `+text` (postgres.js) or `Number(text)` (int8, mds's): a number. */
const NUMBERS = new Set([20, 21, 23, 26, 700, 701]);
/** Type OIDs read as text: text, varchar, bpchar, name. */
const TEXTS = new Set([25, 1043, 1042, 19]);
const TIMESTAMPTZ = 1184;

const POWERS = Array.from({ length: 23 }, (_, i) => 10 ** i);

function utf8(bytes: Uint8Array, start = 0): string {
  const b = bytes instanceof Buffer
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.toString("utf8", start);
}

/**
 * A number from its text: plain decimals of at most 15 digits exactly (the integer digits,
 * then one division by a power of ten, both exact in a double, so the result is the correctly
 * rounded value `Number()` gives); anything else (exponents, NaN, more digits) by `Number()`.
 */
export function decodeNumber(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = bytes[0] === 45 ? 1 : 0; // -
  if (i === n) return Number(utf8(bytes));
  let m = 0, digits = 0, scale = 0, dot = false;
  for (; i < n; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot && i + 1 < n) dot = true;
    else return Number(utf8(bytes));
  }
  if (digits > 15) return Number(utf8(bytes));
  const v = scale === 0 ? m : m / POWERS[scale]!;
  return bytes[0] === 45 ? -v : v;
}

/** Text from bytes: ASCII built from the bytes, anything else decoded as UTF-8. */
export function decodeText(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n > 64) return utf8(bytes);
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c > 0x7f) return utf8(bytes);
    s += String.fromCharCode(c);
  }
  return s;
}

const digit = (b: Uint8Array, i: number): number => b[i]! - 48;
const two = (b: Uint8Array, i: number): number => digit(b, i) * 10 + digit(b, i + 1);

/**
 * A `timestamptz` in the form PostgreSQL prints in UTC with DateStyle ISO
 * (`2024-01-02 14:30:00[.ffffff]+00`, years 1000 to 9999) read from the bytes; any other form
 * (another zone, other years, infinity) by `fallback`, postgres.js's parser.
 */
function timestampDecoder(fallback: (text: string) => unknown): Decode {
  return (b) => {
    const n = b.length;
    if (
      n >= 22 && n <= 29 && b[4] === 45 && b[7] === 45 && b[10] === 32 && b[13] === 58 &&
      b[16] === 58 && b[n - 3] === 43 && b[n - 2] === 48 && b[n - 1] === 48 && b[0] !== 48 &&
      (n === 22 || b[19] === 46)
    ) {
      let ms = 0;
      for (let i = 20, scale = 100; i < n - 3; i++, scale /= 10) {
        const d = digit(b, i);
        if (d < 0 || d > 9) return fallback(utf8(b));
        ms += d * scale;
      }
      const year = two(b, 0) * 100 + two(b, 2);
      const time = Date.UTC(year, two(b, 5) - 1, two(b, 8), two(b, 11), two(b, 14), two(b, 17));
      // the fraction in microseconds: Date keeps milliseconds, truncated as postgres.js's parser
      if (!Number.isNaN(time)) return new Date(time + Math.floor(ms));
    }
    return fallback(utf8(b));
  };
}

function decoderOf(column: RawColumn): Decode {
  const parser = column.parser;
  if (NUMBERS.has(column.type) && parser !== undefined) return decodeNumber;
  if (TEXTS.has(column.type) && parser === undefined) return decodeText;
  if (column.type === TIMESTAMPTZ && parser !== undefined) return timestampDecoder(parser);
  if (parser === undefined) return (b) => utf8(b);
  // postgres.js hands an array's parser its text without the first character
  if (parser.array === true) return (b) => parser(utf8(b, 1));
  return (b) => parser(utf8(b));
}

/**
 * The row objects of raw `rows`: for each row an object with one property per column, in
 * column order, `null` for SQL NULL, each value what postgres.js would have made of it.
 *
 * @param rows Rows as postgres.js returns them raw: one byte array (or `null`) per column.
 * @param columns The result's columns.
 * @returns The rows as objects.
 */
export function decodeRows<T>(
  rows: readonly (readonly (Uint8Array | null)[])[],
  columns: readonly RawColumn[],
): T[] {
  const decoders = columns.map(decoderOf);
  const names = columns.map((c) => c.name);
  const width = columns.length;
  const out = new Array<T>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const raw = rows[r]!;
    const row: Record<string, unknown> = {};
    for (let c = 0; c < width; c++) {
      const bytes = raw[c];
      row[names[c]!] = bytes === null || bytes === undefined ? null : decoders[c]!(bytes);
    }
    out[r] = row as T;
  }
  return out;
}
