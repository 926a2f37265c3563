// The one check of the client for "a whole number from min to max", so every option names its
// range the same way.
import { ConfigError } from "./errors.ts";

/**
 * Validates a whole-number option before any work starts.
 *
 * @param option The option's name, quoted in the error.
 * @param value What was given.
 * @param min Smallest value allowed.
 * @param max Largest value allowed; unbounded at `Number.MAX_SAFE_INTEGER` and above.
 * @param unit What the number counts, for the message (`bytes`). @default {none}
 * @returns The value.
 * @throws {ConfigError} When `value` is not a whole number from `min` to `max`.
 */
export function wholeNumber(
  option: string,
  value: unknown,
  min: number,
  max: number = Infinity,
  unit?: string,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const what = unit === undefined ? "a whole number" : `a whole number of ${unit}`;
    const range = max < Number.MAX_SAFE_INTEGER
      ? ` from ${min} to ${max}`
      : min === 0
      ? ", 0 or more"
      : ` above ${min - 1}`;
    throw new ConfigError(option, value, `must be ${what}${range}`);
  }
  return value;
}
