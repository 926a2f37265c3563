// The parsers of option and argument values: each turns the text into a value or throws a
// UsageError naming the flag or argument, so a mistake exits 2 before any work starts.
import { type Aggregate, isAggregate, ROW_KINDS, type RowKind } from "@mds/sql";
import { UsageError } from "./exit.ts";

/** A whole number from `min` to `max`, or a usage error naming the flag. */
export function wholeNumber(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** A duration in seconds: `90`, `90s`, `15m`, `12h` or `7d`; or a usage error naming the flag. */
export function duration(name: string): (value: string) => number {
  return (value) => {
    const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
    const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2] || "s"]! : NaN;
    if (!Number.isFinite(seconds) || seconds > 100 * 365 * 86_400) {
      throw new UsageError(
        `${name} must be a duration such as 3600, 90s, 15m, 12h or 7d (got "${value}")`,
      );
    }
    return seconds;
  };
}

/** A JSON value, or a usage error naming the flag or argument. */
export function jsonArg(name: string): (value: string) => unknown {
  return (value) => {
    try {
      return JSON.parse(value);
    } catch (err) {
      throw new UsageError(`${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
}

/** A kind of row (`bars`, `fundamentals`, `news`, `options`), or a usage error naming the argument. */
export function rowKind(name: string): (value: string) => RowKind {
  return (value) => {
    if (!(ROW_KINDS as readonly string[]).includes(value)) {
      throw new UsageError(`${name} must be one of ${ROW_KINDS.join(", ")} (got "${value}")`);
    }
    return value as RowKind;
  };
}

/** A continuous aggregate (`bars_5m`, `bars_1h`, `bars_1d`), or a usage error naming the argument. */
export function aggregate(name: string): (value: string) => Aggregate {
  return (value) => {
    if (!isAggregate(value)) {
      throw new UsageError(`${name} must be bars_5m, bars_1h or bars_1d (got "${value}")`);
    }
    return value;
  };
}
