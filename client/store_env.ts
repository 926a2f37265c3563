// Where the store is, read from environment variables: the one reading the CLI and the admin
// server share. Runtime-neutral: the caller passes the variables.
import { parseTenantId } from "@mds/sql";
import { type ClientOptions, redact } from "./client.ts";
import { parseDsnTenant } from "./dsn.ts";
import { ConfigError } from "./errors.ts";
import { isWriteMode, WRITE_MODES } from "./write_mode.ts";

/**
 * The part of {@linkcode ClientOptions} the environment sets: a server `url`, or an embedded
 * `dataDir`, with the embedded store's lock wait and free-space floor, whether writes publish the
 * pulse, the default tenant and how writes travel.
 */
export type StoreOptions = Pick<
  ClientOptions,
  | "url"
  | "dataDir"
  | "lockWaitMs"
  | "minFreeBytes"
  | "pulse"
  | "tenant"
  | "writeMode"
  | "copyMinRows"
  | "batchRows"
  | "strictTimestamps"
  | "optionsRate"
>;

/** Longest `MDS_LOCK_WAIT`, the longest `lockWaitMs` a client accepts: 24 hours. */
const MAX_LOCK_WAIT_MS = 86_400_000;
/** Largest `MDS_MIN_FREE_MB`: 1 TiB. */
const MAX_MIN_FREE_MB = 1_048_576;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const nonEmpty = (v: string | undefined) => v === undefined || v.trim() === "" ? undefined : v;

/**
 * Reads where the store is from environment variables; empty values count as unset.
 *
 * | variable | option | default |
 * | --- | --- | --- |
 * | `MDS_DATABASE_URL` (alias `MDS_DSN`) | `url` | none: the embedded store |
 * | `MDS_DATA_DIR` | `dataDir`, without a URL | `./.mds` |
 * | `MDS_LOCK_WAIT`: seconds, or `30s`, `5m`, `1h` | `lockWaitMs` | unset (the client's 0) |
 * | `MDS_MIN_FREE_MB`: MiB, 0 turns the check off | `minFreeBytes` | unset (the client's 64 MiB) |
 * | `PULSE_ENABLED`: `true` or `false` (also `1`, `0`) | `pulse` | unset (the client's `true`) |
 * | `MDS_TENANT_ID`: a UUID | `tenant` | the URL's `options=-c app.tenant_id=<uuid>`, else unset |
 * | `MDS_WRITE_MODE`: `auto`, `insert`, `copy`, `executemany` or `values` | `writeMode` | unset (`auto`) |
 * | `MDS_COPY_MIN_ROWS`: whole number, 1 or more | `copyMinRows` | unset (25000) |
 * | `MDS_VALUES_PAGE_SIZE`: whole number, 1 to 1000000 | `batchRows` | unset (5000) |
 * | `MDS_VALUES_MIN_ROWS`: whole number, 0 or more | none: checked, no effect | |
 * | `MDS_STRICT_TIMESTAMPS`: `true` or `false` (also `1`, `0`) | `strictTimestamps` | unset (`false`) |
 * | `MDS_OPTIONS_RATE`: a number from -1 to 1 | `optionsRate` | unset (0.04) |
 *
 * The last three and the write modes `executemany` and `values` are the Python system's
 * spellings. Its `auto` chose `executemany` below `values_min_rows` rows and `values` from there;
 * both are the one `unnest` upsert (`insert`) in mds, so `MDS_VALUES_MIN_ROWS` has nothing to
 * choose between and is only validated; `values_page_size`, rows per `VALUES` statement, becomes
 * `batchRows`, rows per `unnest` statement.
 *
 * The result holds `url` or `dataDir`, never both; `lockWaitMs`, `minFreeBytes` and `pulse` only
 * when their variable is set (with a URL too, where the client ignores the first two); the URL as
 * given (the client takes its tenant out before connecting), and `tenant` when `MDS_TENANT_ID` is
 * set or the URL carries one, `MDS_TENANT_ID` winning.
 *
 * @param env The variables, e.g. `Deno.env.toObject()` or `process.env`.
 * @returns The store options, ready to spread into {@linkcode ClientOptions}.
 * @throws {ConfigError} Naming the first invalid variable, a URL's password hidden: a URL that is
 * not `postgres://` or `postgresql://`, `MDS_DSN` set to another URL than `MDS_DATABASE_URL`, a
 * malformed or longer than 24 h `MDS_LOCK_WAIT`, or an `MDS_MIN_FREE_MB` that is not a whole
 * number from 0 to 1048576, a `PULSE_ENABLED` other than `true`, `false`, `1` or `0`, an
 * `MDS_TENANT_ID` or URL tenant that is not a UUID, an unknown `MDS_WRITE_MODE`, or a threshold
 * or page size that is not a whole number in its range.
 *
 * @example
 * ```ts
 * import { ConfigError, storeOptionsFromEnv } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(storeOptionsFromEnv({}), { dataDir: "./.mds" });
 * assert.deepEqual(
 *   storeOptionsFromEnv({ MDS_DATA_DIR: "/var/lib/mds", MDS_LOCK_WAIT: "5m", MDS_MIN_FREE_MB: "0" }),
 *   { dataDir: "/var/lib/mds", lockWaitMs: 300_000, minFreeBytes: 0 },
 * );
 * assert.deepEqual(storeOptionsFromEnv({ MDS_DSN: "postgres://app@db/mds", PULSE_ENABLED: "false" }), {
 *   url: "postgres://app@db/mds",
 *   pulse: false,
 * });
 * assert.throws(
 *   () => storeOptionsFromEnv({ MDS_DATABASE_URL: "postgres://a@db/x", MDS_DSN: "postgres://b@db/x" }),
 *   (err) => err instanceof ConfigError && err.option === "MDS_DSN",
 * );
 * const dsn = "postgresql://app@db/mds?options=-c%20app.tenant_id%3D6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
 * assert.deepEqual(
 *   storeOptionsFromEnv({ MDS_DSN: dsn, MDS_WRITE_MODE: "values", MDS_COPY_MIN_ROWS: "5000" }),
 *   { url: dsn, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", writeMode: "values", copyMinRows: 5000 },
 * );
 * ```
 */
