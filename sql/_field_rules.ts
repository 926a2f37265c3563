// Field parsers shared by the models. Each returns the normalised value or a `Refusal` that
// says why, so the zod models and plain callers share one definition of every rule.
import { z } from "zod";

/** A refused value: the reason, in a phrase that follows `"field" is <value>: `. */
export class Refusal {
  constructor(readonly reason: string) {}
}

/** A field rule: the normalised value, or why it is refused. */
export type Parse<O> = (value: unknown) => O | Refusal;

// The rule behind each schema made by field(), so compileModel() can run the rules directly.
const RULES = new WeakMap<object, Parse<unknown>>();

/**
 * Wraps a parse function as a zod schema whose input type is `I`, so exported schemas can be
 * annotated against declared interfaces.
 */
export function field<O, I>(parse: Parse<O>): z.ZodType<O, I> {
  const schema = z.custom<I>(() => true).transform((value, ctx) => {
    const out = parse(value);
    if (out instanceof Refusal) {
      ctx.issues.push({ code: "custom", message: out.reason, input: value });
      return z.NEVER;
    }
    return out;
  });
  RULES.set(schema, parse);
  return schema as unknown as z.ZodType<O, I>;
}

/** The rule of a schema made by {@linkcode field}, or undefined for any other schema. */
export function ruleOf(schema: object): Parse<unknown> | undefined {
  return RULES.get(schema);
}

/** Lets `undefined` and `null` through as `null`, and parses anything else with `parse`. */
export function nullable<O>(parse: Parse<O>): Parse<O | null> {
  return (value) => (value === undefined || value === null ? null : parse(value));
}

/** Uses `fallback` when the value is missing. */
export function withDefault<O>(parse: Parse<O>, fallback: O): Parse<O> {
  return (value) => (value === undefined ? fallback : parse(value));
}

// Date.UTC maps years 0-99 to 1900-1999, so the lower bound is built with setUTCFullYear.
const MIN_MS = new Date(0).setUTCFullYear(1, 0, 1); // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const ISO_TS =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" || type === "undefined" ? `an ${type}` : `a ${type}`;
}

function required(value: unknown): Refusal | undefined {
  return value === undefined ? new Refusal("is required") : undefined;
}

/**
 * Parses an instant: ISO 8601 text with `Z` or an offset, epoch milliseconds, or a `Date`. Text
 * without a zone is UTC, as the original mds documented its timestamps; strict callers refuse it
 * first with {@linkcode isZonelessTimestamp}.
 */
export const timestamp: Parse<Date> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
    if (Number.isNaN(ms)) return new Refusal("is an invalid Date");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      return new Refusal("expected epoch milliseconds as a whole number");
    }
    ms = value;
  } else if (typeof value === "string") {
    const parsed = parseIsoInstant(value);
    if (parsed instanceof Refusal) return parsed;
    ms = parsed;
  } else {
    return new Refusal(
      `expected ISO 8601 text or epoch milliseconds, got ${typeName(value)}`,
    );
  }
  if (!(ms >= MIN_MS && ms <= MAX_MS)) {
    return new Refusal("is outside the years 0001 to 9999");
  }
  return new Date(ms);
};

// The last text parsed and its instant. Market data repeats one time on many consecutive rows
// (every symbol's bar of a minute), so ingest mostly parses the text it parsed just before;
// a pure function's memo, so sharing it is harmless.
let lastText = "";
let lastInstant: number | Refusal = 0;

function parseIsoInstant(text: string): number | Refusal {
  if (text === lastText) return lastInstant;
  const parsed = parseIsoText(text);
  lastText = text;
  lastInstant = parsed;
  return parsed;
}

