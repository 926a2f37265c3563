import {
  buildHealthProbe,
  buildIngestLag,
  buildOldestQueuedBackfill,
  buildSchemaVersion,
  buildSchemaVersionExists,
  buildStoreJobCounts,
  buildTenantScope,
  parseTenantId,
  PULSE_CHANNEL,
  type PulseEvent,
  type RowKind,
  type SchemaMode,
  type SqlQuery,
} from "@mds/sql";
import type { Backend, Queryable, Row, Transaction, TransactionOptions } from "./backend.ts";
import { HistoryApi } from "./history.ts";
import { ConfigError, PermissionDeniedError, TenantDeniedError } from "./errors.ts";
import {
  isTimescaleMode,
  migrate,
  type MigrateResult,
  type MigrationOptions,
  type MigrationStatus,
  migrationStatus,
  plan,
  type PlannedMigration,
  stamp,
  TIMESCALE_MODES,
  type TimescaleMode,
} from "./migrate.ts";
import { parseDsnTenant } from "./dsn.ts";
import { createPgliteBackend } from "./pglite_backend.ts";
import { createPostgresBackend } from "./postgres_backend.ts";
import type { RetryPolicy } from "./retry.ts";
import type { JobStat } from "./job_types.ts";
import { TenantApi } from "./tenant.ts";
import { TimescaleApi } from "./timescale.ts";
import { ApiKeysApi } from "./api_keys.ts";
import { isWriteMode, WRITE_MODES, type WriteMode } from "./write_mode.ts";
import { AUTO_COPY_MIN_ROWS, DEFAULT_BATCH_ROWS } from "./_write_options.ts";
import type { WriteResult } from "./write_types.ts";
import { type ResolvedRetryPolicy, resolveRetryPolicy, withRetry } from "./_retry.ts";
import { wholeNumber } from "./_whole_number.ts";
import { PulseUnits, readStashedPulse } from "./_pulse.ts";

/** Pool settings of a server connection. */
export interface PoolOptions {
  /** Most connections. @default {10} */
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
   * Keep the write path's fixed statements prepared on each connection; `false` behind a pooler
   * that cannot (PgBouncer in transaction mode before 1.21), as does `?prepare=false` in the URL.
   * @default {true}
   */
  prepare?: boolean | undefined;
}

/**
 * How to reach the store and how to behave. Give exactly one of `url`, `dataDir`, `memory` or
 * `backend`.
 */
