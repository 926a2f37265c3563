import {
  MdsError,
  type Migration,
  MIGRATION_FILES,
  type MigrationFile,
  parseMigration,
  type SchemaMode,
} from "@mds/sql";
import type { Backend, Queryable } from "./backend.ts";
import { ConfigError, TimeoutError } from "./errors.ts";
import { wholeNumber } from "./_whole_number.ts";

/** How the runner decides whether to apply the TimescaleDB steps. */
export const TIMESCALE_MODES = ["auto", "require", "off"] as const;
/**
 * `auto` uses TimescaleDB when the extension can be created, `require` fails without it, `off`
 * never uses it. A database keeps the mode of its first migration.
 */
export type TimescaleMode = typeof TIMESCALE_MODES[number];

/**
 * Tells whether a value is one of {@linkcode TIMESCALE_MODES}.
 *
 * @param value Anything.
 * @returns `true` for `auto`, `require` and `off`.
 *
 * @example
 * ```ts
 * import { isTimescaleMode } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isTimescaleMode("require"), true);
 * assert.equal(isTimescaleMode("on"), false);
 * ```
 */
export function isTimescaleMode(value: unknown): value is TimescaleMode {
  return (TIMESCALE_MODES as readonly unknown[]).includes(value);
}

/** Options of {@linkcode migrate}, {@linkcode migrationStatus}, {@linkcode stamp} and {@linkcode plan}. */
export interface MigrationOptions {
  /** The files to apply. @default {MIGRATION_FILES} (the ones shipped in this release) */
  files?: readonly MigrationFile[] | undefined;
  /** Longest wait for another runner's lock, in milliseconds. @default {30000} */
  lockTimeoutMs?: number | undefined;
  /** Whether to apply the TimescaleDB steps. @default {"auto"} */
  timescale?: TimescaleMode | undefined;
  /** Stops between files when aborted. */
  signal?: AbortSignal | undefined;
}

/** Where one migration file stands in a database. */
export type MigrationState = "applied" | "pending" | "drifted";

/** One row of {@linkcode migrationStatus}. */
export interface MigrationEntry {
  /** The file's number. */
  version: number;
  /** File name. */
  name: string;
  /** Applied, pending, or applied from a file that has changed since. */
  state: MigrationState;
  /** SHA-256 of the file now. */
  checksum: string;
  /** SHA-256 recorded when it was applied. */
  appliedChecksum: string | null;
  /** When it was applied. */
  appliedAt: Date | null;
  /** How long it took, in milliseconds. */
  durationMs: number | null;
  /** Whether it was applied with the TimescaleDB steps. */
  timescale: boolean | null;
  /** Marked as applied by {@linkcode stamp} without running. */
  stamped: boolean | null;
}

/** What {@linkcode migrationStatus} reports. */
export interface MigrationStatus {
  /** Mode of the applied migrations, or the one `migrate` would choose now. */
  mode: SchemaMode;
  /** Newest applied version, 0 when none. */
  version: number;
  /** One entry per known file, and one per applied version no file knows (`drifted`). */
  entries: MigrationEntry[];
}

/** One file {@linkcode plan} would run. */
export interface PlannedMigration {
  /** The file's number. */
  version: number;
  /** File name. */
  name: string;
  /** Whether it runs in a transaction. */
  transactional: boolean;
  /** The statements, in order, for the mode. */
  statements: readonly string[];
}

/** The lock every runner takes, so two runners never apply files at the same time. */
const LOCK_KEY = 727_274_001;

const BOOTSTRAP = [
  "CREATE SCHEMA IF NOT EXISTS mds_core",
  `CREATE TABLE IF NOT EXISTS mds_core.schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    duration_ms integer     NOT NULL,
    timescale   boolean     NOT NULL,
    stamped     boolean     NOT NULL DEFAULT false
  )`,
];

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  applied_at: Date;
  duration_ms: number;
  timescale: boolean;
  stamped: boolean;
}

interface Settings {
  migrations: Migration[];
  lockTimeoutMs: number;
  timescale: TimescaleMode;
  signal: AbortSignal | undefined;
}

