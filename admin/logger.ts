import { redact } from "@mds/client";
/** The levels of a log record, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/**
 * Whether `value` is one of {@linkcode LOG_LEVELS}.
 *
 * @param value Anything.
 * @returns True for a log level.
 *
 * @example
 * ```ts
 * import { isLogLevel } from "@mds/admin";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([isLogLevel("warn"), isLogLevel("loud")], [true, false]);
 * ```
 */
export function isLogLevel(value: unknown): value is LogLevel {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}

/** Fields of a log record besides its time, level and message. */
export type LogFields = Record<string, unknown>;

/** Where the admin server writes its log records. */
export interface Logger {
  /**
   * Writes one record.
   *
   * @param level How severe.
   * @param msg What happened, sentence case.
   * @param fields Extra fields, for example `method`, `route`, `status`, `duration_ms`.
   */
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

/** Options of {@linkcode jsonLogger}. */
export interface JsonLoggerOptions {
  /** Receives each line, without its newline. @default {console.log (stdout)} */
  write?: ((line: string) => void) | undefined;
  /** Records below this level are dropped. @default {"info"} */
  level?: LogLevel | undefined;
  /**
   * Strings that must never appear in a log line, such as the admin token or a database
   * password; each occurrence is replaced by `***`. Empty strings are ignored.
   */
  secrets?: readonly (string | undefined)[] | undefined;
}

/**
 * Replaces each secret and the password of any `scheme://user:password@` URL in a text.
 *
 * @param text Any text.
 * @param secrets Strings to hide; empty ones are ignored.
 * @returns The text with `***` in their place.
 *
 * @example
 * ```ts
 * import { scrubSecrets } from "@mds/admin";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   scrubSecrets("postgres://app:s3cret@db/mds with tok-123", ["tok-123"]),
 *   "postgres://app:***@db/mds with ***",
 * );
 * ```
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = redact(text);
  for (const secret of secrets) {
    if (secret) out = out.replaceAll(secret, "***");
  }
  return out;
}

/**
 * A logger writing one JSON object per line: `time` (ISO 8601), `level`, `msg`, then the
 * fields. String values are scrubbed of the given secrets and of URL passwords before they are
 * serialised.
 *
 * @param options Where to write, the lowest level, and the secrets to hide.
 * @returns The logger.
 *
 * @example
 * ```ts
 * import { jsonLogger } from "@mds/admin";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const logger = jsonLogger({ write: (l) => lines.push(l), secrets: ["tok-123"] });
 * logger.log("info", "request", { route: "/health", status: 200, auth: "Bearer tok-123" });
 * logger.log("debug", "dropped");
 * const record = JSON.parse(lines[0]!);
 * assert.equal(lines.length, 1);
 * assert.deepEqual([record.level, record.msg, record.status, record.auth], ["info", "request", 200, "Bearer ***"]);
 * ```
 */
export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => console.log(line));
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  if (min < 0) throw new TypeError(`Invalid log level ${JSON.stringify(options.level)}`);
  const secrets = (options.secrets ?? []).filter((s): s is string => !!s);
  const replacer = (_key: string, value: unknown) =>
    typeof value === "string" ? scrubSecrets(value, secrets) : value;
  return {
    log(level, msg, fields = {}) {
      if (LOG_LEVELS.indexOf(level) < min) return;
      const record = { time: new Date().toISOString(), level, msg, ...fields };
      write(JSON.stringify(record, replacer));
    },
  };
}
