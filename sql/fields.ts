import {
  calendarDate,
  isZonelessTimestamp,
  Refusal,
  symbol,
  timestamp,
  uuid,
  vendor,
  ZONELESS_REASON,
} from "./_field_rules.ts";
import { ValidationError } from "./errors.ts";
import type { RowKind } from "./tables.ts";

function check<T>(
  parse: (value: unknown) => T | Refusal,
  kind: string,
  field: string,
  value: unknown,
): T {
  const out = parse(value);
  if (out instanceof Refusal) throw new ValidationError({ kind, field, value, reason: out.reason });
  return out;
}

/** How timestamps without a zone are read. */
export interface TimestampOptions {
  /**
   * Refuse ISO 8601 text without `Z` or an offset instead of reading it as UTC (the original
   * interface documented such timestamps as UTC, so they are accepted by default).
   * @default {false}
   */
  readonly strictTimestamps?: boolean | undefined;
}

/**
 * Parses an instant the way the models do: ISO 8601 (with `Z` or an offset; without one it is
 * UTC unless `strictTimestamps`), epoch milliseconds, or a `Date`; years 0001 to 9999.
 *
 * @param value The value.
 * @param field Its name, quoted in the error. @default {"ts"}
 * @param options Whether a timestamp without a zone is refused.
 * @returns The instant.
 * @throws {ValidationError} When the value is not such an instant.
 *
 * @example
 * ```ts
 * import { parseInstant } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseInstant("2024-01-02T09:30:00-05:00").toISOString(), "2024-01-02T14:30:00.000Z");
 * assert.equal(parseInstant("2024-01-02T09:30:00").toISOString(), "2024-01-02T09:30:00.000Z");
 * assert.throws(
 *   () => parseInstant("2024-01-02T09:30:00", "start", { strictTimestamps: true }),
 *   /"start" is .*time zone/,
 * );
 * ```
 */
export function parseInstant(value: unknown, field = "ts", options?: TimestampOptions): Date {
  if (options?.strictTimestamps && isZonelessTimestamp(value)) {
    throw new ValidationError({ kind: "argument", field, value, reason: ZONELESS_REASON });
  }
  return check(timestamp, "argument", field, value);
}

/** The instant fields of each row kind, which strict timestamps check. */
export const TIMESTAMP_FIELDS: Readonly<Record<RowKind, readonly string[]>> = {
  bars: ["ts"],
  fundamentals: [],
  news: ["published_at"],
  options: ["ts"],
  quotes: ["ts"],
};

/**
 * Refuses a row whose instant fields hold ISO 8601 text without a zone: the strict mode
 * (`strictTimestamps`) run before a model parses the row, which would read such text as UTC.
 *
 * @param kind The row kind.
 * @param input The row as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @throws {ValidationError} Naming the first such field.
 *
 * @example
 * ```ts
 * import { refuseZonelessTimestamps, parseBar } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const row = { ts: "2024-01-02T14:30:00", vendor: "v", symbol: "A", timeframe: "1m", close: 1 };
 * assert.equal(parseBar(row).ts.toISOString(), "2024-01-02T14:30:00.000Z");
 * assert.throws(() => refuseZonelessTimestamps("bars", row, 4), /row 4: "ts" is .*time zone/);
 * ```
 */
export function refuseZonelessTimestamps(kind: RowKind, input: unknown, index?: number): void {
  if (typeof input !== "object" || input === null) return;
  for (const field of TIMESTAMP_FIELDS[kind]) {
    const value = (input as Record<string, unknown>)[field];
    if (isZonelessTimestamp(value)) {
      throw new ValidationError({
        kind: KIND_NAMES[kind],
        field,
        value,
        reason: ZONELESS_REASON,
        index,
      });
    }
  }
}

const KIND_NAMES: Readonly<Record<RowKind, string>> = {
  bars: "bar",
  fundamentals: "fundamentals",
  news: "news",
  options: "option",
  quotes: "quote",
};

/**
 * Parses a calendar date `YYYY-MM-DD`.
 *
 * @param value The value.
 * @param field Its name, quoted in the error. @default {"date"}
 * @returns The date, as given.
 * @throws {ValidationError} When the value is not a calendar date.
 *
 * @example
 * ```ts
 * import { parseCalendarDate } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseCalendarDate("2024-02-29"), "2024-02-29");
 * assert.throws(() => parseCalendarDate("2023-02-29"));
 * ```
 */
export function parseCalendarDate(value: unknown, field = "date"): string {
  return check(calendarDate, "argument", field, value);
}

/**
 * Normalises a ticker as stored: trimmed and upper-cased.
 *
 * @param value The value.
 * @param field Its name, quoted in the error. @default {"symbol"}
 * @returns The ticker.
 * @throws {ValidationError} When it is empty, too long or holds spaces or controls.
 *
 * @example
 * ```ts
 * import { normalizeSymbol } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizeSymbol(" brk.b "), "BRK.B");
 * ```
 */
export function normalizeSymbol(value: unknown, field = "symbol"): string {
  return check(symbol, "argument", field, value);
}

/**
 * Normalises a vendor as stored: trimmed and lower-cased.
 *
 * @param value The value.
 * @param field Its name, quoted in the error. @default {"vendor"}
 * @returns The vendor.
 * @throws {ValidationError} When it holds characters outside `[a-z0-9_.-]`.
 *
 * @example
 * ```ts
 * import { normalizeVendor } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(normalizeVendor(" Polygon"), "polygon");
 * ```
 */
export function normalizeVendor(value: unknown, field = "vendor"): string {
  return check(vendor, "argument", field, value);
}

/**
 * Checks a tenant id: a UUID, returned lower-cased.
 *
 * @param value The value.
 * @param field Its name, quoted in the error. @default {"tenant"}
 * @returns The tenant id.
 * @throws {ValidationError} When it is not a UUID.
 *
 * @example
 * ```ts
 * import { parseTenantId } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseTenantId("0B3C1D5E-0000-4000-8000-000000000001"), "0b3c1d5e-0000-4000-8000-000000000001");
 * assert.throws(() => parseTenantId("acme"), /must be a UUID/);
 * ```
 */
export function parseTenantId(value: unknown, field = "tenant"): string {
  return check(uuid, "argument", field, value);
}
