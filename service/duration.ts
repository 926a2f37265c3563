import { ValidationError } from "@mds/sql";

/** Seconds per unit of a duration string. */
const UNITS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3_600,
  d: 86_400,
  w: 604_800,
};

const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/**
 * Reads a duration setting: a number of seconds, or a number with a unit such as `"90s"`,
 * `"5m"`, `"1h"`, `"2d"` (units `ms`, `s`, `m`, `h`, `d`, `w`; fractions such as `"1.5h"`
 * allowed). Ranges are the caller's business; this only refuses what is not a duration.
 *
 * @param field The setting's name, quoted in the error, e.g. `sweep.everySeconds`.
 * @param value The value as configured.
 * @returns The duration in seconds, at least 0.
 * @throws {ValidationError} Naming `field` when the value is negative, not finite, a string
 *   without a unit or with an unknown one, or neither a number nor a string.
 *
 * @example
 * ```ts
 * import { parseDurationSeconds } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDurationSeconds("sweep.everySeconds", 15), 15);
 * assert.equal(parseDurationSeconds("sweep.everySeconds", "5m"), 300);
 * assert.equal(parseDurationSeconds("workers.pollSeconds", "250ms"), 0.25);
 * assert.throws(() => parseDurationSeconds("sweep.everySeconds", "5 parsecs"),
 *   /"sweep.everySeconds" is "5 parsecs"/);
 * ```
 */
export function parseDurationSeconds(field: string, value: unknown): number {
  const refuse = (reason: string) =>
    new ValidationError({ kind: "duration", field, value, reason });
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw refuse("must be a finite number of seconds");
    if (value < 0) throw refuse("must not be negative");
    return value;
  }
  if (typeof value !== "string") {
    throw refuse('must be a number of seconds or a string such as "90s", "5m", "1h" or "2d"');
  }
  const m = PATTERN.exec(value.trim());
  if (m === null) {
    throw refuse(
      'must be a number of seconds or a number with a unit (ms, s, m, h, d, w), such as "90s" or "5m"',
    );
  }
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  if (!Number.isFinite(seconds)) throw refuse("is too long");
  // 0.1 * 3 style float noise would make "300ms" 0.30000000000000004 s
  return Math.round(seconds * 1e9) / 1e9;
}
