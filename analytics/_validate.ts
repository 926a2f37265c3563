// Input checks shared by the analytics modules: each throws AnalyticsError("invalid_input")
// naming the field and quoting the value.
import { AnalyticsError } from "./errors.ts";
import { OPTION_TYPES, type OptionType } from "./option.ts";

/** The lower limit a number must respect, if any. */
export type Limit = "any" | "positive" | "nonnegative";

function describe(limit: Limit): string {
  switch (limit) {
    case "any":
      return "a finite number";
    case "positive":
      return "a finite number above 0";
    case "nonnegative":
      return "a finite number not below 0";
  }
}

function show(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid date" : "a date";
  try {
    return String(JSON.stringify(value) ?? value).slice(0, 80);
  } catch {
    return String(value).slice(0, 80);
  }
}

/** Throws `invalid_input` for `field` with the reason. */
export function refuse(kind: string, field: string, value: unknown, expected: string): never {
  const shown = typeof value === "number" ? String(value) : show(value);
  throw new AnalyticsError(
    "invalid_input",
    `Invalid ${kind}: "${field}" is ${shown}: expected ${expected}`,
    { field, value },
  );
}

/** Returns `value` when it is a finite number within `limit`; throws otherwise. */
export function checkNumber(kind: string, field: string, value: unknown, limit: Limit): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    (limit === "any" || (limit === "positive" ? value > 0 : value >= 0));
  if (!ok) refuse(kind, field, value, describe(limit));
  return value as number;
}

/** Like {@linkcode checkNumber}, but `null` and `undefined` mean "missing" and give `null`. */
export function checkOptionalNumber(
  kind: string,
  field: string,
  value: unknown,
  limit: Limit,
): number | null {
  if (value === null || value === undefined) return null;
  return checkNumber(kind, field, value, limit);
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch day of a `YYYY-MM-DD` date, or undefined when it is not a real calendar date. */
export function epochDay(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : undefined;
}

/** Epoch day of the UTC calendar date of `date`. */
export function utcDay(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS);
}

/** Whether `value` is one of {@linkcode OPTION_TYPES}. */
export function isOptionType(value: unknown): value is OptionType {
  return (OPTION_TYPES as readonly unknown[]).includes(value);
}