function settings(options: MigrationOptions): Settings {
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  wholeNumber("lockTimeoutMs", lockTimeoutMs, 1, Infinity, "milliseconds");
  const timescale = options.timescale ?? "auto";
  if (!isTimescaleMode(timescale)) {
    throw new ConfigError("timescale", timescale, `must be one of ${TIMESCALE_MODES.join(", ")}`);
  }
  const migrations = (options.files ?? MIGRATION_FILES).map(parseMigration)
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]!.version === m.version) {
      throw new MdsError(
        "MDS_MIGRATION_FAILED",
        `Migrations "${migrations[i - 1]!.name}" and "${m.name}" share version ${m.version}`,
      );
    }
  });
  return { migrations, lockTimeoutMs, timescale, signal: options.signal };
}

async function readApplied(db: Queryable): Promise<AppliedRow[]> {
  const [exists] = await db.query<{ present: boolean }>(
    "SELECT to_regclass('mds_core.schema_migrations') IS NOT NULL AS present",
  );
  if (!exists?.present) return [];
  return await db.query<AppliedRow>(
    "SELECT version, name, checksum, applied_at, duration_ms, timescale, stamped FROM mds_core.schema_migrations ORDER BY version",
  );
}

interface TimescaleAvailability {
  /** The extension exists in this database. */
  installed: boolean;
  /** It can be created: its files are installed and the server preloads its library. */
  available: boolean;
}

async function timescaleAvailable(db: Queryable): Promise<TimescaleAvailability> {
  // CREATE EXTENSION without the library preloaded fails with FATAL and ends the session, which
  // no savepoint can catch; so "available" also requires shared_preload_libraries to name it.
  const [row] = await db.query<TimescaleAvailability>(
    `SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb')
              AND current_setting('shared_preload_libraries') ~ '(^|[ ,])timescaledb($|[ ,])' AS available`,
  );
  return row ?? { installed: false, available: false };
}

function modeOf(applied: readonly AppliedRow[]): SchemaMode | undefined {
  if (applied.length === 0) return undefined;
  return applied.some((a) => a.timescale) ? "timescale" : "plain";
}

function entries(
  migrations: readonly Migration[],
  applied: readonly AppliedRow[],
): MigrationEntry[] {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const out: MigrationEntry[] = migrations.map((m) => {
    const a = byVersion.get(m.version);
    byVersion.delete(m.version);
    return {
      version: m.version,
      name: m.name,
      state: !a
        ? "pending"
        : a.checksum === m.checksum && a.name === m.name
        ? "applied"
        : "drifted",
      checksum: m.checksum,
      appliedChecksum: a?.checksum ?? null,
      appliedAt: a?.applied_at ?? null,
      durationMs: a?.duration_ms ?? null,
      timescale: a?.timescale ?? null,
      stamped: a?.stamped ?? null,
    };
  });
  for (const a of byVersion.values()) {
    out.push({
      version: a.version,
      name: a.name,
      state: "drifted",
      checksum: "",
      appliedChecksum: a.checksum,
      appliedAt: a.applied_at,
      durationMs: a.duration_ms,
      timescale: a.timescale,
      stamped: a.stamped,
    });
  }
  return out.sort((x, y) => x.version - y.version);
}

/**
 * Lists every migration file with its state in the database: applied, pending, or drifted (the
 * file changed after it was applied, or the database has a version no file knows).
 *
 * @param db The database.
 * @param options Files and mode.
 * @returns The mode, newest applied version and one entry per file.
 *
 * @example
 * ```ts
 * import { createPgliteBackend, migrate, migrationStatus } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * assert.deepEqual((await migrationStatus(db)).entries.every((e) => e.state === "pending"), true);
 * await migrate(db);
 * assert.deepEqual((await migrationStatus(db)).entries.every((e) => e.state === "applied"), true);
 * ```
 */
export async function migrationStatus(
  db: Backend,
  options: MigrationOptions = {},
): Promise<MigrationStatus> {
  const s = settings(options);
  const applied = await readApplied(db);
  const ts = await timescaleAvailable(db);
  const mode = modeOf(applied) ??
    (s.timescale !== "off" && (ts.installed || ts.available) ? "timescale" : "plain");
  return {
    mode,
    version: applied.reduce((v, a) => Math.max(v, a.version), 0),
    entries: entries(s.migrations, applied),
  };
}

/** Raised by {@linkcode migrate} when applied files changed; names them. */
export class MigrationDriftError extends MdsError {
  /** The drifted entries. */
  readonly drifted: readonly MigrationEntry[];
  /**
   * Creates the error.
   *
   * @param drifted The drifted entries.
   */
  constructor(drifted: readonly MigrationEntry[]) {
    super(
      "MDS_MIGRATION_DRIFT",
      `Refusing to migrate: applied migration ${
        drifted.map((d) => `"${d.name}"`).join(", ")
      } no longer matches what was applied (checksum or name changed, or no such file); ` +
        "restore the file, or roll forward with a new one",
    );
    this.drifted = drifted;
  }
}

