// What command modules registered outside program.ts need from it, and the argument parsers
// they share.
import type { Command } from "commander";
import { type GlobalSettings, UsageError } from "./config.ts";
import type { Io } from "./output.ts";

/** An action given the settings, its command and its arguments. */
export type ClientAction = (s: GlobalSettings, cmd: Command, ...args: unknown[]) => Promise<void>;

/** The program's services for a command module. */
export interface CommandDeps {
  /** Standard output and error. */
  io: Io;
  /** Wraps an action so it receives the global settings. */
  withClient: (fn: ClientAction) => (...args: unknown[]) => Promise<void>;
  /** Sets the exit code. */
  setExit: (code: number) => void;
}

/** A whole number from `min` to `max`, or a usage error naming the flag. */
export function wholeNumber(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
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
