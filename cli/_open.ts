// The settings every command shares, and opening the client they describe.
import {
  type ClientOptions,
  createClient,
  type MdsClient,
  type RetryPolicy,
  type StoreOptions,
  type WriteMode,
} from "@mds/client";
import { UsageError } from "./exit.ts";

/** The connection settings common to every command, after flags and environment. */
export interface GlobalSettings {
  /** Where the store is: a server URL, or an embedded directory with its lock wait and floor. */
  store: StoreOptions;
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
  /** Refuse row timestamps without a zone (`--strict-timestamps`). */
  strictTimestamps: boolean;
}

/** Opens a client from the settings: the server when a URL is set, else the embedded store. */
export async function openClient(
  s: GlobalSettings,
  extra: Partial<ClientOptions> = {},
): Promise<MdsClient> {
  return await createClient({
    ...s.store,
    appRole: s.appRole,
    writeMode: s.writeMode,
    retry: s.retry,
    strictTimestamps: s.strictTimestamps,
    ...(s.tenant ? { tenant: s.tenant } : {}),
    ...extra,
  });
}

/** The tenant of a tenant-scoped command, or a usage error naming the flag and variable. */
export function requireTenant(s: GlobalSettings): string {
  if (!s.tenant) throw new UsageError("No tenant: pass --tenant or set MDS_TENANT_ID");
  return s.tenant;
}