function refuseDrift(list: readonly MigrationEntry[]): void {
  const drifted = list.filter((e) => e.state === "drifted");
  if (drifted.length > 0) throw new MigrationDriftError(drifted);
}

async function lockedTransaction<T>(
  db: Backend,
  s: Settings,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL lock_timeout = ${s.lockTimeoutMs}`);
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      await tx.query("SET LOCAL lock_timeout TO DEFAULT");
      for (const stmt of BOOTSTRAP) await tx.query(stmt);
      return await fn(tx);
    });
  } catch (err) {
    throw lockError(err, s);
  }
}

function lockError(err: unknown, s: Settings): unknown {
  if (err instanceof TimeoutError && err.kind === "lock") {
    return new MdsError(
      "MDS_MIGRATION_LOCK",
      `Another migration runner held the lock for more than ${s.lockTimeoutMs} ms`,
      { sqlState: err.sqlState, cause: err },
    );
  }
  return err;
}

async function chooseMode(tx: Queryable, s: Settings): Promise<SchemaMode> {
  const existing = modeOf(await readApplied(tx));
  if (existing) {
    if (existing === "plain" && s.timescale === "require") {
      throw new MdsError(
        "MDS_REQUIRES_TIMESCALE",
        'This database was migrated without TimescaleDB; timescale "require" cannot be met',
      );
    }
    return existing;
  }
  if (s.timescale === "off") return "plain";
  const ts = await timescaleAvailable(tx);
  if (ts.installed) return "timescale";
  if (ts.available) {
    await tx.query("SAVEPOINT mds_timescale");
    try {
      await tx.query("CREATE EXTENSION IF NOT EXISTS timescaledb");
      return "timescale";
    } catch (err) {
      await tx.query("ROLLBACK TO SAVEPOINT mds_timescale");
      if (s.timescale === "require") {
        throw new MdsError(
          "MDS_REQUIRES_TIMESCALE",
          "TimescaleDB is installed but cannot be created (is it in shared_preload_libraries?)",
          { cause: err },
        );
      }
      return "plain";
    }
  }
  if (s.timescale === "require") {
    throw new MdsError(
      "MDS_REQUIRES_TIMESCALE",
      "TimescaleDB is not available on this server (install it and add timescaledb to shared_preload_libraries)",
    );
  }
  return "plain";
}

async function record(
  db: Queryable,
  m: Migration,
  mode: SchemaMode,
  durationMs: number,
  stamped: boolean,
): Promise<void> {
  await db.query(
    `INSERT INTO mds_core.schema_migrations (version, name, checksum, duration_ms, timescale, stamped)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [m.version, m.name, m.checksum, Math.round(durationMs), mode === "timescale", stamped],
  );
}

async function runStatements(db: Queryable, m: Migration, mode: SchemaMode): Promise<void> {
  const statements = m.statements[mode];
  for (let i = 0; i < statements.length; i++) {
    try {
      await db.query(statements[i]!);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new MdsError(
        "MDS_MIGRATION_FAILED",
        `Migration "${m.name}" failed at statement ${i + 1} of ${statements.length}: ${reason}`,
        { sqlState: (err as MdsError).sqlState, cause: err },
      );
    }
  }
}

/** What {@linkcode migrate} did. */
export interface MigrateResult {
  /** The mode the database runs in. */
  mode: SchemaMode;
  /** Files applied by this call, in order. */
  applied: string[];
  /** Newest applied version after the call. */
  version: number;
}

/**
 * Applies pending migration files in order. Each file runs in its own transaction (files marked
 * `-- mds:no-transaction` statement by statement) under an advisory lock with a bounded wait, so
 * runners started at once apply each file exactly once. Refuses to start when an applied file
 * has changed. Roll-forward only: there are no down migrations; fix a mistake with a new file.
 *
 * @param db The database.
 * @param options Files, lock wait, mode and signal.
 * @returns The mode and the files applied.
 * @throws {MigrationDriftError} When an applied file changed.
 * @throws {MdsError} `MDS_MIGRATION_LOCK` when the lock wait ran out, `MDS_MIGRATION_FAILED`
 * naming the file and statement when one failed (that file is rolled back).
 *
 * @example
 * ```ts
 * import { createPgliteBackend, migrate } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * const first = await migrate(db);
 * assert.deepEqual(first.mode, "plain");
 * assert.deepEqual((await migrate(db)).applied, []);
 * ```
 */
