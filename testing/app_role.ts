// Runs statements the way the client does: in a transaction, as the application role, with the
// tenant set transaction-locally. Tests use it to probe the schema without the client.
import type { Backend, Queryable } from "@mds/client";

/** Runs `fn` as role mds_app with app.tenant_id set to `tenant` (or unset when null). */
export async function asApp<T>(
  db: Backend,
  tenant: string | null,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return await db.transaction(async (tx) => {
    if (tenant !== null) await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    await tx.query("SET LOCAL ROLE mds_app");
    return await fn(tx);
  });
}