function parseIsoText(text: string): number | Refusal {
  const m = ISO_TS.exec(text);
  if (!m) return new Refusal("expected ISO 8601 text such as 2024-01-02T15:30:00Z");
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s ?? "0");
  if (year < 1) return new Refusal("is outside the years 0001 to 9999");
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return new Refusal("is not a calendar date");
  }
  if (hour > 23 || minute > 59 || second > 59) return new Refusal("is not a time of day");
  const fraction = frac ?? "";
  if (fraction.length > 3 && /[1-9]/.test(fraction.slice(3))) {
    return new Refusal("has sub-millisecond precision, which mds does not store");
  }
  const millis = Number(fraction.slice(0, 3).padEnd(3, "0"));
  const offsetHours = Number(oh ?? "0"), offsetMinutes = Number(om ?? "0");
  if (offsetHours > 15 || offsetMinutes > 59) return new Refusal("has an invalid UTC offset");
  const offset = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  // Date.UTC reads years 0-99 as 1900-1999: those take the long way
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offset;
}

/** The refusal of a zone-less timestamp in strict mode. */
export const ZONELESS_REASON = "has no time zone; add Z or an offset such as +00:00";

/** True when `value` is ISO 8601 text without `Z` or an offset (read as UTC unless strict). */
export function isZonelessTimestamp(value: unknown): boolean {
  if (typeof value !== "string") return false;
  const m = ISO_TS.exec(value);
  return m !== null && m[8] === undefined && m[9] === undefined;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Parses a calendar date `YYYY-MM-DD` and returns it in that form. */
export const calendarDate: Parse<string> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "string") {
    return new Refusal(`expected a date such as 2024-01-02, got ${typeName(value)}`);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return new Refusal("expected a date such as 2024-01-02");
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]);
  if (year < 1) return new Refusal("is outside the years 0001 to 9999");
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return new Refusal("is not a calendar date");
  }
  return value;
};

/**
 * A calendar date, also given as an ISO 8601 date-time (the original interface typed `asof` as a
 * datetime): the date as written, so `2024-03-31T23:00:00-05:00` is 2024-03-31.
 */
export const dateOfDateTime: Parse<string> = (value) => {
  if (typeof value === "string" && value.length > 10 && ISO_TS.test(value)) {
    const instant = timestamp(value);
    return instant instanceof Refusal ? instant : value.slice(0, 10);
  }
  return calendarDate(value);
};

/** A finite number, not negative. */
export const price: Parse<number> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "number") return new Refusal(`expected a number, got ${typeName(value)}`);
  if (!Number.isFinite(value)) return new Refusal("must be a finite number");
  if (value < 0) return new Refusal("must not be negative");
  return value;
};

/** A finite number of either sign. */
export const finite: Parse<number> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "number") return new Refusal(`expected a number, got ${typeName(value)}`);
  if (!Number.isFinite(value)) return new Refusal("must be a finite number");
  return value;
};

