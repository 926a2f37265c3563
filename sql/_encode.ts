// Text forms of column values, shared by the array-literal and COPY encoders.
import type { ColumnType } from "./tables.ts";

/** The PostgreSQL text form of a value of the given type; `null` for SQL NULL. */
export function toText(type: ColumnType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "timestamptz":
      return (value as Date).toISOString();
    case "float8":
      // String(-0) is "0": spell the sign so a stored -0 reads back as -0
      return Object.is(value, -0) ? "-0" : String(value);
    case "int8":
      return String(value);
    case "text[]":
      return arrayLiteral(value as readonly string[]);
    case "jsonb":
      return JSON.stringify(value);
    default:
      return value as string;
  }
}

/**
 * A one-dimensional PostgreSQL array literal with every element quoted. Built with `join`, so
 * the result is one flat string: a string grown by `+=` is a rope that the driver would flatten
 * again for every pass over it (length in bytes, then the copy into the socket buffer).
 */
export function arrayLiteral(items: readonly (string | null)[]): string {
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    parts[i] = item === null || item === undefined ? "NULL" : quoteElement(item);
  }
  return `{${parts.join(",")}}`;
}

const NEEDS_ESCAPE = /["\\]/;
function quoteElement(item: string): string {
  // replaceAll with plain strings runs about twice as fast as one regular expression with a
  // capture (a unit of work's pulse payloads are JSON: a quote every few characters)
  return NEEDS_ESCAPE.test(item)
    ? `"${item.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`
    : `"${item}"`;
}
