import type { MdsClient } from "@mds/client";

/**
 * The parts of an `MdsClient` (from `@mds/client`) the admin app uses: pass the client from
 * `createClient()`. Derived from `MdsClient`, so it cannot drift from it.
 */
export type AdminClient = Pick<
  MdsClient,
  | "backend"
  | "health"
  | "schemaVersion"
  | "storeStats"
  | "migrate"
  | "migrationStatus"
  | "tenant"
  | "timescale"
>;
