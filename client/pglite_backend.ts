// PGlite is imported when an embedded store opens, not with the module: a program that only
// talks to a server runs without @electric-sql/pglite installed (e.g. on Node, bundled).
import type { PGlite, Transaction as PgliteTx } from "@electric-sql/pglite";
import type { Backend, ListenOptions, Queryable, Row, Transaction } from "./backend.ts";
import { checkParams } from "./_params.ts";
import { guardListener } from "./_listen.ts";
import { statfsSync } from "node:fs";
import { DiskSpaceError, mapDatabaseError, MdsError } from "./errors.ts";
import { acquireStoreLock, type StoreLock } from "./store_lock.ts";

/** Where an embedded store keeps its data. */
export interface PgliteBackendOptions {
  /**
   * A directory for the data files, created when missing; omit for an in-memory store (tests
   * only: a large in-memory store holds every row in process memory).
   */
  dataDir?: string | undefined;
  /**
   * How long to wait for another process to release the data directory, in milliseconds. One
   * process at a time may open it: a second opener fails at once with `StoreLockedError`
   * (`MDS_STORE_LOCKED`) unless it waits. @default {0}
   */
  lockWaitMs?: number | undefined;
  /**
   * With `dataDir`: refuse to start a transaction while the data directory's file system has less
   * free space than this, in bytes, with `DiskSpaceError` (`MDS_DISK_FULL`). PGlite cannot recover
   * from a disk that fills inside a write (measured: the process spins at 100% CPU and ignores
   * SIGTERM), so mds stops before; 0 turns the check off. @default {67108864} (64 MiB)
   */
  minFreeBytes?: number | undefined;
}

/** The default free-space floor of an embedded store: 64 MiB. */
export const DEFAULT_MIN_FREE_BYTES: number = 64 * 2 ** 20;

function checkFreeSpace(dir: string, minFree: number): void {
  let free: number;
  try {
    const st = statfsSync(dir);
    free = Number(st.bavail) * Number(st.bsize);
  } catch {
    return; // no statfs here: nothing to check with
  }
  if (free < minFree) throw new DiskSpaceError(dir, free, minFree);
}

/** Imports PGlite, or fails with `MDS_CONFIG` saying to install it. */
async function loadPglite(): Promise<typeof PGlite> {
  try {
    return (await import("@electric-sql/pglite")).PGlite;
  } catch (err) {
    throw new MdsError(
      "MDS_CONFIG",
      "The embedded store needs the package @electric-sql/pglite: install it, or give a server url",
      { cause: err },
    );
  }
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
 * `@electric-sql/pglite` is loaded here, on first use, so a program that only connects to a
 * server does not need it.
 *
 * @param options Where the data lives.
 * @returns The backend, once the database is open.
 * @throws {StoreLockedError} Another process has the data directory open.
 * @throws {MdsError} With code `MDS_CONFIG` when `@electric-sql/pglite` cannot be loaded.
 * @throws {DiskSpaceError} From `transaction` and `session`, while the data directory's file
 *   system has less free space than `minFreeBytes`.
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
  let lock: StoreLock | undefined;
  if (options.dataDir !== undefined) {
    lock = await acquireStoreLock(options.dataDir, { waitMs: options.lockWaitMs ?? 0 });
  }
  try {
    db = await (await loadPglite()).create(options.dataDir ?? "memory://");
  } catch (err) {
    await lock?.release();
    throw mapDatabaseError(err);
  }
  const dataDir = options.dataDir;
  const minFree = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const guard = dataDir === undefined || minFree === 0
    ? () => {}
    : () => checkFreeSpace(dataDir, minFree);
  let closed: Promise<void> | undefined;
  // the lock is dropped only once the directory is written back and closed
  const close = () => (closed ??= db.close().finally(() => lock?.release()));
  // listeners per channel: nothing outside this process can hear this store's notifications
  const listeners = new Map<string, number>();
  const count = (channel: string, by: number) => {
    const name = channelName(channel);
    listeners.set(name, (listeners.get(name) ?? 0) + by);
  };
  return {
    kind: "pglite",
    query: <T = Row>(text: string, params: readonly unknown[] = []) => run<T>(db, text, params),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      guard();
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
    session: async <T>(fn: (conn: Queryable) => Promise<T>): Promise<T> => {
      guard();
      return await fn({
        query: <R = Row>(text: string, params: readonly unknown[] = []) => run<R>(db, text, params),
      });
    },
    async listen(
      channel: string,
      onPayload: (payload: string) => void,
      options: ListenOptions = {},
    ): Promise<() => Promise<void>> {
      let unlisten: () => Promise<void>;
      try {
        unlisten = await db.listen(channel, guardListener(onPayload, options));
      } catch (err) {
        throw mapDatabaseError(err, { text: `LISTEN ${channel}`, params: [] });
      }
      count(channel, 1);
      options.onListen?.();
      let done = false;
      return async () => {
        if (done || closed !== undefined) return;
        done = true;
        count(channel, -1);
        await unlisten();
      };
    },
    listening: (channel: string): boolean => (listeners.get(channelName(channel)) ?? 0) > 0,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A channel as PostgreSQL names it: unquoted folds to lower case, as PGlite's `listen` does. */
function channelName(channel: string): string {
  return channel.length > 1 && channel.startsWith('"') && channel.endsWith('"')
    ? channel.slice(1, -1)
    : channel.toLowerCase();
}