export function storeOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): StoreOptions {
  const primary = nonEmpty(env.MDS_DATABASE_URL);
  const alias = nonEmpty(env.MDS_DSN);
  if (primary !== undefined && alias !== undefined && primary !== alias) {
    throw new ConfigError(
      "MDS_DSN",
      redact(alias),
      "differs from MDS_DATABASE_URL: set only one of them",
    );
  }
  const url = primary ?? alias;
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(
      primary !== undefined ? "MDS_DATABASE_URL" : "MDS_DSN",
      redact(url),
      "must start with postgres:// or postgresql://",
    );
  }
  const dsnTenant = url === undefined
    ? undefined
    : parseDsnTenant(url, primary !== undefined ? "MDS_DATABASE_URL" : "MDS_DSN").tenant;
  const lockWaitMs = lockWait(nonEmpty(env.MDS_LOCK_WAIT));
  const minFreeBytes = minFree(nonEmpty(env.MDS_MIN_FREE_MB));
  const pulse = flag("PULSE_ENABLED", nonEmpty(env.PULSE_ENABLED));
  const strictTimestamps = flag("MDS_STRICT_TIMESTAMPS", nonEmpty(env.MDS_STRICT_TIMESTAMPS));
  const optionsRate = rate("MDS_OPTIONS_RATE", nonEmpty(env.MDS_OPTIONS_RATE));
  const tenant = tenantId(nonEmpty(env.MDS_TENANT_ID)) ?? dsnTenant;
  const writeMode = nonEmpty(env.MDS_WRITE_MODE)?.trim().toLowerCase();
  if (writeMode !== undefined && !isWriteMode(writeMode)) {
    throw new ConfigError("MDS_WRITE_MODE", writeMode, `must be one of ${WRITE_MODES.join(", ")}`);
  }
  const copyMinRows = rowCount("MDS_COPY_MIN_ROWS", nonEmpty(env.MDS_COPY_MIN_ROWS), 1);
  const batchRows = rowCount("MDS_VALUES_PAGE_SIZE", nonEmpty(env.MDS_VALUES_PAGE_SIZE), 1, 1e6);
  // no separate `values` path in mds: checked so a typo is caught, then unused
  rowCount("MDS_VALUES_MIN_ROWS", nonEmpty(env.MDS_VALUES_MIN_ROWS), 0);
  return {
    ...(url !== undefined ? { url } : { dataDir: nonEmpty(env.MDS_DATA_DIR) ?? "./.mds" }),
    ...(lockWaitMs !== undefined ? { lockWaitMs } : {}),
    ...(minFreeBytes !== undefined ? { minFreeBytes } : {}),
    ...(pulse !== undefined ? { pulse } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
    ...(writeMode !== undefined ? { writeMode } : {}),
    ...(copyMinRows !== undefined ? { copyMinRows } : {}),
    ...(batchRows !== undefined ? { batchRows } : {}),
    ...(strictTimestamps !== undefined ? { strictTimestamps } : {}),
    ...(optionsRate !== undefined ? { optionsRate } : {}),
  };
}

function tenantId(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return parseTenantId(text.trim(), "tenant");
  } catch {
    throw new ConfigError("MDS_TENANT_ID", text, "must be a tenant UUID");
  }
}

function rowCount(
  name: string,
  text: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `${min} or more`;
    throw new ConfigError(name, text, `must be a whole number of rows, ${range}`);
  }
  return n;
}

function rate(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (!Number.isFinite(n) || Math.abs(n) > 1) {
    throw new ConfigError(name, text, "must be a number from -1 to 1, such as 0.04");
  }
  return n;
}

function flag(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const v = text.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ConfigError(name, text, "must be true or false");
}

function lockWait(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] || "s"]!) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_LOCK_WAIT_MS) {
    throw new ConfigError(
      "MDS_LOCK_WAIT",
      text,
      "must be a duration of at most 24 hours such as 0, 30, 30s, 5m or 1h",
    );
  }
  return ms;
}

function minFree(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const mib = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(mib) || mib > MAX_MIN_FREE_MB) {
    throw new ConfigError(
      "MDS_MIN_FREE_MB",
      text,
      `must be a whole number of MiB from 0 to ${MAX_MIN_FREE_MB}`,
    );
  }
  return mib * 2 ** 20;
}
