import {
  type ClientOptions,
  createClient,
  type MdsClient,
  type RetryPolicy,
  type WriteMode,
} from "@mds/client";

/** The exit codes of `mds`. */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3, interrupted: 130 } as const;

/** A usage mistake: exit code 2. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, naming the flag or variable.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The connection settings common to every command, after flags and environment. */
export interface GlobalSettings {
  /** Server URL, or undefined for the embedded store. */
  databaseUrl: string | undefined;
  /** Embedded store directory. */
  dataDir: string;
  /** Tenant for tenant-scoped commands. */
  tenant: string | undefined;
  /** Write mode. */
  writeMode: WriteMode;
  /** Role for units of work, or null. */
  appRole: string | null;
  /** JSON output. */
  json: boolean;
  /** Retries of retryable failures (lost connection, server restarting, deadlock), or false. */
  retry: RetryPolicy | false;
  /** Embedded store: how long to wait while another process has it open, in milliseconds. */
  lockWaitMs: number;
  /** Embedded store: the free-space floor, in bytes. */
  minFreeBytes: number;
}

/** Opens a client from the settings: the server when a URL is set, else the embedded store. */
export async function openClient(
  s: GlobalSettings,
  extra: Partial<ClientOptions> = {},
): Promise<MdsClient> {
  const base: ClientOptions = s.databaseUrl
    ? { url: s.databaseUrl, migrate: false }
    : { dataDir: s.dataDir, lockWaitMs: s.lockWaitMs, minFreeBytes: s.minFreeBytes };
  return await createClient({
    ...base,
    appRole: s.appRole,
    writeMode: s.writeMode,
    retry: s.retry,
    ...(s.tenant ? { tenant: s.tenant } : {}),
    ...extra,
  });
}

/** The tenant of a tenant-scoped command, or a usage error naming the flag and variable. */
export function requireTenant(s: GlobalSettings): string {
  if (!s.tenant) throw new UsageError("No tenant: pass --tenant or set MDS_TENANT_ID");
  return s.tenant;
}
