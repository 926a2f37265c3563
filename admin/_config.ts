// The server's settings, read from environment variables and validated before any work starts.
import {
  ConfigError,
  isTimescaleMode,
  redact,
  storeOptionsFromEnv,
  TIMESCALE_MODES,
  type TimescaleMode,
} from "@mds/client";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "./logger.ts";

/** The settings of `admin/main.ts`. */
export interface ServerConfig {
  /** Port to listen on (`PORT`). @default {8082} */
  port: number;
  /** Address to listen on (`HOST`). @default {"0.0.0.0"} */
  hostname: string;
  /**
   * Server store (`MDS_DATABASE_URL`, aliases `MDS_DSN` and the original's `DATABASE_URL`); unset
   * for the embedded store.
   */
  databaseUrl: string | undefined;
  /** Directory of the embedded store (`MDS_DATA_DIR`). @default {"./.mds"} */
  dataDir: string;
  /**
   * Embedded store: how long to wait at startup while another process has it open, in
   * milliseconds (`MDS_LOCK_WAIT`: seconds, or `30s`, `5m`, `1h`). @default {0}
   */
  lockWaitMs: number;
  /**
   * Embedded store: the free-space floor of its disk, in bytes (`MDS_MIN_FREE_MB`, in MiB; 0 turns
   * the check off); absent when unset, for the client's default. @default {67108864} (64 MiB)
   */
  minFreeBytes?: number;
  /**
   * Whether writes made through the server publish the pulse (`PULSE_ENABLED`); absent when
   * unset, for the client's default. @default {true}
   */
  pulse?: boolean;
  /** Admin token (`ADMIN_TOKEN`); empty or unset disables the mutating endpoints. */
  adminToken: string | undefined;
  /** Whether migrations use TimescaleDB (`MDS_TIMESCALE`). @default {"auto"} */
  timescale: TimescaleMode;
  /** Lowest level logged (`MDS_LOG_LEVEL`). @default {"info"} */
  logLevel: LogLevel;
  /** Version reported (`MDS_VERSION`). @default {the version of @mds/admin} */
  version: string;
  /**
   * The schema registry's base URL (`REGISTRY_URL`, http or https); unset turns the drift check
   * off.
   */
  registryUrl: string | undefined;
  /** The track compared (`REGISTRY_TRACK`). @default {"v1"} */
  registryTrack: string;
  /** Time between drift checks, in seconds, 10 to 86400 (`REGISTRY_POLL_SECONDS`). @default {300} */
  registryPollSeconds: number;
}

const nonEmpty = (v: string | undefined) => v === undefined || v.trim() === "" ? undefined : v;

/**
 * `DATABASE_URL`, the original control plane's variable, as `MDS_DATABASE_URL` when neither
 * `MDS_DATABASE_URL` nor `MDS_DSN` is set; set next to them to another URL, it is refused.
 */
function withDatabaseUrl(
  env: Readonly<Record<string, string | undefined>>,
): Readonly<Record<string, string | undefined>> {
  const legacy = nonEmpty(env.DATABASE_URL);
  if (legacy === undefined) return env;
  if (!/^postgres(?:ql)?:\/\//.test(legacy)) {
    throw new ConfigError(
      "DATABASE_URL",
      "(not shown)",
      "must start with postgres:// or postgresql://",
    );
  }
  const ours = nonEmpty(env.MDS_DATABASE_URL) ?? nonEmpty(env.MDS_DSN);
  if (ours === undefined) return { ...env, MDS_DATABASE_URL: legacy };
  if (ours !== legacy) {
    throw new ConfigError(
      "DATABASE_URL",
      "(not shown)",
      "differs from MDS_DATABASE_URL (or MDS_DSN): set only one of them",
    );
  }
  return env;
}

