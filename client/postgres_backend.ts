import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import type { Backend, Queryable, Row, Transaction } from "./backend.ts";
import { checkParams } from "./_params.ts";
import { mapDatabaseError, MdsError, RetryableError } from "./errors.ts";

/** Connection settings of a server backend. */
export interface PostgresBackendOptions {
  /** `postgres://user:password@host:port/database?...` */
  url: string;
  /** Most connections in the pool. @default {10} */
  max?: number | undefined;
  /** Close connections idle this long, in seconds; 0 keeps them. @default {30} */
  idleTimeoutSeconds?: number | undefined;
  /** Give up connecting after this many seconds. @default {10} */
  connectTimeoutSeconds?: number | undefined;
  /** Cancel statements running longer, in milliseconds; 0 for no limit. @default {0} */
  statementTimeoutMs?: number | undefined;
  /** Shown in `pg_stat_activity`. @default {"mds"} */
  applicationName?: string | undefined;
}

// int8 as number (mds keeps counts below 2^53), date as its text, so both backends agree.
const TYPES = {
  int8: {
    to: 20,
    from: [20],
    serialize: (x: unknown) => String(x),
    parse: (x: string) => Number(x),
  },
  date: {
    to: 1082,
    from: [1082],
    serialize: (x: unknown) => String(x),
    parse: (x: string) => x,
  },
};

type Sql = postgres.Sql<Record<string, never>>;

async function run<T>(
  sql: Sql | postgres.TransactionSql | postgres.ReservedSql,
  text: string,
  params: readonly unknown[],
): Promise<T[]> {
  checkParams(text, params);
  try {
    // postgres.js resolves to an Array subclass carrying count and columns; callers get a plain
    // array so both backends return the same shape.
    return Array.from(
      await (sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<
        T[]
      >),
    );
  } catch (err) {
    throw mapDatabaseError(err, { text, params });
  }
}

/** Driver codes meaning the connection under a transaction is gone. */
const LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
]);

/**
 * Tracks one transaction. postgres.js rejects `begin()` as soon as the connection drops while the
 * caller's function may still run; a statement it then sends is written to a dead socket (an
 * uncatchable crash) or, after the pool reconnects, into another transaction. So once the
 * transaction has failed every further statement is refused, and `transaction()` returns only
 * after the caller's function has settled.
 */
class TxGuard {
  failed: unknown = undefined;
  check(): void {
    if (this.failed !== undefined) {
      throw new RetryableError(
        "The transaction's connection was lost; the statement was not sent",
        {
          cause: this.failed,
        },
      );
    }
  }
  observe(err: unknown): void {
    const code = (err as { cause?: { code?: unknown } })?.cause?.code;
    if (typeof code === "string" && LOST.has(code)) this.failed ??= err;
  }
}

/**
 * Opens a pool to a PostgreSQL (or TimescaleDB) server with postgres.js. No connection is made
 * until the first statement.
 *
 * @param options Connection settings.
 * @returns The backend.
 *
 * @example
 * ```ts ignore
 * import { createPostgresBackend } from "@mds/client";
 *
 * await using db = createPostgresBackend({ url: "postgres://postgres@127.0.0.1:5432/mds" });
 * console.log(await db.query("SELECT 1 AS one"));
 * ```
 */
export function createPostgresBackend(options: PostgresBackendOptions): Backend {
  const connection: Record<string, string> = { application_name: options.applicationName ?? "mds" };
  if (options.statementTimeoutMs) connection.statement_timeout = String(options.statementTimeoutMs);
  const sql = postgres(options.url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    connection,
    types: TYPES,
    onnotice: () => {},
  }) as unknown as Sql;

  const tx = (t: postgres.TransactionSql, guard: TxGuard): Transaction => ({
    async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      guard.check();
      try {
        return await run<T>(t, text, params);
      } catch (err) {
        guard.observe(err);
        throw err;
      }
    },
    async copyIn(target: string, source: AsyncIterable<string>): Promise<void> {
      guard.check();
      const text = `COPY ${target} FROM STDIN`;
      try {
        const writable = await t.unsafe(text).writable();
        await pipeline(Readable.from(source, { objectMode: false }), writable);
      } catch (err) {
        const mapped = mapDatabaseError(err, { text, params: [] });
        guard.observe(mapped);
        throw mapped;
      }
    },
  });

  let closed = false;
  const checkOpen = () => {
    if (closed) throw new MdsError("MDS_CLOSED", "The database connection pool is closed");
  };
  const end = async () => {
    closed = true;
    await sql.end({ timeout: 5 });
  };
  return {
    kind: "postgres",
    query: <T = Row>(text: string, params: readonly unknown[] = []) => run<T>(sql, text, params),
    async transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T> {
      checkOpen();
      const guard = new TxGuard();
      let work: Promise<T> | undefined;
      try {
        return await sql.begin((t) => (work = fn(tx(t, guard)))) as T;
      } catch (err) {
        guard.failed ??= err;
        await work?.catch(() => {}); // let the caller's function settle before reporting
        throw mapDatabaseError(err);
      }
    },
    async session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
      let reserved: postgres.ReservedSql;
      try {
        reserved = await sql.reserve();
      } catch (err) {
        throw mapDatabaseError(err);
      }
      try {
        return await fn({
          query: <R = Row>(text: string, params: readonly unknown[] = []) =>
            run<R>(reserved, text, params),
        });
      } finally {
        reserved.release();
      }
    },
    close: end,
    [Symbol.asyncDispose]: end,
  };
}
