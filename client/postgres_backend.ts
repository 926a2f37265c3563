import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import type {
  Backend,
  ListenOptions,
  Queryable,
  QueryOptions,
  Row,
  Transaction,
  TransactionOptions,
} from "./backend.ts";
import { inlineParams, type SqlQuery } from "@mds/sql";
import { checkParams } from "./_params.ts";
import { decodeRows, type RawColumn } from "./_raw_rows.ts";
import { guardListener } from "./_listen.ts";
import { mapDatabaseError, MdsError } from "./errors.ts";
import { parseDsnTenant } from "./dsn.ts";

/** Connection settings of a server backend. */
export interface PostgresBackendOptions {
  /**
   * `postgres://user:password@host:port/database?...`; a tenant in its `options`
   * (`-c app.tenant_id=<uuid>`) is left out of the connection: tenants are set per transaction.
   */
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
  /**
   * Keep the client's fixed statements prepared on each connection (see
   * {@linkcode QueryOptions.prepare}). `false` behind a pooler that does not carry prepared
   * statements across its server connections (PgBouncer in transaction mode before 1.21, or
   * without `max_prepared_statements`); `?prepare=false` in the URL does the same.
   * @default {true}
   */
  prepare?: boolean | undefined;
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

/** One statement's rows of a raw simple query: each value its bytes, and the columns. */
type RawResult = (Uint8Array | null)[][] & { columns?: RawColumn[] | null };

/** What postgres.js passes to the (internal) `onexecute` query option: its connection object. */
interface DriverConnection {
  readonly id: number;
  terminate(): void;
}

async function run<T>(
  sql: Sql | postgres.ReservedSql,
  text: string,
  params: readonly unknown[],
  options: Record<string, unknown> = {},
): Promise<T[]> {
  checkParams(text, params);
  try {
    // postgres.js resolves to an Array subclass carrying count and columns; callers get a plain
    // array so both backends return the same shape.
    return Array.from(
      await (sql.unsafe(
        text,
        params as postgres.ParameterOrJSON<never>[],
        options as postgres.UnsafeQueryOptions,
      ) as unknown as Promise<T[]>),
    );
  } catch (err) {
    throw mapDatabaseError(err, { text, params });
  }
}

/** Driver codes meaning the connection is gone. */
const LOST = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "ENOTCONN",
]);

function isLost(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === "string" && LOST.has(code);
}

/** The driver-shaped error for a statement refused because its connection closed. */
function closedError(): Error {
  return Object.assign(
    new Error("the statement was not sent"),
    { code: "CONNECTION_CLOSED" },
  );
}

/**
 * Counts the closes of each postgres.js connection (ids are unique in the process; one
 * connection object reconnects under the same id) and tells the leases holding one.
 */
class CloseWatch {
  readonly #counts = new Map<number, number>();
  readonly #listeners = new Map<number, Set<() => void>>();
  /** The pool's `onclose` option. */
  readonly closed = (id: number): void => {
    this.#counts.set(id, this.count(id) + 1);
    const listeners = this.#listeners.get(id);
    this.#listeners.delete(id);
    for (const fn of listeners ?? []) fn();
  };
  count(id: number): number {
    return this.#counts.get(id) ?? 0;
  }
  listen(id: number, fn: () => void): () => void {
    const set = this.#listeners.get(id) ?? new Set();
    this.#listeners.set(id, set);
    set.add(fn);
    return () => set.delete(fn);
  }
}

/**
 * One reserved connection, for a transaction or a session. postgres.js 3.4.9 writes a statement
 * given to a connection whose socket has closed from a `setImmediate` callback into `null` (an
 * uncatchable TypeError), and `sql.begin` itself sends such a statement: its ROLLBACK after the
 * connection dropped. It also puts a closed connection back into its idle queue when a
 * reservation of it is released, so the next statement of anyone crashes the same way. So mds
 * runs transactions on `sql.reserve()` itself, and a lease:
 *
 * - learns its connection from the first statement (the driver's `onexecute` option, which
 *   `sql.begin` uses the same way) and is told by the pool's `onclose` when it closes;
 * - once the connection is lost (closed, or a statement failed with a connection error) sends
 *   nothing more: every further statement is refused with a {@linkcode RetryableError}, and a
 *   statement waiting in the driver's queue is failed instead of waiting forever;
 * - on the end hands a healthy connection back, and never a lost one: a closed connection
 *   already belongs to the pool again, one that failed but has not closed yet is terminated.
 *
 * Not covered: a connection that closes while a COPY streams. The driver's close handler clears
 * the socket and then destroys the COPY stream, whose destroy writes CopyFail to the cleared
 * socket; the TypeError rejects the handler (an unhandled rejection), and the pool is never told
 * of the close, so it loses that connection for good. Nor a `sql.reserve()` whose own connection
 * attempt fails (ECONNREFUSED, ECONNRESET): postgres.js rejects it but leaves the request queued,
 * and the next connection that opens is handed to that settled request and never comes back.
 * Only a fix in postgres.js can avoid either.
 */
