// Macro factors: the economic series a tenant tracks (FRED ids such as DGS10) and their
// observations, each with its vintage, and the validation of both.
import { ValidationError } from "./errors.ts";
import { parseCalendarDate } from "./fields.ts";

/** The vendor of a series that names none. */
export const DEFAULT_MACRO_VENDOR = "fred" as const;

/** The answers of a history read: as first published, the latest revision, or as of a day. */
export const MACRO_VINTAGE_KEYWORDS = ["first", "latest"] as const;
/** One of {@linkcode MACRO_VINTAGE_KEYWORDS}. */
export type MacroVintageKeyword = typeof MACRO_VINTAGE_KEYWORDS[number];
/**
 * Which vintage a history read answers with: `first` (as first published), `latest` (the newest
 * revision), or a date `YYYY-MM-DD` (the newest revision published on or before that day).
 */
export type MacroVintage = MacroVintageKeyword | string;

/** The descriptive fields of a series; each `null` when unknown. */
export interface MacroSeriesMeta {
  /** Title, e.g. `Market Yield on U.S. Treasury Securities at 10-Year Constant Maturity`. */
  title?: string | null | undefined;
  /** Units, e.g. `Percent`. */
  units?: string | null | undefined;
  /** Frequency, e.g. `Daily`. */
  frequency?: string | null | undefined;
  /** Where the observations come from, lower-case. @default {"fred"} */
  vendor?: string | undefined;
}

/** A series to track, validated. */
export interface MacroSeries {
  /** The vendor's series id, upper-case, e.g. `DGS10`. */
  key: string;
  /** Title, or `null` to keep the stored one (none for a new series). */
  title: string | null;
  /** Units, or `null` to keep the stored ones. */
  units: string | null;
  /** Frequency, or `null` to keep the stored one. */
  frequency: string | null;
  /** Vendor, lower-case. */
  vendor: string;
}

/** One observation of one vintage, validated. */
export interface MacroObservation {
  /** Series id, upper-case. */
  key: string;
  /** The observation's date, `YYYY-MM-DD`. */
  date: string;
  /** The value, `null` where the vendor published it as missing (FRED's `.`). */
  value: number | null;
  /** The vintage: the day this value was published, `YYYY-MM-DD`. */
  realtime_start: string;
}

/** What {@linkcode parseMacroObservation} accepts. */
export interface MacroObservationInput {
  /** Series id; upper-cased. */
  key: string;
  /** Date `YYYY-MM-DD`. */
  date: string;
  /** A finite number, or `null` for missing. */
  value: number | null;
  /** The vintage, date `YYYY-MM-DD`. */
  realtime_start: string;
}

const KEY = /^[A-Z0-9_.]{1,64}$/;
const VENDOR = /^[a-z0-9_-]{1,64}$/;
const MAX_TEXT = 1_000;

function refuse(
  kind: string,
  field: string,
  value: unknown,
  reason: string,
  index?: number,
): never {
  throw new ValidationError({ kind, field, value, reason, index });
}

/**
 * Validates a series id and upper-cases it: 1 to 64 letters, digits, `_` or `.` (FRED's ids,
 * such as `DGS10`, `T10Y2Y` or `CPIAUCSL`).
 *
 * @param value The id as received.
 * @param field Its name, quoted in the error. @default {"key"}
 * @returns The id, trimmed and upper-cased.
 * @throws {ValidationError} (`MDS_VALIDATION`) When it is not such an id.
 *
 * @example
 * ```ts
 * import { parseMacroKey } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseMacroKey(" dgs10 "), "DGS10");
 * assert.throws(() => parseMacroKey("10-year"), /"key" is "10-year"/);
 * ```
 */
export function parseMacroKey(value: unknown, field = "key"): string {
  const key = typeof value === "string" ? value.trim().toUpperCase() : value;
  if (typeof key !== "string" || !KEY.test(key)) {
    refuse("macro series", field, value, "must be a series id such as DGS10 (A-Z, 0-9, _ or .)");
  }
  return key;
}

function text(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > MAX_TEXT) {
    refuse("macro series", field, value, `must be text of at most ${MAX_TEXT} characters`);
  }
  const t = value.trim();
  return t === "" ? null : t;
}