/**
 * Reads the settings from environment variables.
 *
 * @param env The variables, e.g. `Deno.env.toObject()`.
 * @param defaultVersion The version when `MDS_VERSION` is unset.
 * @returns The settings.
 * @throws {ConfigError} Naming the first invalid variable; never quoting a secret.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  defaultVersion: string,
): ServerConfig {
  const portText = nonEmpty(env.PORT) ?? "8082";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError("PORT", portText, "must be a port number from 0 to 65535");
  }
  const store = storeOptionsFromEnv(withDatabaseUrl(env));
  const timescale = nonEmpty(env.MDS_TIMESCALE) ?? "auto";
  if (!isTimescaleMode(timescale)) {
    throw new ConfigError("MDS_TIMESCALE", timescale, `must be one of ${TIMESCALE_MODES}`);
  }
  const logLevel = nonEmpty(env.MDS_LOG_LEVEL) ?? "info";
  if (!isLogLevel(logLevel)) {
    throw new ConfigError("MDS_LOG_LEVEL", logLevel, `must be one of ${LOG_LEVELS}`);
  }
  return {
    port,
    hostname: nonEmpty(env.HOST) ?? "0.0.0.0",
    databaseUrl: store.url,
    // without a URL the store's own directory; with one, unused
    dataDir: store.dataDir ?? nonEmpty(env.MDS_DATA_DIR) ?? "./.mds",
    lockWaitMs: store.lockWaitMs ?? 0,
    ...(store.minFreeBytes !== undefined ? { minFreeBytes: store.minFreeBytes } : {}),
    ...(store.pulse !== undefined ? { pulse: store.pulse } : {}),
    adminToken: nonEmpty(env.ADMIN_TOKEN),
    timescale: timescale as TimescaleMode,
    logLevel: logLevel as LogLevel,
    version: nonEmpty(env.MDS_VERSION) ?? defaultVersion,
    ...registrySettings(env),
  };
}

/** The schema-registry settings: `REGISTRY_URL`, `REGISTRY_TRACK`, `REGISTRY_POLL_SECONDS`. */
function registrySettings(
  env: Readonly<Record<string, string | undefined>>,
): Pick<ServerConfig, "registryUrl" | "registryTrack" | "registryPollSeconds"> {
  const url = nonEmpty(env.REGISTRY_URL)?.trim();
  if (url !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(url).protocol;
    } catch {
      // refused below
    }
    if (protocol !== "http:" && protocol !== "https:") {
      throw new ConfigError("REGISTRY_URL", redact(url), "must be an http:// or https:// URL");
    }
  }
  const track = nonEmpty(env.REGISTRY_TRACK)?.trim() ?? "v1";
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(track)) {
    throw new ConfigError("REGISTRY_TRACK", track, "must be 1-100 of A-Z a-z 0-9 . _ -");
  }
  const pollText = nonEmpty(env.REGISTRY_POLL_SECONDS)?.trim() ?? "300";
  const poll = Number(pollText);
  if (!/^\d+$/.test(pollText) || poll < 10 || poll > 86_400) {
    throw new ConfigError(
      "REGISTRY_POLL_SECONDS",
      pollText,
      "must be a whole number of seconds from 10 to 86400",
    );
  }
  return { registryUrl: url, registryTrack: track, registryPollSeconds: poll };
}

/**
 * The password of a connection URL, so loggers can hide it wherever it appears.
 *
 * @param url A connection URL, or undefined.
 * @returns The password (percent-decoded too), or an empty list.
 */
export function passwordsOf(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const raw = new URL(url).password;
    if (raw === "") return [];
    const decoded = decodeURIComponent(raw);
    return decoded === raw ? [raw] : [raw, decoded];
  } catch {
    return [];
  }
}

/**
 * Where the store is, for logs: the URL without its password, or the embedded directory.
 *
 * @param config The settings.
 * @returns A loggable description.
 */
export function describeStore(config: ServerConfig): string {
  return config.databaseUrl !== undefined
    ? redact(config.databaseUrl)
    : `embedded:${config.dataDir}`;
}