export interface ClientOptions {
  /**
   * A PostgreSQL or TimescaleDB server, `postgres://user:password@host:port/db`. A tenant in its
   * `options` parameter, `?options=-c%20app.tenant_id%3D<uuid>` (other `-c` settings may follow),
   * becomes the default `tenant` and is not sent to the server; see {@linkcode parseDsnTenant}.
   */
  url?: string | undefined;
  /** An embedded store (PGlite) kept in this directory, created when missing. */
  dataDir?: string | undefined;
  /**
   * With `dataDir`: how long to wait, in milliseconds, while another process has the store open.
   * An embedded store serves one process at a time; a second opener fails at once with
   * `StoreLockedError` (`MDS_STORE_LOCKED`) unless it waits. @default {0}
   */
  lockWaitMs?: number | undefined;
  /**
   * With `dataDir`: no unit of work starts while the data directory's file system has less free
   * space than this, in bytes (`DiskSpaceError`, `MDS_DISK_FULL`); PGlite cannot recover from a
   * disk filling up inside a write. 0 turns the check off. @default {67108864} (64 MiB)
   */
  minFreeBytes?: number | undefined;
  /** An embedded store in memory, gone on close: for tests and examples. */
  memory?: boolean | undefined;
  /** A backend built by the caller; the client does not close it. */
  backend?: Backend | undefined;
  /** Server pool settings. */
  pool?: PoolOptions | undefined;
  /**
   * Role every unit of work switches to with `SET LOCAL ROLE`; `null` keeps the login role (when
   * it is itself restricted to the views). @default {"mds_app"}
   */
  appRole?: string | null | undefined;
  /**
   * Tenant used by `tenant()` without an argument; wins over a tenant in the `url`.
   * Environment: `MDS_TENANT_ID`. @default {the `url`'s `app.tenant_id`, else none}
   */
  tenant?: string | undefined;
  /**
   * How rows travel to the database; `executemany` and `values` (the Python system's names) mean
   * `insert`. Environment: `MDS_WRITE_MODE`. @default {"auto"}
   */
  writeMode?: WriteMode | undefined;
  /**
   * In `auto` mode on a server, writes of at least this many rows go through COPY, smaller ones
   * through the `unnest` upsert (PGlite never copies in `auto` mode). Environment:
   * `MDS_COPY_MIN_ROWS`. @default {25000}
   */
  copyMinRows?: number | undefined;
  /**
   * Rows per statement of an `insert` write, the default of the write calls' `batchRows`
   * (`WriteOptions`); the copy streams' batches keep their own default. Environment:
   * `MDS_VALUES_PAGE_SIZE`. @default {5000}
   */
  batchRows?: number | undefined;
  /**
   * Refuse row timestamps written without a zone (`2024-01-01T10:00:00`) instead of reading them
   * as UTC, as the original mds documented them. Environment: `MDS_STRICT_TIMESTAMPS`.
   * @default {false}
   */
  strictTimestamps?: boolean | undefined;
  /**
   * Risk-free rate (continuously compounded, per year) with which the implied volatility and
   * greeks a vendor left out of an option snapshot are computed on write. Environment:
   * `MDS_OPTIONS_RATE`. @default {0.04}
   */
  optionsRate?: number | undefined;
  /** Retries of retryable failures; every write is idempotent, so they are safe. @default {false} */
  retry?: RetryPolicy | false | undefined;
  /** Apply pending migrations on open. @default {true for embedded stores, false for servers} */
  migrate?: boolean | undefined;
  /** Whether migrations use TimescaleDB. @default {"auto"} */
  timescale?: TimescaleMode | undefined;
  /** Called after each committed write, for metrics. */
  onWrite?: ((kind: RowKind, result: WriteResult, seconds: number) => void) | undefined;
  /**
   * Publish the pulse: each unit of work that writes bars, quotes or option snapshots notifies
   * their events (`PulseEvent` of `@mds/sql`) on the channel `mds_pulse`, with one
   * `pg_notify` statement inside its transaction, so they are delivered only if it commits.
   * Environment: `PULSE_ENABLED`. @default {true}
   */
  pulse?: boolean | undefined;
  /**
   * Called in process with the events of each unit of work once it has committed (with `pulse`
   * on), e.g. to feed an in-memory event bus. What it throws is ignored: the write stands.
   */
  onPulse?: ((events: PulseEvent[]) => void) | undefined;
}

/** What {@linkcode MdsClient.health} reports. */
export interface Health {
  /** Round-trip time of `SELECT`, in milliseconds. */
  latencyMs: number;
  /** `SHOW server_version`. */
  serverVersion: string;
  /** The TimescaleDB extension's version, or `null` without it. */
  timescaleVersion: string | null;
  /** `postgres` or `pglite`. */
  backend: string;
}

/** What {@linkcode MdsClient.schemaVersion} reports. */
export interface SchemaVersion {
  /** Newest applied migration, 0 before any. */
  version: number;
  /** Whether the TimescaleDB steps ran, or `null` before any migration. */
  mode: SchemaMode | null;
  /** When the newest migration was applied. */
  appliedAt: Date | null;
}

/** The ingestion lag of one dataset and timeframe in {@linkcode StoreStats}. */
export interface IngestLag {
  /** `bars` or `options`. */
  dataset: string;
  /** Bar timeframe; empty for options. */
  timeframe: string;
  /**
   * Now minus the oldest cursor's newest time (the stalest series), in seconds; negative when
   * every cursor of the pair is in the future.
   */
  seconds: number;
}