export async function migrate(db: Backend, options: MigrationOptions = {}): Promise<MigrateResult> {
  const s = settings(options);
  refuseDrift(entries(s.migrations, await readApplied(db)));
  const mode = await lockedTransaction(db, s, (tx) => chooseMode(tx, s));
  const applied: string[] = [];
  for (const m of s.migrations) {
    s.signal?.throwIfAborted();
    const ran = m.transactional
      ? await lockedTransaction(db, s, (tx) => applyOne(tx, m, mode))
      : await applyOutsideTransaction(db, s, m, mode);
    if (ran) applied.push(m.name);
  }
  const after = await readApplied(db);
  return { mode, applied, version: after.reduce((v, a) => Math.max(v, a.version), 0) };
}

async function applyOne(db: Queryable, m: Migration, mode: SchemaMode): Promise<boolean> {
  const applied = await readApplied(db);
  const mine = entries([m], applied.filter((a) => a.version === m.version));
  refuseDrift(mine);
  if (mine[0]?.state === "applied") return false;
  const started = performance.now();
  await runStatements(db, m, mode);
  await record(db, m, mode, performance.now() - started, false);
  return true;
}

async function applyOutsideTransaction(
  db: Backend,
  s: Settings,
  m: Migration,
  mode: SchemaMode,
): Promise<boolean> {
  try {
    return await db.session(async (conn) => {
      await conn.query(`SET lock_timeout = ${s.lockTimeoutMs}`);
      try {
        await conn.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
      } finally {
        await conn.query("RESET lock_timeout");
      }
      try {
        return await applyOne(conn, m, mode);
      } finally {
        await conn.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
      }
    });
  } catch (err) {
    throw lockError(err, s);
  }
}

/**
 * Marks pending files as applied without running them, for databases whose schema was created
 * another way (an init script, a restored dump). Refuses when an applied file has drifted.
 *
 * @param db The database.
 * @param options Files and mode; `through` stops after that version.
 * @returns The names of the files stamped.
 * @throws {MigrationDriftError} When an applied file changed.
 *
 * @example
 * ```ts
 * import { createPgliteBackend, migrationStatus, stamp } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * assert.deepEqual((await stamp(db, { through: 1 })).length, 1);
 * const status = await migrationStatus(db);
 * assert.deepEqual([status.entries[0]?.stamped, status.entries[1]?.state], [true, "pending"]);
 * ```
 */
export async function stamp(
  db: Backend,
  options: MigrationOptions & { through?: number | undefined } = {},
): Promise<string[]> {
  const s = settings(options);
  return await lockedTransaction(db, s, async (tx) => {
    const list = entries(s.migrations, await readApplied(tx));
    refuseDrift(list);
    const mode = await chooseMode(tx, s);
    const stamped: string[] = [];
    for (const m of s.migrations) {
      if (options.through !== undefined && m.version > options.through) break;
      if (list.find((e) => e.version === m.version)?.state !== "pending") continue;
      await record(tx, m, mode, 0, true);
      stamped.push(m.name);
    }
    return stamped;
  });
}

/**
 * Lists the statements {@linkcode migrate} would run, without running anything.
 *
 * @param db The database.
 * @param options Files and mode.
 * @returns The mode and one entry per pending file.
 *
 * @example
 * ```ts
 * import { createPgliteBackend, plan } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using db = await createPgliteBackend();
 * const p = await plan(db);
 * assert.deepEqual(p.steps[0]?.name.startsWith("0001_"), true);
 * ```
 */
export async function plan(
  db: Backend,
  options: MigrationOptions = {},
): Promise<{ mode: SchemaMode; steps: PlannedMigration[] }> {
  const s = settings(options);
  const status = await migrationStatus(db, options);
  const pending = new Set(
    status.entries.filter((e) => e.state === "pending").map((e) => e.version),
  );
  return {
    mode: status.mode,
    steps: s.migrations.filter((m) => pending.has(m.version)).map((m) => ({
      version: m.version,
      name: m.name,
      transactional: m.transactional,
      statements: m.statements[status.mode],
    })),
  };
}