/**
 * Validates a series to track: its id, and the title, units, frequency and vendor to store with
 * it. A field left out (or `null`) keeps what is stored.
 *
 * @param key The series id.
 * @param meta Title, units, frequency and vendor. @default {{}}
 * @returns The series.
 * @throws {ValidationError} (`MDS_VALIDATION`, kind `macro series`) Naming the field.
 *
 * @example
 * ```ts
 * import { parseMacroSeries } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseMacroSeries("dgs10", { units: "Percent" }),
 *   { key: "DGS10", title: null, units: "Percent", frequency: null, vendor: "fred" });
 * assert.throws(() => parseMacroSeries("DGS10", { vendor: "F R E D" }), /"vendor"/);
 * ```
 */
export function parseMacroSeries(key: unknown, meta: MacroSeriesMeta = {}): MacroSeries {
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) {
    refuse("macro series", "meta", meta, "must be an object");
  }
  const vendorIn = meta.vendor ?? DEFAULT_MACRO_VENDOR;
  const vendor = typeof vendorIn === "string" ? vendorIn.trim().toLowerCase() : vendorIn;
  if (typeof vendor !== "string" || !VENDOR.test(vendor)) {
    refuse("macro series", "vendor", vendorIn, "must be a vendor name such as fred");
  }
  return {
    key: parseMacroKey(key),
    title: text("title", meta.title),
    units: text("units", meta.units),
    frequency: text("frequency", meta.frequency),
    vendor,
  };
}

/**
 * Validates one observation: series id, date, value (a finite number, or `null` for missing)
 * and vintage (`realtime_start`, the day the value was published). Unknown fields are refused.
 *
 * @param input The observation as received.
 * @param index Position in its batch, quoted in the error.
 * @returns The observation, id upper-cased.
 * @throws {ValidationError} (`MDS_VALIDATION`, kind `macro observation`) Naming the field.
 *
 * @example
 * ```ts
 * import { parseMacroObservation } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const o = parseMacroObservation({ key: "gdp", date: "2024-01-01", value: null,
 *   realtime_start: "2024-04-25" });
 * assert.deepEqual(o, { key: "GDP", date: "2024-01-01", value: null, realtime_start: "2024-04-25" });
 * assert.throws(() => parseMacroObservation({ ...o, value: "." }), /"value" is "\."/);
 * ```
 */
export function parseMacroObservation(input: unknown, index?: number): MacroObservation {
  const kind = "macro observation";
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    refuse(kind, "", input, "must be an object", index);
  }
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["key", "date", "value", "realtime_start"].includes(k)) {
      refuse(kind, k, o[k], "is not an observation field", index);
    }
  }
  const rule = <T>(field: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ValidationError) refuse(kind, field, o[field], e.reason, index);
      throw e;
    }
  };
  const key = rule("key", () => parseMacroKey(o.key));
  const date = rule("date", () => parseCalendarDate(o.date, "date"));
  const realtime = rule("realtime_start", () => parseCalendarDate(o.realtime_start));
  const value = o.value;
  if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) {
    refuse(kind, "value", value, "must be a finite number, or null for missing", index);
  }
  return { key, date, value, realtime_start: realtime };
}

/**
 * Reads the vintage of a history read: `first`, `latest`, or a date `YYYY-MM-DD`.
 *
 * @param value The vintage as received; `undefined` is `latest`.
 * @param field Its name, quoted in the error. @default {"vintage"}
 * @returns The keyword, or the date.
 * @throws {ValidationError} (`MDS_VALIDATION`) When it is neither.
 *
 * @example
 * ```ts
 * import { parseMacroVintage } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseMacroVintage(undefined), "latest");
 * assert.equal(parseMacroVintage("2024-02-01"), "2024-02-01");
 * assert.throws(() => parseMacroVintage("last"), /"vintage" is "last"/);
 * ```
 */
export function parseMacroVintage(value: unknown, field = "vintage"): MacroVintage {
  if (value === undefined) return "latest";
  if ((MACRO_VINTAGE_KEYWORDS as readonly unknown[]).includes(value)) {
    return value as MacroVintageKeyword;
  }
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return parseCalendarDate(value, field);
  }
  refuse("argument", field, value, "must be first, latest or a date YYYY-MM-DD");
}