/** What {@linkcode MdsClient.storeStats} reports, across every tenant. */
export interface StoreStats {
  /** Jobs by type and state, by type and then in lifecycle order; pairs without jobs left out. */
  jobs: JobStat[];
  /**
   * Age in seconds of the oldest queued backfill job (types `backfill` and `backfill:*`), by its
   * creation time; 0 when none is queued.
   */
  oldestQueuedBackfillSeconds: number;
  /** The ingestion lag of each dataset and timeframe with a cursor, by dataset and timeframe. */
  ingestLag: IngestLag[];
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function validate(options: ClientOptions): void {
  const given = (["url", "dataDir", "memory", "backend"] as const).filter((k) =>
    options[k] !== undefined && options[k] !== false
  );
  if (given.length !== 1) {
    throw new ConfigError(
      given.length === 0 ? "url" : given.join("/"),
      given.length === 0 ? undefined : given.map((k) => k),
      "give exactly one of url, dataDir, memory or backend",
    );
  }
  if (options.url !== undefined && !/^postgres(ql)?:\/\//.test(options.url)) {
    throw new ConfigError(
      "url",
      redact(options.url),
      "must start with postgres:// or postgresql://",
    );
  }
  if (options.url !== undefined) parseDsnTenant(options.url, "url");
  if (
    options.dataDir !== undefined && (typeof options.dataDir !== "string" || options.dataDir === "")
  ) {
    throw new ConfigError("dataDir", options.dataDir, "must be a directory path");
  }
  if (options.lockWaitMs !== undefined) {
    wholeNumber("lockWaitMs", options.lockWaitMs, 0, 86_400_000);
  }
  if (options.minFreeBytes !== undefined) {
    wholeNumber("minFreeBytes", options.minFreeBytes, 0, Number.MAX_SAFE_INTEGER, "bytes");
  }
  const pool = options.pool ?? {};
  const inPool = (
    name: Exclude<keyof PoolOptions, "applicationName" | "prepare">,
    min: number,
    max: number,
  ) => {
    if (pool[name] !== undefined) wholeNumber(`pool.${name}`, pool[name], min, max);
  };
  inPool("max", 1, 1000);
  inPool("idleTimeoutSeconds", 0, 86_400);
  inPool("connectTimeoutSeconds", 1, 3_600);
  inPool("statementTimeoutMs", 0, 86_400_000);
  if (pool.prepare !== undefined && typeof pool.prepare !== "boolean") {
    throw new ConfigError("pool.prepare", String(pool.prepare), "must be true or false");
  }
  if (
    options.appRole !== undefined && options.appRole !== null && !ROLE_NAME.test(options.appRole)
  ) {
    throw new ConfigError("appRole", options.appRole, "must be a lower-case role name or null");
  }
  if (options.writeMode !== undefined && !isWriteMode(options.writeMode)) {
    throw new ConfigError(
      "writeMode",
      options.writeMode,
      `must be one of ${WRITE_MODES.join(", ")}`,
    );
  }
  if (options.copyMinRows !== undefined) wholeNumber("copyMinRows", options.copyMinRows, 1);
  if (options.batchRows !== undefined) {
    wholeNumber("batchRows", options.batchRows, 1, 1_000_000);
  }
  if (
    options.optionsRate !== undefined &&
    !(Number.isFinite(options.optionsRate) && Math.abs(options.optionsRate) <= 1)
  ) {
    throw new ConfigError(
      "optionsRate",
      String(options.optionsRate),
      "must be a number from -1 to 1",
    );
  }
  if (options.timescale !== undefined && !isTimescaleMode(options.timescale)) {
    throw new ConfigError(
      "timescale",
      options.timescale,
      `must be one of ${TIMESCALE_MODES.join(", ")}`,
    );
  }
  if (options.tenant !== undefined) parseTenantId(options.tenant, "tenant");
  if (options.pulse !== undefined && typeof options.pulse !== "boolean") {
    throw new ConfigError("pulse", options.pulse, "must be true or false");
  }
  if (options.onPulse !== undefined && typeof options.onPulse !== "function") {
    throw new ConfigError("onPulse", options.onPulse, "must be a function");
  }
}

/**
 * Hides the password of every `scheme://user:password@` URL in a text (a connection URL, an
 * error message, a log line), for messages and logs. The one redaction of mds: the admin
 * server's log scrubbing uses it too.
 *
 * @param url A connection URL, or any text holding some.
 * @returns The text with each such password replaced by `***`.
 *
 * @example
 * ```ts
 * import { redact } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(redact("postgres://app:s3cret@db:5432/mds"), "postgres://app:***@db:5432/mds");
 * ```
 */
export function redact(url: string): string {
  return url.replace(URL_PASSWORD, "$1***@");
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi;

/**
 * The mds client: tenant-scoped reads and writes, migrations and health over one backend.
 * Create it with {@linkcode createClient}.
 */
export class MdsClient implements AsyncDisposable {
  /** The backend the client runs on. */
  readonly backend: Backend;
  /** TimescaleDB operations: aggregate refreshes, retention and columnstore policies. */
  readonly timescale: TimescaleApi;
  /** Point-in-time history: its range and pruning (`client.history.prune({ olderThan })`). */
  readonly history: HistoryApi;
  readonly #options: ClientOptions;
  readonly #owned: boolean;
  readonly #retry: ResolvedRetryPolicy;
  readonly #role: string | null;
  readonly #pulse: PulseUnits | undefined;
  #mode: Promise<SchemaMode> | undefined;
  #closed = false;
  #apiKeys: ApiKeysApi | undefined;

  /**
   * Wraps a backend; use {@linkcode createClient} instead.
   *
   * @param backend The backend.
   * @param options Validated options.
   * @param owned Whether {@linkcode MdsClient.close} closes the backend.
   */
  constructor(backend: Backend, options: ClientOptions, owned: boolean) {
    this.backend = backend;
    this.#options = options;
    this.#owned = owned;
    this.#retry = resolveRetryPolicy(options.retry);
    this.#role = options.appRole === undefined ? "mds_app" : options.appRole;
    this.#pulse = options.pulse === false ? undefined : new PulseUnits();
    this.timescale = new TimescaleApi(backend, async () => (await this.schemaVersion()).mode);
    this.history = new HistoryApi(backend);
  }

  /**
   * The API of one tenant; each call is its own unit of work.
   *
   * @param id Tenant UUID. @default {the client's `tenant` option}
   * @returns The tenant API.
   * @throws {ValidationError} When `id` is not a UUID.
   * @throws {TenantDeniedError} When no tenant is given and the client has no default.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001" });
   * assert.equal(client.tenant().tenant, "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
   * ```
   */
  tenant(id?: string): TenantApi {
    const tenant = this.#tenantId(id);
    return this.#api(
      tenant,
      (fn, options) => this.#unit(tenant, fn, options),
      (fn) => this.#read(tenant, fn),
    );
  }

  /**
   * Runs several operations of one tenant in one transaction: all commit or none does. With a
   * retry policy `fn` may run again after a retryable failure, so keep it free of other effects.
   *
   * @typeParam T Result of `fn`.
   * @param id Tenant UUID.
   * @param fn The work, given the tenant API bound to the transaction.
   * @returns What `fn` returns.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const n = await client.withTenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", async (t) => {
   *   await t.enqueueJob({ idempotency_key: "a", job_type: "refresh" });
   *   return (await t.enqueueJob({ idempotency_key: "a", job_type: "refresh" })).created;
   * });
   * assert.equal(n, false);
   * ```
   */
  async withTenant<T>(id: string, fn: (api: TenantApi) => Promise<T>): Promise<T> {
    const tenant = this.#tenantId(id);
    return await this.#unit(tenant, (tx) => fn(this.#api(tenant, (inner) => inner(tx))));
  }

  /**
   * The API keys of the market-data API: create, list and revoke a tenant's keys, verify a
   * presented one; see {@linkcode ApiKeysApi}.
   */
  get apiKeys(): ApiKeysApi {
    // A unit without a tenant sets app.tenant_id to "": the views show nothing, whatever the
    // connection carries, and only the key lookup functions answer.
    return this.#apiKeys ??= new ApiKeysApi({ run: (tenant, fn) => this.#unit(tenant ?? "", fn) });
  }

  /**
   * Reads back an event too large for a notification, which the channel announced by a
   * `PulseRef` (`{ ref }`): a listener has no tenant scope, so this reads it through the store's
   * function `mds.pulse_event(id)`, as the application role. Stashed events are kept for 10
   * minutes.
   *
   * @param ref The reference's `ref`.
   * @returns The event, or `null` when it is gone.
   * @throws {ValidationError} When the stored payload is not a valid event.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import { decodePulse, type PulseEvent } from "@mds/sql";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const heard: string[] = [];
   * const stop = await client.backend.listen("mds_pulse", (p) => heard.push(p));
   * // a chain of 200 contracts is too large for one notification: it is stashed
   * await client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").upsertOptions(
   *   Array.from({ length: 200 }, (_, i) => ({ ts: "2024-01-02T15:00:00Z", vendor: "opra",
   *     symbol: "SPY", expiry: "2024-01-19", option_type: "C", strike: 400 + i, bid: 1, ask: 1.1 })),
   * );
   * await stop();
   * const ref = decodePulse(heard[0]!);
   * assert.ok("ref" in ref);
   * const event = await client.readPulseEvent(ref.ref) as PulseEvent;
   * assert.equal(event.rows.length, 200);
   * ```
   */
  async readPulseEvent(ref: number): Promise<PulseEvent | null> {
    if (!Number.isSafeInteger(ref) || ref < 1) {
      throw new ConfigError("ref", ref, "must be a positive whole number");
    }
    return await this.#unit("", (tx) => readStashedPulse(tx, ref));
  }

  #tenantId(id: string | undefined): string {
    const given = id ?? this.#options.tenant;
    if (given === undefined) {
      throw new TenantDeniedError("No tenant given and the client has no default tenant");
    }
    return parseTenantId(given, "tenant");
  }

