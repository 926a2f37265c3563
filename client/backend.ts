import type { SqlQuery } from "@mds/sql";

/** A row as the backends return it: timestamptz as `Date`, int8 as `number`, date as text. */
export type Row = Record<string, unknown>;

/** How to run one statement. */
export interface QueryOptions {
  /**
   * The statement's text is one of a few fixed ones, run often (the write path's upserts, tenant
   * scope and pulse): a server backend keeps it prepared on each connection, so after the first
   * run it is neither parsed nor described again (one exchange fewer). Leave it off for texts
   * built from data: each distinct text stays prepared for the connection's life. Ignored by
   * PGlite, and by a server backend told not to prepare (PgBouncer in transaction mode).
   * @default {false}
   */
  readonly prepare?: boolean | undefined;
}

/** Something that runs parameterised statements. */
export interface Queryable {
  /**
   * Runs one statement with `$n` parameters and returns its rows. `undefined` as a parameter is
   * an error, not a NULL.
   */
  query<T = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
}

/** A connection inside a transaction. */
export interface Transaction extends Queryable {
  /**
   * Streams COPY text-format data into `target` (`table (col, ...)`), respecting backpressure.
   */
  copyIn(target: string, source: AsyncIterable<string>): Promise<void>;
}

/** The kinds of backend. */
export const BACKEND_KINDS = ["postgres", "pglite"] as const;
/** One of {@linkcode BACKEND_KINDS}. */
export type BackendKind = typeof BACKEND_KINDS[number];

/** How {@linkcode Backend.transaction} runs a unit of work. */
export interface TransactionOptions {
  /**
   * The unit only reads: `BEGIN READ ONLY`, and the result is handed back as soon as `fn`
   * resolves while COMMIT completes on the connection before anyone else may use it (nothing was
   * written, so there is nothing for the caller to wait for). @default {false}
   */
  readonly readOnly?: boolean | undefined;
}

/**
 * The small interface every storage backend implements: a PostgreSQL server through
 * postgres.js, or PGlite in process. Errors are mapped to mds errors by SQLSTATE.
 */
export interface Backend extends Queryable, AsyncDisposable {
  /** Which implementation this is. */
  readonly kind: BackendKind;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. A server
   * backend may pipeline BEGIN with `fn`'s first statements (sent without waiting for each
   * other's answers); a failure of BEGIN then wins over what followed it. The client may leave
   * the answer of `fn`'s last statement (the pulse) to be awaited after this resolves, relying on
   * what PostgreSQL does: a transaction whose statement failed stays failed, and its COMMIT rolls
   * back. A backend must not recover such a statement (with a savepoint, say) on its own.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs `statements` in order as one unit of work that only reads and returns the last one's
   * rows: a read that needs no answer before it is sent, such as the tenant scope and then a
   * query. Optional; where it is missing the client runs such reads through
   * {@linkcode Backend.transaction}.
   *
   * The server backend sends the unit as one message of the simple query protocol: one round
   * trip, the statements in one implicit transaction that is read-only, rolled back by the first
   * failure and committed after the last statement, so transaction-local settings end with it.
   * The message carries no parameters: each is written into its statement as a literal
   * (`inlineParams` of `@mds/sql`) and every statement is planned anew.
   */
  readUnit?<T = Row>(statements: readonly SqlQuery[]): Promise<T[]>;
  /**
   * Runs `fn` on one dedicated connection outside any transaction, for session-level work such
   * as advisory locks and statements TimescaleDB refuses inside a transaction.
   */
  session<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * Listens to a NOTIFY channel: `onPayload` is called with each notification's payload, in the
   * order the server sends them, until the returned function is called (or the backend closes).
   * Notifications of a transaction arrive only once it commits.
   *
   * On postgres.js the listener holds one dedicated connection, outside the pool's `max` and
   * shared by every listener of the backend; when it drops, postgres.js reconnects (with backoff)
   * and listens again by itself, calling `onListen` each time. Notifications sent while it is
   * down are lost: delivery is at most once. On PGlite it listens in process.
   *
   * @param channel The channel, e.g. `mds_pulse`.
   * @param onPayload Called with each payload; what it throws goes to `options.onError`.
   * @param options Callbacks for each (re)established LISTEN and for errors of `onPayload`.
   * @returns A function that stops listening.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
  /**
   * Whether a notification on `channel` can reach anyone, where the backend can tell: PGlite,
   * whose one session belongs to this process, answers whether one of its own listeners (see
   * {@linkcode Backend.listen}) is on the channel. Absent on a server, where other sessions may
   * listen. The client skips the pulse's `pg_notify` statement where this returns `false`.
   *
   * @param channel The channel, e.g. `mds_pulse`.
   * @returns `true` while a listener of this backend is on `channel`.
   */
  listening?(channel: string): boolean;
  /** Closes every connection; waits for running statements. */
  close(): Promise<void>;
}

/** Options of {@linkcode Backend.listen}. */
export interface ListenOptions {
  /** Called each time the LISTEN is in place: once at first, again after each reconnect. */
  onListen?: (() => void) | undefined;
  /** Called with what `onPayload` threw; the driver never sees it. @default {ignore it} */
  onError?: ((error: unknown) => void) | undefined;
}