/** A promise and its reject function. */
function deferred<T>(): { promise: Promise<T>; reject: (reason: unknown) => void } {
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((_resolve, rej) => (reject = rej));
  return { promise, reject };
}

class Lease {
  readonly #sql: postgres.ReservedSql;
  readonly #watch: CloseWatch;
  #conn: DriverConnection | undefined;
  #closesBefore = 0;
  #unlisten: (() => void) | undefined;
  #lost: unknown = undefined;
  readonly #lostSignal = deferred<never>(); // not Promise.withResolvers: Node 20 lacks it
  readonly #onexecute = (c: DriverConnection): boolean => {
    if (this.#conn === undefined) {
      this.#conn = c;
      this.#closesBefore = this.#watch.count(c.id);
      this.#unlisten = this.#watch.listen(c.id, () => this.#lose(closedError()));
    }
    return true; // as without the option: the connection may take the next statement
  };

  constructor(sql: postgres.ReservedSql, watch: CloseWatch) {
    this.#sql = sql;
    this.#watch = watch;
    this.#lostSignal.promise.catch(() => {});
  }

  /** True once the connection closed or failed. */
  get lost(): boolean {
    return this.#lost !== undefined || this.#closed();
  }

  #closed(): boolean {
    return this.#conn !== undefined && this.#watch.count(this.#conn.id) !== this.#closesBefore;
  }

  #lose(err: unknown): void {
    if (this.#lost !== undefined) return;
    this.#lost = err;
    this.#lostSignal.reject(err);
  }

  /** Refuses to send anything on a lost connection. */
  #check(text: string, params: readonly unknown[]): void {
    if (this.lost) throw mapDatabaseError(closedError(), { text, params });
  }

  async query<T>(text: string, params: readonly unknown[], options?: QueryOptions): Promise<T[]> {
    this.#check(text, params);
    try {
      return await Promise.race([
        run<T>(this.#sql, text, params, {
          onexecute: this.#onexecute,
          prepare: options?.prepare === true,
        }),
        this.#lostSignal.promise.catch((err) => {
          throw mapDatabaseError(err, { text, params });
        }),
      ]);
    } catch (err) {
      if (isLost(err)) this.#lose(err);
      throw err;
    }
  }

  async copyIn(target: string, source: AsyncIterable<string>): Promise<void> {
    const text = `COPY ${target} FROM STDIN`;
    this.#check(text, []);
    try {
      const writable = await this.#sql.unsafe(text, [], {
        onexecute: this.#onexecute,
      } as postgres.UnsafeQueryOptions).writable();
      await pipeline(Readable.from(source, { objectMode: false }), writable);
    } catch (err) {
      const mapped = mapDatabaseError(err, { text, params: [] });
      if (isLost(mapped)) this.#lose(mapped);
      throw mapped;
    }
  }

  /** Marks the connection unusable, so it is closed instead of handed back. */
  discard(err: unknown): void {
    this.#lose(err);
  }

  /** Ends the lease: a healthy connection goes back to the pool, a lost one never does. */
  release(): void {
    this.#unlisten?.();
    if (!this.lost) this.#sql.release();
    // Failed but not closed yet (the socket errored, its close is pending): ours still, so
    // close it; the pool reconnects it when it is needed.
    else if (!this.#closed()) this.#conn?.terminate();
  }
}
/**
 * Opens a pool to a PostgreSQL (or TimescaleDB) server with postgres.js. No connection is made
 * until the first statement.
 *
 * @param options Connection settings.
 * @returns The backend.
 * @throws {ConfigError} When the URL's `options=-c app.tenant_id=` is not a UUID.
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
  const watch = new CloseWatch();
  // never a session-level tenant on a pooled connection
  const sql = postgres(parseDsnTenant(options.url, "url").url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    connection,
    types: TYPES,
    onnotice: () => {},
    onclose: watch.closed,
    // given only when set: otherwise the URL's ?prepare=false holds (postgres.js reads it)
    ...(options.prepare === undefined ? {} : { prepare: options.prepare }),
  }) as unknown as Sql;

  let closed = false;
  const checkOpen = () => {
    if (closed) throw new MdsError("MDS_CLOSED", "The database connection pool is closed");
  };
  const lease = async () => {
    checkOpen();
    try {
      return new Lease(await sql.reserve(), watch);
    } catch (err) {
      throw mapDatabaseError(err);
    }
  };
  const end = async () => {
    closed = true;
    await sql.end({ timeout: 5 });
  };
  return {
    kind: "postgres",
    query: <T = Row>(text: string, params: readonly unknown[] = [], options?: QueryOptions) =>
      run<T>(sql, text, params, { prepare: options?.prepare === true }),
    async transaction<T>(
      fn: (t: Transaction) => Promise<T>,
      options: TransactionOptions = {},
    ): Promise<T> {
      const l = await lease();
      let handedOff = false;
      try {
        // BEGIN goes out with fn's first statements, without waiting for its answer: one round
        // trip fewer. Statements on one connection run in order, so nothing of fn runs outside
        // the transaction; should BEGIN fail, its error is the one reported.
        const begin = l.query(options.readOnly ? "BEGIN READ ONLY" : "BEGIN", []);
        begin.catch(() => {});
        let result: T;
        try {
          result = await fn({
            query: <R = Row>(text: string, params: readonly unknown[] = [], o?: QueryOptions) =>
              l.query<R>(text, params, o),
            copyIn: (target, source) => l.copyIn(target, source),
          });
          await begin;
        } catch (err) {
          const first = await begin.then(() => err, (e) => e);
          // On a lost connection nothing is sent: the server rolls back by itself. A connection
          // whose ROLLBACK fails is not handed back.
          if (!l.lost) await l.query("ROLLBACK", []).catch((e) => l.discard(e));
          throw first;
        }
        if (options.readOnly) {
          // Nothing was written: answer now; the connection goes back once COMMIT is through.
          handedOff = true;
          l.query("COMMIT", []).then(() => l.release(), (e) => {
            l.discard(e);
            l.release();
          });
          return result;
        }
        await l.query("COMMIT", []);
        return result;
      } catch (err) {
        throw mapDatabaseError(err);
      } finally {
        if (!handedOff) l.release();
      }
    },
    async readUnit<T = Row>(statements: readonly SqlQuery[]): Promise<T[]> {
      checkOpen();
      const read = statements.at(-1);
      if (read === undefined) throw new MdsError("MDS_VALIDATION", "readUnit needs a statement");
      // One simple-protocol message: its statements run as one implicit transaction, so the
      // scope's transaction-local settings hold for the read and end with it on this pooled
      // connection; a failure rolls it all back and leaves no transaction open. Each semicolon
      // on a line of its own: a statement ending in a line comment cannot swallow it.
      const text = ["SET TRANSACTION READ ONLY", ...statements.map(inlineParams)].join("\n;\n");
      let last: RawResult;
      try {
        // raw: each value as its bytes, decoded below with less work than postgres.js's own
        const results = await (sql.unsafe(text).simple().raw() as unknown as Promise<RawResult[]>);
        last = results.at(-1)!;
      } catch (err) {
        throw mapDatabaseError(err, read);
      }
      return decodeRows<T>(last, last.columns ?? []);
    },
    async session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
      const l = await lease();
      try {
        return await fn({
          query: <R = Row>(text: string, params: readonly unknown[] = [], o?: QueryOptions) =>
            l.query<R>(text, params, o),
        });
      } finally {
        l.release();
      }
    },
    async listen(
      channel: string,
      onPayload: (payload: string) => void,
      options: ListenOptions = {},
    ): Promise<() => Promise<void>> {
      checkOpen();
      let meta: postgres.ListenMeta;
      try {
        // postgres.js opens one connection for all its listeners and, when it closes, reconnects
        // and listens again by itself (calling onListen each time).
        meta = await sql.listen(channel, guardListener(onPayload, options), options.onListen);
      } catch (err) {
        throw mapDatabaseError(err, { text: `LISTEN ${channel}`, params: [] });
      }
      let done = false;
      return async () => {
        if (done || closed) return;
        done = true;
        try {
          await meta.unlisten();
        } catch (err) {
          if (!closed) throw mapDatabaseError(err, { text: `UNLISTEN ${channel}`, params: [] });
        }
      };
    },
    close: end,
    [Symbol.asyncDispose]: end,
  };
}
