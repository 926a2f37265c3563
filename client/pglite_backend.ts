import { PGlite, type Transaction as PgliteTx } from "@electric-sql/pglite";
import type { Backend, Queryable, Row, Transaction } from "./backend.ts";
import { checkParams } from "./_params.ts";
import { mapDatabaseError } from "./errors.ts";

/** Where an embedded store keeps its data. */
export interface PgliteBackendOptions {
  /**
   * A directory for the data files, created when missing; omit for an in-memory store (tests
   * only: a large in-memory store holds every row in process memory).
   */
  dataDir?: string | undefined;
}

const PARSERS = {
  20: (x: string) => Number(x),
  1082: (x: string) => x,
};

type Runner = Pick<PGlite, "query"> | PgliteTx;

async function run<T>(db: Runner, text: string, params: readonly unknown[]): Promise<T[]> {
  checkParams(text, params);
  try {
    const result = await db.query<T>(text, params as unknown[], { parsers: PARSERS });
    return result.rows;
  } catch (err) {
    throw mapDatabaseError(err, { text, params });
  }
}

/**
 * Opens an embedded PostgreSQL (PGlite) in this process: nothing to install, one connection.
 *
 * @param options Where the data lives.
 * @returns The backend, once the database is open.
 *
 * @example
 * ```ts
 * import { createPgliteBackend } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * assert.deepEqual(await db.query("SELECT 1 + 1 AS two"), [{ two: 2 }]);
 * ```
 */
export async function createPgliteBackend(options: PgliteBackendOptions = {}): Promise<Backend> {
  let db: PGlite;
  try {
    db = await PGlite.create(options.dataDir ?? "memory://");
  } catch (err) {
    throw mapDatabaseError(err);
  }
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= db.close());
  return {
    kind: "pglite",
    query: <T = Row>(text: string, params: readonly unknown[] = []) => run<T>(db, text, params),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      try {
        return await db.transaction((t) =>
          fn({
            query: <R = Row>(text: string, params: readonly unknown[] = []) =>
              run<R>(t, text, params),
            async copyIn(target: string, source: AsyncIterable<string>): Promise<void> {
              const parts: string[] = [];
              for await (const chunk of source) parts.push(chunk);
              const text = `COPY ${target} FROM '/dev/blob'`;
              // PGlite reads COPY data through a file, which the application role may not do:
              // drop the role for this statement only (transaction-locally) and restore it.
              const [saved] = await run<{ role: string }>(
                t,
                "SELECT current_setting('role') AS role",
                [],
              );
              await run(t, "SELECT set_config('role', 'none', true)", []);
              try {
                await t.query(text, [], { blob: new Blob(parts) });
              } catch (err) {
                throw mapDatabaseError(err, { text, params: [] });
              } finally {
                await run(t, "SELECT set_config('role', $1, true)", [saved?.role ?? "none"]);
              }
            },
          })
        );
      } catch (err) {
        throw mapDatabaseError(err);
      }
    },
    session: <T>(fn: (conn: Queryable) => Promise<T>): Promise<T> =>
      fn({
        query: <R = Row>(text: string, params: readonly unknown[] = []) => run<R>(db, text, params),
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