/** A whole number from 0 to 2^53 - 1. */
export const count: Parse<number> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "number") return new Refusal(`expected a number, got ${typeName(value)}`);
  if (!Number.isInteger(value)) return new Refusal("must be a whole number");
  if (value < 0) return new Refusal("must not be negative");
  // above 2^53 - 1 a JSON number no longer reads back as written: 2^53 + 1 arrives as 2^53
  if (value > Number.MAX_SAFE_INTEGER) {
    return new Refusal(`must be a whole number no larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  return value;
};

/** A number within `[min, max]`. */
export function between(min: number, max: number): Parse<number> {
  return (value) => {
    const n = finite(value);
    if (n instanceof Refusal) return n;
    return n < min || n > max ? new Refusal(`must be between ${min} and ${max}`) : n;
  };
}

/** Characters (code points) in `s` exceed `max`; counts only as far as needed. */
function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false; // UTF-16 units never undercount code points
  let n = 0;
  for (const _ of s) if (++n > max) return true;
  return false;
}

/**
 * Text that PostgreSQL can store: well-formed Unicode without NUL, at most `max` characters.
 * Unless `empty` is set it must hold something other than white space.
 */
export function text(
  max: number,
  options: { trim?: boolean; empty?: boolean } = {},
): Parse<string> {
  return (value) => {
    const missing = required(value);
    if (missing) return missing;
    if (typeof value !== "string") {
      return new Refusal(`expected text, got ${typeName(value)}`);
    }
    const out = options.trim ? value.trim() : value;
    if (!options.empty && out.trim().length === 0) {
      return new Refusal(out.length === 0 ? "must not be empty" : "must not be blank");
    }
    if (longerThan(out, max)) return new Refusal(`is longer than ${max} characters`);
    if (out.includes("\u0000")) return new Refusal("contains a NUL character");
    if (!out.isWellFormed()) return new Refusal("is not well-formed Unicode");
    return out;
  };
}

const SYMBOL = /^[^\s\p{Cc}]{1,64}$/u;
/** A ticker: trimmed, upper-cased, 1 to 64 characters without white space or controls. */
export const symbol: Parse<string> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "string") return new Refusal(`expected text, got ${typeName(value)}`);
  const out = value.trim().toUpperCase();
  if (out.length === 0) return new Refusal("must not be empty");
  if (!SYMBOL.test(out) || !out.isWellFormed()) {
    return new Refusal("must be 1 to 64 characters without spaces or control characters");
  }
  return out;
};

const VENDOR = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** A data vendor: trimmed, lower-cased, `[a-z0-9_.-]`, at most 64 characters. */
export const vendor: Parse<string> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "string") return new Refusal(`expected text, got ${typeName(value)}`);
  const out = value.trim().toLowerCase();
  if (!VENDOR.test(out)) {
    return new Refusal("must be 1 to 64 characters of a-z, 0-9, '_', '.' or '-'");
  }
  return out;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A UUID in its canonical 8-4-4-4-12 form, returned lower-cased. */
export const uuid: Parse<string> = (value) => {
  const missing = required(value);
  if (missing) return missing;
  if (typeof value !== "string" || !UUID.test(value)) {
    return new Refusal("must be a UUID such as 123e4567-e89b-12d3-a456-426614174000");
  }
  return value.toLowerCase();
};

/** One of a fixed list of strings. */
export function oneOf<T extends string>(values: readonly T[]): Parse<T> {
  return (value) => {
    const missing = required(value);
    if (missing) return missing;
    return typeof value === "string" && (values as readonly string[]).includes(value)
      ? value as T
      : new Refusal(`must be one of ${values.join(", ")}`);
  };
}

/** A plain JSON object whose keys and strings PostgreSQL's jsonb can store. */
export const jsonObject: Parse<Record<string, unknown>> = (value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return new Refusal("expected a JSON object");
  }
  return jsonProblem(value, []) ?? value as Record<string, unknown>;
};

function jsonProblem(value: unknown, parents: unknown[]): Refusal | undefined {
  if (parents.length > 64) return new Refusal("is nested more than 64 levels deep");
  if (typeof value === "string") {
    if (value.includes("\u0000")) return new Refusal("contains a NUL character");
    if (!value.isWellFormed()) return new Refusal("is not well-formed Unicode");
    return undefined;
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : new Refusal("contains a number that is not finite");
  }
  if (value === null || typeof value === "boolean") return undefined;
  if (Array.isArray(value)) {
    if (parents.includes(value)) {
      return new Refusal("is not serialisable as JSON: it contains itself");
    }
    for (const item of value) {
      const problem = jsonProblem(item, [...parents, value]);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    if (parents.includes(value)) {
      return new Refusal("is not serialisable as JSON: it contains itself");
    }
    for (const [key, item] of Object.entries(value)) {
      const problem = jsonProblem(key, parents) ?? jsonProblem(item, [...parents, value]);
      if (problem) return problem;
    }
    return undefined;
  }
  return new Refusal(`is not serialisable as JSON: it contains ${typeName(value)}`);
}
