// The backend matrix of the conformance suite: PGlite always, PostgreSQL when
// MDS_TEST_DATABASE_URL is set, TimescaleDB when MDS_TEST_TIMESCALE_URL is set. A backend that is
// not configured shows up as an ignored test whose name says which variable to set, so it is
// reported as skipped and never silently passed.
import { type Backend, createPgliteBackend, createPostgresBackend, migrate } from "@mds/client";

/** The backends of the matrix. */
export type MatrixName = "pglite" | "postgres" | "timescale";

const ENV: Record<Exclude<MatrixName, "pglite">, string> = {
  postgres: "MDS_TEST_DATABASE_URL",
  timescale: "MDS_TEST_TIMESCALE_URL",
};

/** One database of one backend, fresh for a test file. */
export interface TestDb {
  /** Which backend. */
  readonly name: MatrixName;
  /** A superuser connection to the database. */
  readonly backend: Backend;
  /** Its URL (server backends only), for subprocesses and second pools. */
  readonly url: string | undefined;
  /** Opens another pool to the same database (server backends only). */
  connect(options?: { max?: number; statementTimeoutMs?: number }): Backend;
}

/** The URL of a configured server backend, or undefined. */
export function serverUrl(name: Exclude<MatrixName, "pglite">): string | undefined {
  return Deno.env.get(ENV[name]) || undefined;
}

/** Creates an empty database on a server and returns its URL and a function that drops it. */
export async function createServerDatabase(
  baseUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `mds_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = createPostgresBackend({ url: baseUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = createPostgresBackend({ url: baseUrl, max: 1 });
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.close();
      }
    },
  };
}

/** Opens a fresh database on one backend; `migrated` applies the shipped migrations first. */
export async function openTestDb(
  name: MatrixName,
  options: { migrated?: boolean } = {},
): Promise<TestDb & AsyncDisposable> {
  const migrated = options.migrated ?? true;
  if (name === "pglite") {
    const backend = await createPgliteBackend();
    if (migrated) await migrate(backend);
    return {
      name,
      backend,
      url: undefined,
      connect: () => {
        throw new Error("PGlite has a single connection");
      },
      [Symbol.asyncDispose]: () => backend.close(),
    };
  }
  const base = serverUrl(name);
  if (!base) throw new Error(`${ENV[name]} is not set`);
  const db = await createServerDatabase(base);
  const pools: Backend[] = [];
  const connect = (o: { max?: number; statementTimeoutMs?: number } = {}) => {
    const pool = createPostgresBackend({
      url: db.url,
      max: o.max ?? 4,
      statementTimeoutMs: o.statementTimeoutMs,
    });
    pools.push(pool);
    return pool;
  };
  const backend = connect();
  if (migrated) await migrate(backend, { timescale: name === "timescale" ? "require" : "off" });
  return {
    name,
    backend,
    url: db.url,
    connect,
    [Symbol.asyncDispose]: async () => {
      for (const pool of pools) await pool.close();
      await db.drop();
    },
  };
}

/** Options of {@linkcode backendSuite}. */
export interface SuiteOptions {
  /** Limit the suite to these backends. */
  only?: readonly MatrixName[];
  /** Apply the migrations before the tests. @default {true} */
  migrated?: boolean;
}

/**
 * Registers one Deno test per backend whose steps are `cases`, run in order on one database of
 * that backend. Cases share the database, so each uses its own tenants.
 */
export function backendSuite(
  suite: string,
  cases: Record<string, (db: TestDb) => Promise<void>>,
  options: SuiteOptions = {},
): void {
  const names: MatrixName[] = ["pglite", "postgres", "timescale"];
  for (const name of names) {
    if (options.only && !options.only.includes(name)) continue;
    const configured = name === "pglite" || serverUrl(name) !== undefined;
    Deno.test({
      name: configured
        ? `${suite} [${name}]`
        : `${suite} [${name}] skipped: set ${ENV[name as Exclude<MatrixName, "pglite">]}`,
      ignore: !configured,
      fn: async (t) => {
        await using db = await openTestDb(name, { migrated: options.migrated ?? true });
        for (const [caseName, fn] of Object.entries(cases)) {
          await t.step(caseName, () => fn(db));
        }
      },
    });
  }
}

/** A random tenant id. */
export function newTenant(): string {
  return crypto.randomUUID();
}