  #api(
    tenant: string,
    run: <T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions) => Promise<T>,
    read?: <T>(fn: (db: Queryable) => Promise<T>) => Promise<T>,
  ): TenantApi {
    return new TenantApi({
      tenant,
      read,
      backend: this.backend.kind,
      writeMode: this.#options.writeMode ?? "auto",
      strictTimestamps: this.#options.strictTimestamps ?? false,
      optionsRate: this.#options.optionsRate,
      copyMinRows: this.#options.copyMinRows ?? AUTO_COPY_MIN_ROWS,
      batchRows: this.#options.batchRows ?? DEFAULT_BATCH_ROWS,
      run,
      schemaMode: () => this.#schemaMode(),
      onWrite: this.#options.onWrite,
      pulse: this.#pulse ? (tx, kind, rows) => this.#pulse?.add(tx, kind, rows) : undefined,
    });
  }

  async #unit<T>(
    tenant: string,
    fn: (tx: Transaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    if (this.#closed) throw new ConfigError("client", "closed", "the client is closed");
    let events: PulseEvent[] = [];
    // On a server the pulse goes out with COMMIT, without waiting for its answer in between
    // (one round trip fewer). Should it fail, the transaction is aborted, the server answers
    // COMMIT by rolling back, and the pulse's error is the one reported.
    const pipelined = this.backend.kind === "postgres";
    const result = await withRetry(this.#retry, async () => {
      let published: Promise<PulseEvent[]> | undefined;
      const out = await this.backend.transaction(async (tx) => {
        events = [];
        const scope = buildTenantScope(tenant, this.#role);
        // On a server the scope goes out with fn's first statement, without waiting for its
        // answer (one round trip fewer). Statements of a transaction run in order, so fn's run
        // after it; should it fail, the transaction is aborted, fn's statements fail too, and
        // the scope's error is the one reported. PGlite runs one statement at a time anyway.
        const scoped = tx.query(scope.text, scope.params, { prepare: true });
        scoped.catch(() => {});
        if (this.backend.kind !== "postgres") await scoped.catch((err) => this.#scopeError(err));
        try {
          const pulse = this.#pulse;
          if (pulse === undefined) {
            const out = await fn(tx);
            await scoped;
            return out;
          }
          pulse.open(tx);
          try {
            const out = await fn(tx);
            await scoped;
            // the unit's events, in one statement just before COMMIT: delivered only on commit.
            // Not sent where no one can hear them (PGlite without a listener of its own: 20-30
            // ms of each 20,000-bar batch's ~650). Asked inside the transaction, which PGlite
            // runs alone, so no listener can start between the answer and the commit.
            // Events are built for the notification or for onPulse; for neither, not at all.
            const notify = this.backend.listening?.(PULSE_CHANNEL) !== false;
            published = notify || this.#options.onPulse !== undefined
              ? pulse.publish(tx, tenant, notify)
              : Promise.resolve([]);
            if (pipelined) published.catch(() => {});
            else events = await published;
            return out;
          } finally {
            pulse.drop(tx);
          }
        } catch (err) {
          await scoped.catch((e) => this.#scopeError(e));
          throw err;
        }
      }, options);
      if (pipelined && published !== undefined) events = await published;
      return out;
    });
    if (events.length > 0 && this.#options.onPulse) {
      try {
        this.#options.onPulse(events);
      } catch {
        // committed already: a failing in-process subscriber cannot undo the write
      }
    }
    return result;
  }

  /**
   * Runs the reads of `fn` for `tenant`, each statement a read-only unit of work of its own that
   * starts with the tenant scope: one message and one round trip where the backend has
   * `readUnit` (a server), a unit of work around all of `fn` where it has not.
   */
  #read<T>(tenant: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    const backend = this.backend;
    if (backend.readUnit === undefined) return this.#unit(tenant, fn, { readOnly: true });
    const readUnit = backend.readUnit.bind(backend);
    const scope = buildTenantScope(tenant, this.#role);
    return fn({
      query: async <R = Row>(text: string, params: readonly unknown[] = []): Promise<R[]> => {
        if (this.#closed) throw new ConfigError("client", "closed", "the client is closed");
        try {
          return await withRetry(this.#retry, () => readUnit<R>([scope, { text, params }]));
        } catch (err) {
          // The scope and the read fail alike when the role may not be switched to; the scope
          // alone says which it was (and names the grant it needs).
          if (err instanceof PermissionDeniedError && this.#role !== null) {
            await this.#unit(tenant, () => Promise.resolve(), { readOnly: true });
          }
          throw err;
        }
      },
    });
  }

  /** The error of a failed tenant scope, a missing role named with the grant it needs. */
  #scopeError(err: unknown): never {
    if (err instanceof PermissionDeniedError) {
      throw new PermissionDeniedError(
        `Cannot switch to role "${this.#role}": grant it to the login role (GRANT ${this.#role} TO <login role>)`,
        { sqlState: err.sqlState, cause: err },
      );
    }
    throw err;
  }

  #schemaMode(): Promise<SchemaMode> {
    this.#mode ??= this.schemaVersion().then((v) => v.mode ?? "plain").catch((err) => {
      this.#mode = undefined;
      throw err;
    });
    return this.#mode;
  }

  /**
   * One round trip to the database, with its version and TimescaleDB's.
   *
   * @returns Latency and versions.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const h = await client.health();
   * assert.equal(h.timescaleVersion, null);
   * assert.equal(h.backend, "pglite");
   * ```
   */
  async health(): Promise<Health> {
    const started = performance.now();
    const probe = buildHealthProbe();
    const [row] = await this.backend.query<{ server_version: string; timescale: string | null }>(
      probe.text,
      probe.params,
    );
    return {
      latencyMs: performance.now() - started,
      serverVersion: row?.server_version ?? "",
      timescaleVersion: row?.timescale ?? null,
      backend: this.backend.kind,
    };
  }

  /**
   * The newest applied migration and the schema mode.
   *
   * @returns Version, mode and time; version 0 before any migration.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * const v = await client.schemaVersion();
   * assert.equal(v.mode, "plain");
   * assert.equal(v.version >= 5, true);
   * ```
   */
  async schemaVersion(): Promise<SchemaVersion> {
    const exists = buildSchemaVersionExists();
    const [present] = await this.backend.query<{ ok: boolean }>(exists.text, exists.params);
    if (!present?.ok) return { version: 0, mode: null, appliedAt: null };
    const ledger = buildSchemaVersion();
    const [row] = await this.backend.query<
      { version: number | null; timescale: boolean | null; applied_at: Date | null }
    >(ledger.text, ledger.params);
    return {
      version: row?.version ?? 0,
      mode: row?.timescale === null || row?.timescale === undefined
        ? null
        : row.timescale
        ? "timescale"
        : "plain",
      appliedAt: row?.applied_at ?? null,
    };
  }

  /**
   * Store-wide figures across every tenant, for monitoring: jobs by type and state, the age of
   * the oldest queued backfill and the ingestion lag of each dataset and timeframe. They read the
   * private schema on the client's own connection, outside any tenant's unit of work, so the
   * login role must be able to read it (the store's owner, as for the admin server); a role
   * limited to the tenant views fails with {@linkcode PermissionDeniedError}.
   *
   * @returns The three figures, read concurrently.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * await client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001").enqueueJob({
   *   idempotency_key: "a", job_type: "refresh" });
   * const stats = await client.storeStats();
   * assert.deepEqual(stats.jobs, [{ job_type: "refresh", state: "queued", jobs: 1 }]);
   * assert.equal(stats.oldestQueuedBackfillSeconds, 0);
   * assert.deepEqual(stats.ingestLag, []);
   * ```
   */
  async storeStats(): Promise<StoreStats> {
    const run = <T>(q: SqlQuery) => this.backend.query<T>(q.text, q.params);
    const [jobs, [oldest], ingestLag] = await Promise.all([
      run<JobStat>(buildStoreJobCounts()),
      run<{ seconds: number }>(buildOldestQueuedBackfill()),
      run<IngestLag>(buildIngestLag()),
    ]);
    return { jobs, oldestQueuedBackfillSeconds: oldest?.seconds ?? 0, ingestLag };
  }

  /**
   * Applies pending migrations; see {@linkcode migrate}.
   *
   * @param options Files, lock wait and mode.
   * @returns What was applied.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * assert.deepEqual((await client.migrate()).applied, []);
   * ```
   */
  async migrate(options: MigrationOptions = {}): Promise<MigrateResult> {
    const result = await migrate(this.backend, { timescale: this.#options.timescale, ...options });
    this.#mode = undefined;
    return result;
  }

  /**
   * Lists migrations with their state; see {@linkcode migrationStatus}.
   *
   * @param options Files and mode.
   * @returns Mode, version and entries.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true });
   * assert.equal((await client.migrationStatus()).entries.every((e) => e.state === "applied"), true);
   * ```
   */
  migrationStatus(options: MigrationOptions = {}): Promise<MigrationStatus> {
    return migrationStatus(this.backend, { timescale: this.#options.timescale, ...options });
  }

  /**
   * Lists the statements {@linkcode MdsClient.migrate} would run, running nothing; see
   * {@linkcode plan}.
   *
   * @param options Files and mode.
   * @returns The mode and one entry per pending file.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true, migrate: false });
   * const p = await client.migrationPlan();
   * assert.equal(p.mode, "plain");
   * assert.equal(p.steps[0]?.name.startsWith("0001_"), true);
   * assert.equal((await client.schemaVersion()).version, 0);
   * ```
   */
  migrationPlan(
    options: MigrationOptions = {},
  ): Promise<{ mode: MigrationStatus["mode"]; steps: PlannedMigration[] }> {
    return plan(this.backend, { timescale: this.#options.timescale, ...options });
  }

  /**
   * Marks pending migrations applied without running them, for a schema created another way;
   * see {@linkcode stamp}.
   *
   * @param options Files and mode; `through` stops after that version.
   * @returns The names of the files stamped.
   * @throws {MigrationDriftError} When an applied file changed.
   *
   * @example
   * ```ts
   * import { createClient } from "@mds/client";
   * import assert from "node:assert/strict";
   *
   * await using client = await createClient({ memory: true, migrate: false });
   * assert.equal((await client.stamp({ through: 1 })).length, 1);
   * const states = (await client.migrationStatus()).entries.map((e) => e.state);
   * assert.deepEqual(states.slice(0, 2), ["applied", "pending"]);
   * ```
   */
  async stamp(
    options: MigrationOptions & { through?: number | undefined } = {},
  ): Promise<string[]> {
    const stamped = await stamp(this.backend, { timescale: this.#options.timescale, ...options });
    this.#mode = undefined;
    return stamped;
  }

  /** Closes the connections (unless the backend was passed in); later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.backend.close();
  }

  /** Same as {@linkcode MdsClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Opens a client. Options are validated before any connection is made; embedded stores are
 * migrated on open unless `migrate: false`.
 *
 * @param options Where the store is and how to behave.
 * @returns The client; close it with `close()` or `await using`.
 * @throws {ConfigError} Naming the first invalid option.
 * @throws {StoreLockedError} With `dataDir`, while another process has the store open.
 *
 * @example
 * ```ts
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * assert.equal((await client.schemaVersion()).mode, "plain");
 * await assert.rejects(createClient({ url: "mysql://x" }), /Invalid option "url"/);
 * ```
 */
export async function createClient(options: ClientOptions): Promise<MdsClient> {
  validate(options);
  if (options.url !== undefined) {
    // the URL's tenant is the default one; the server never sees it
    const dsn = parseDsnTenant(options.url, "url");
    const tenant = options.tenant ?? dsn.tenant;
    options = { ...options, url: dsn.url, ...(tenant !== undefined ? { tenant } : {}) };
  }
  let backend: Backend;
  let owned = true;
  if (options.backend) {
    backend = options.backend;
    owned = false;
  } else if (options.url !== undefined) {
    const pool = options.pool ?? {};
    backend = createPostgresBackend({
      url: options.url,
      max: pool.max,
      idleTimeoutSeconds: pool.idleTimeoutSeconds,
      connectTimeoutSeconds: pool.connectTimeoutSeconds,
      statementTimeoutMs: pool.statementTimeoutMs,
      applicationName: pool.applicationName,
      prepare: pool.prepare,
    });
  } else {
    backend = await createPgliteBackend({
      dataDir: options.memory ? undefined : options.dataDir,
      lockWaitMs: options.lockWaitMs,
      minFreeBytes: options.minFreeBytes,
    });
  }
  const client = new MdsClient(backend, options, owned);
  const embedded = options.url === undefined && options.backend === undefined;
  if (options.migrate ?? embedded) {
    try {
      await client.migrate();
    } catch (err) {
      await client.close();
      throw err;
    }
  }
  return client;
}
