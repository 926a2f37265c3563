// The SQLSTATE -> error-class mapping of @mds/client, proven by making every condition happen for
// real: constraint and tenant violations, privileges, statement, lock and connect timeouts,
// deadlocks, serialization failures, killed sessions, connection limits and refused connections.
// No error object is constructed here; each case makes the server (or the network) fail.
//
// Server cases need MDS_TEST_DATABASE_URL and each opens its own database; without it they are
// reported as ignored. The network cases and the PGlite cases always run.
//
// Losing the connection of an open transaction used to crash the process with postgres.js 3.4.9
// (a statement, or the driver's own ROLLBACK, written to a closed socket from a setImmediate
// callback: "Cannot read properties of null (reading 'write')"); client/postgres_backend.ts now
// never writes to a lost connection. The cases that prove it trap uncaught errors, so a
// regression fails them instead of aborting the whole run.
import postgres from "postgres";
import { messages } from "@electric-sql/pglite";
import {
  type Backend,
  ConstraintViolationError,
  createClient,
  createPgliteBackend,
  createPostgresBackend,
  type ErrorCode,
  type FailedQuery,
  MdsError,
  PermissionDeniedError,
  type Queryable,
  RetryableError,
  type Row,
  TenantDeniedError,
  TimeoutError,
  type Transaction,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import {
  backendSuite,
  newTenant,
  openTestDb,
  serverUrl,
  type TestDb,
} from "../testing/backends.ts";
import { trapUncaught } from "../testing/uncaught.ts";

const SERVER = serverUrl("postgres");

/**
 * Registers a test that runs on a fresh, migrated PostgreSQL database, or is ignored with the
 * reason in its name.
 */
function serverTest(
  name: string,
  fn: (db: TestDb) => Promise<void>,
  options: { skip?: string | undefined } = {},
): void {
  const skip = !SERVER ? "set MDS_TEST_DATABASE_URL" : options.skip;
  Deno.test({
    name: skip ? `${name} (skipped: ${skip})` : name,
    ignore: skip !== undefined,
    fn: async () => {
      await using db = await openTestDb("postgres");
      await fn(db);
    },
  });
}

/** The connection-level codes postgres.js reports instead of a SQLSTATE. */
const CONNECTION_CODES = [
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNRESET",
  "EPIPE",
  "ENOTCONN",
];

interface Expected {
  /** The mds code. */
  code: ErrorCode;
  /** The SQLSTATE, or undefined for errors without one. */
  sqlState: string | undefined;
  /** Which driver raised the cause. */
  driver: "postgres" | "pglite";
  /** The statement that failed, when the error must carry it. */
  query?: { text: string; params: readonly unknown[] };
}

function driverCode(err: MdsError): unknown {
  return (err.cause as { code?: unknown } | undefined)?.code;
}

/**
 * Checks what every mapped error promises: its code and SQLSTATE, the driver's error as `cause`,
 * and the statement attached as `query` without being enumerable (so logs never show it).
 */
function assertMapped(err: MdsError, expected: Expected): void {
  const context = `${err.name}: ${err.message}`;
  assertEquals(err.code, expected.code, context);
  assertEquals(err.sqlState, expected.sqlState, context);
  // The cause is the driver's own error, not an mds error and not a copy.
  const cause = err.cause;
  assert(cause instanceof Error, `${context}: cause is ${String(cause)}`);
  assert(!(cause instanceof MdsError), `${context}: cause is an mds error`);
  if (expected.sqlState !== undefined) {
    assert(
      expected.driver === "postgres"
        ? cause instanceof postgres.PostgresError
        : cause instanceof messages.DatabaseError,
      `${context}: cause is a ${cause.constructor.name}, not the ${expected.driver} driver's error`,
    );
    assertEquals(driverCode(err), expected.sqlState, context);
  }
  if (expected.query) {
    const query = (err as { query?: FailedQuery }).query;
    assert(query, `${context}: no query attached`);
    assertEquals(query.text, expected.query.text);
    assertEquals(query.params, expected.query.params);
    assertEquals(Object.getOwnPropertyDescriptor(err, "query")?.enumerable, false);
    assert(!Object.keys(err).includes("query"), `${context}: query is enumerable`);
    const json = JSON.stringify(err);
    assert(!json.includes(expected.query.text), `the SQL text leaked into JSON: ${json}`);
    assert(!json.includes('"query"'), `a query key leaked into JSON: ${json}`);
  }
}

/** Passes for a lost connection: SQLSTATE 57P01, or no SQLSTATE and a connection code. */
function assertConnectionLost(err: unknown): asserts err is RetryableError {
  assert(err instanceof RetryableError, `expected RetryableError, got ${String(err)}`);
  assertEquals(err.code, "MDS_RETRYABLE");
  assert(
    err.sqlState === "57P01" ||
      (err.sqlState === undefined && CONNECTION_CODES.includes(String(driverCode(err)))),
    `neither 57P01 nor a connection code: sqlState ${err.sqlState}, driver code ${
      String(driverCode(err))
    }`,
  );
  assert(err.cause instanceof Error && !(err.cause instanceof MdsError), "cause");
}

/** Lets pending immediates and timers run, then fails on anything the trap caught. */
async function assertNothingUncaught(trap: { readonly errors: unknown[] }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  assertEquals(trap.errors.map(String), [], "errors escaped to the top level");
}

/** Tells whether `promise` settles within `ms` milliseconds. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` as the application role of `tenant` and returns how it was rejected. */
async function rejectsAsApp<E extends Error>(
  db: Backend,
  tenant: string | null,
  type: abstract new (...args: never[]) => E,
  fn: (tx: Queryable) => Promise<unknown>,
): Promise<E> {
  return await assertRejects(() => asApp(db, tenant, fn), type);
}

const ENQUEUE = "INSERT INTO mds.jobs (idempotency_key, job_type) VALUES ($1, $2)";

async function enqueue(db: Backend, tenant: string, ...keys: string[]): Promise<void> {
  await asApp(db, tenant, async (tx) => {
    for (const key of keys) await tx.query(ENQUEUE, [key, "refresh"]);
  });
}

/**
 * Opens a transaction as the application role that runs `setup` and then stays open, holding its
 * locks, until `release` is called.
 */
async function holdOpen(
  db: Backend,
  tenant: string,
  setup: (tx: Queryable) => Promise<unknown>,
): Promise<{ release: () => Promise<void> }> {
  const ready = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  const done = asApp(db, tenant, async (tx) => {
    await setup(tx);
    ready.resolve();
    await released.promise;
  });
  done.catch(ready.reject);
  await ready.promise;
  return {
    release: async () => {
      released.resolve();
      await done;
    },
  };
}

/** Like asApp, but SERIALIZABLE: the isolation level must be set by the first statement. */
async function serializableAsApp<T>(
  db: Backend,
  tenant: string,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  return await db.transaction(async (tx) => {
    await tx.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
    await tx.query("SET LOCAL ROLE mds_app");
    return await fn(tx);
  });
}

const BAR = {
  ts: "2024-01-02T14:30:00Z",
  vendor: "v",
  symbol: "ERR",
  timeframe: "1m",
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  volume: 10,
};

const INSERT_BAR =
  `INSERT INTO mds.bars (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close)
  VALUES (coalesce($1::uuid, nullif(current_setting('app.tenant_id', true), '')::uuid),
          $2, $3, $4, $5, $6, $7, $8, $9)`;

/** Parameters of INSERT_BAR; a null tenant means the current one. */
function barParams(
  tenant: string | null,
  prices: { open: number; high: number; low: number; close: number },
): unknown[] {
  return [
    tenant,
    BAR.ts,
    BAR.vendor,
    BAR.symbol,
    BAR.timeframe,
    prices.open,
    prices.high,
    prices.low,
    prices.close,
  ];
}

async function countBars(db: TestDb, tenant: string): Promise<number> {
  const [row] = await db.backend.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM mds_core.bars WHERE tenant_id = $1",
    [tenant],
  );
  return row!.n;
}

/** A TCP port on 127.0.0.1 with nothing listening on it (bound, read, closed). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until the session `pid` is running a statement. */
async function untilActive(db: Backend, pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row] = await db.query<{ state: string | null }>(
      "SELECT state FROM pg_stat_activity WHERE pid = $1",
      [pid],
    );
    if (row?.state === "active") return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`session ${pid} never became active`);
}

// --- Class 23: constraint violations --------------------------------------------------------

serverTest(
  "a duplicate job idempotency key surfaces as ConstraintViolationError with SQLSTATE 23505",
  async (db) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "dup");
    const params = ["dup", "refresh"];
    const err = await rejectsAsApp(
      db.backend,
      tenant,
      ConstraintViolationError,
      (tx) => tx.query(ENQUEUE, params),
    );
    assertMapped(err, {
      code: "MDS_CONSTRAINT",
      sqlState: "23505",
      driver: "postgres",
      query: { text: ENQUEUE, params },
    });
    assertEquals(err.constraint, "jobs_tenant_idempotency_key");
  },
);

serverTest(
  "a bar whose high is below its low surfaces as ConstraintViolationError with SQLSTATE 23514",
  async (db) => {
    const params = barParams(null, { open: 1, high: 0.5, low: 0.8, close: 1 });
    const err = await rejectsAsApp(
      db.backend,
      newTenant(),
      ConstraintViolationError,
      (tx) => tx.query(INSERT_BAR, params),
    );
    assertMapped(err, {
      code: "MDS_CONSTRAINT",
      sqlState: "23514",
      driver: "postgres",
      query: { text: INSERT_BAR, params },
    });
    assertEquals(err.constraint, "bars_high_low_consistent");
  },
);

// --- 44000 and 42501: tenant scope and privileges -------------------------------------------

serverTest(
  "a row of another tenant written through a view surfaces as TenantDeniedError with SQLSTATE 44000",
  async (db) => {
    const params = barParams(newTenant(), BAR);
    const err = await rejectsAsApp(
      db.backend,
      newTenant(),
      TenantDeniedError,
      (tx) => tx.query(INSERT_BAR, params),
    );
    assertMapped(err, {
      code: "MDS_TENANT_DENIED",
      sqlState: "44000",
      driver: "postgres",
      query: { text: INSERT_BAR, params },
    });
  },
);

serverTest(
  "reading the private schema as the application role surfaces as PermissionDeniedError with SQLSTATE 42501",
  async (db) => {
    const text = "SELECT count(*) FROM mds_core.bars WHERE symbol = $1";
    const err = await rejectsAsApp(
      db.backend,
      newTenant(),
      PermissionDeniedError,
      (tx) => tx.query(text, ["ERR"]),
    );
    assertMapped(err, {
      code: "MDS_PERMISSION_DENIED",
      sqlState: "42501",
      driver: "postgres",
      query: { text, params: ["ERR"] },
    });
  },
);

// --- Timeouts -------------------------------------------------------------------------------

serverTest(
  "a statement over SET LOCAL statement_timeout surfaces as TimeoutError of kind statement (57014)",
  async (db) => {
    const text = "SELECT pg_sleep($1)";
    const started = performance.now();
    const err = await assertRejects(
      () =>
        db.backend.transaction(async (tx) => {
          await tx.query("SET LOCAL statement_timeout = 50");
          await tx.query(text, [2]);
        }),
      TimeoutError,
    );
    assert(performance.now() - started < 1900, "the statement was not cancelled early");
    assertEquals(err.kind, "statement");
    assertMapped(err, {
      code: "MDS_TIMEOUT",
      sqlState: "57014",
      driver: "postgres",
      query: { text, params: [2] },
    });
  },
);

serverTest(
  "a statement over the pool's statementTimeoutMs surfaces as TimeoutError of kind statement (57014)",
  async (db) => {
    await using pool = createPostgresBackend({ url: db.url!, max: 1, statementTimeoutMs: 50 });
    assertEquals(await pool.query("SHOW statement_timeout"), [{ statement_timeout: "50ms" }]);
    const text = "SELECT pg_sleep($1)";
    const started = performance.now();
    const err = await assertRejects(() => pool.query(text, [2]), TimeoutError);
    assert(performance.now() - started < 1900, "the statement was not cancelled early");
    assertEquals(err.kind, "statement");
    assertMapped(err, {
      code: "MDS_TIMEOUT",
      sqlState: "57014",
      driver: "postgres",
      query: { text, params: [2] },
    });
  },
);

serverTest(
  "a row lock that is not granted surfaces as TimeoutError of kind lock (55P03)",
  async (db) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "locked");
    const lock = "SELECT id FROM mds.jobs WHERE idempotency_key = $1 FOR UPDATE";
    const holder = await holdOpen(db.backend, tenant, (tx) => tx.query(lock, ["locked"]));
    try {
      const other = db.connect({ max: 1 });
      // FOR UPDATE NOWAIT: refused at once.
      const nowait = `${lock} NOWAIT`;
      const refused = await rejectsAsApp(
        other,
        tenant,
        TimeoutError,
        (tx) => tx.query(nowait, ["locked"]),
      );
      assertEquals(refused.kind, "lock");
      assertMapped(refused, {
        code: "MDS_TIMEOUT",
        sqlState: "55P03",
        driver: "postgres",
        query: { text: nowait, params: ["locked"] },
      });
      // lock_timeout: refused after waiting 50 ms.
      const waited = await rejectsAsApp(other, tenant, TimeoutError, async (tx) => {
        await tx.query("SET LOCAL lock_timeout = 50");
        await tx.query(lock, ["locked"]);
      });
      assertEquals(waited.kind, "lock");
      assertMapped(waited, {
        code: "MDS_TIMEOUT",
        sqlState: "55P03",
        driver: "postgres",
        query: { text: lock, params: ["locked"] },
      });
    } finally {
      await holder.release();
    }
  },
);

// --- Retryable failures ---------------------------------------------------------------------

serverTest("a deadlock surfaces as RetryableError with SQLSTATE 40P01", async (db) => {
  const tenant = newTenant();
  await enqueue(db.backend, tenant, "a", "b");
  const lock = "SELECT id FROM mds.jobs WHERE idempotency_key = $1 FOR UPDATE";
  const held = [Promise.withResolvers<void>(), Promise.withResolvers<void>()] as const;
  // Each transaction locks its own row, waits until the other holds its row, then asks for the
  // other's: a cycle PostgreSQL breaks after deadlock_timeout (1 s by default) by failing one.
  const cross = (pool: Backend, me: 0 | 1, mine: string, theirs: string) =>
    asApp(pool, tenant, async (tx) => {
      await tx.query(lock, [mine]);
      held[me].resolve();
      await held[me === 0 ? 1 : 0].promise;
      await tx.query(lock, [theirs]);
    }).finally(() => held[me].resolve());
  const results = await Promise.allSettled([
    cross(db.connect({ max: 1 }), 0, "a", "b"),
    cross(db.connect({ max: 1 }), 1, "b", "a"),
  ]);
  const failed = results.flatMap((r, i) => r.status === "rejected" ? [{ i, err: r.reason }] : []);
  assertEquals(failed.length, 1, `exactly one transaction fails: ${JSON.stringify(results)}`);
  const { i, err } = failed[0]!;
  assert(err instanceof RetryableError, `expected RetryableError, got ${String(err)}`);
  assertMapped(err, {
    code: "MDS_RETRYABLE",
    sqlState: "40P01",
    driver: "postgres",
    query: { text: lock, params: [i === 0 ? "b" : "a"] },
  });
});

const SKEW_READ = "SELECT sum(priority)::int AS total FROM mds.jobs";
const SKEW_WRITE = "UPDATE mds.jobs SET priority = priority + 1 WHERE idempotency_key = $1";

serverTest(
  "a write skew between SERIALIZABLE transactions surfaces as RetryableError with SQLSTATE 40001",
  async (db) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "k1", "k2");
    const read1 = Promise.withResolvers<void>();
    const read2 = Promise.withResolvers<void>();
    // Both read the total, then each raises a different job: no serial order gives that result.
    const first = serializableAsApp(db.connect({ max: 1 }), tenant, async (tx) => {
      assertEquals(await tx.query(SKEW_READ), [{ total: 0 }]);
      read1.resolve();
      await read2.promise;
      await tx.query(SKEW_WRITE, ["k1"]);
    }).finally(() => read1.resolve());
    const second = serializableAsApp(db.connect({ max: 1 }), tenant, async (tx) => {
      assertEquals(await tx.query(SKEW_READ), [{ total: 0 }]);
      read2.resolve();
      await read1.promise;
      await first.catch(() => {}); // the first commits before the second writes
      await tx.query(SKEW_WRITE, ["k2"]);
    }).finally(() => read2.resolve());
    const [one, two] = await Promise.allSettled([first, second]);
    assertEquals(one.status, "fulfilled", `the first commits: ${String(one)}`);
    assert(two.status === "rejected", "the second must fail");
    const err = two.reason;
    assert(err instanceof RetryableError, `expected RetryableError, got ${String(err)}`);
    assertMapped(err, {
      code: "MDS_RETRYABLE",
      sqlState: "40001",
      driver: "postgres",
      query: { text: SKEW_WRITE, params: ["k2"] },
    });
    assertEquals(await asApp(db.backend, tenant, (tx) => tx.query(SKEW_READ)), [{ total: 1 }]);
  },
);

serverTest(
  "a session terminated while its statement runs surfaces as RetryableError (connection lost)",
  async (db) => {
    using trap = trapUncaught();
    // A pool of its own, used for nothing else afterwards: postgres.js 3.4.9 keeps the killed
    // session's 57P01 and hands it to the next statement on that connection, and closing the
    // pool waits out its 5 s end timeout.
    await using victim = createPostgresBackend({ url: db.url!, max: 1 });
    const [me] = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const text = "SELECT pg_sleep($1)";
    const running = victim.query(text, [10]);
    running.catch(() => {}); // observed below
    await untilActive(db.backend, me!.pid);
    await db.backend.query("SELECT pg_terminate_backend($1, 5000)", [me!.pid]);
    const err = await assertRejects(() => running, RetryableError);
    // postgres.js reports the closed socket (CONNECTION_CLOSED) rather than the server's 57P01;
    // both are a lost connection.
    assertConnectionLost(err);
    assertMapped(err, {
      code: "MDS_RETRYABLE",
      sqlState: err.sqlState,
      driver: "postgres",
      query: { text, params: [10] },
    });
    await assertNothingUncaught(trap);
  },
);

serverTest(
  "a session terminated inside a transaction surfaces as RetryableError, and the process survives",
  async (db) => {
    using trap = trapUncaught();
    const victim = db.connect({ max: 1 });
    const next = "SELECT $1::int AS one";
    let nextError: unknown;
    const fnDone = Promise.withResolvers<void>();
    const err = await assertRejects(
      () =>
        victim.transaction(async (tx) => {
          try {
            const [me] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
            await db.backend.query("SELECT pg_terminate_backend($1, 5000)", [me!.pid]);
            try {
              await tx.query(next, [1]);
            } catch (e) {
              nextError = e;
              throw e;
            }
          } finally {
            fnDone.resolve();
          }
        }),
      RetryableError,
    );
    // Once the transaction has failed, its function must still come to an end.
    const settled = await settlesWithin(fnDone.promise, 5_000);
    await assertNothingUncaught(trap);
    assert(settled, "the next statement of the lost transaction never settled");
    assertConnectionLost(err);
    assertConnectionLost(nextError);
    // The statement that failed carries its query, hidden like everywhere else.
    assertMapped(nextError, {
      code: "MDS_RETRYABLE",
      sqlState: nextError.sqlState,
      driver: "postgres",
      query: { text: next, params: [1] },
    });
    // The pool replaces the lost connection.
    assertEquals(await victim.query("SELECT 1 AS ok"), [{ ok: 1 }]);
  },
);

serverTest(
  "a role over its connection limit surfaces as RetryableError with SQLSTATE 53300",
  async (db) => {
    const role = `mds_test_limit_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await db.backend.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
    try {
      const url = new URL(db.url!);
      url.username = role;
      url.password = "";
      await using first = createPostgresBackend({ url: url.toString(), max: 1 });
      await using second = createPostgresBackend({ url: url.toString(), max: 1 });
      // The first pool keeps its connection open (idle), which uses up the limit.
      assertEquals(await first.query("SELECT current_user AS who"), [{ who: role }]);
      const text = "SELECT $1::int AS one";
      const err = await assertRejects(() => second.query(text, [1]), RetryableError);
      assertMapped(err, {
        code: "MDS_RETRYABLE",
        sqlState: "53300",
        driver: "postgres",
        query: { text, params: [1] },
      });
    } finally {
      await db.backend.query(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1",
        [role],
      );
      await db.backend.query(`DROP ROLE ${role}`);
    }
  },
);

// --- The network: no server needed ---------------------------------------------------------

Deno.test("a server that accepts and never answers surfaces as TimeoutError of kind connect", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) accepted.push(conn); // never read, never answered
    } catch {
      // the listener is closed below
    }
  })();
  try {
    await using pool = createPostgresBackend({
      url: `postgres://x@127.0.0.1:${port}/x`,
      max: 1,
      connectTimeoutSeconds: 1,
    });
    const text = "SELECT $1::int AS one";
    const started = performance.now();
    const err = await assertRejects(() => pool.query(text, [1]), TimeoutError);
    const seconds = (performance.now() - started) / 1000;
    assert(seconds >= 0.9 && seconds < 5, `gave up after ${seconds} s, not about 1 s`);
    assertEquals(err.kind, "connect");
    assertEquals(driverCode(err), "CONNECT_TIMEOUT");
    assertMapped(err, {
      code: "MDS_TIMEOUT",
      sqlState: undefined,
      driver: "postgres",
      query: { text, params: [1] },
    });
    assert(accepted.length >= 1, "the client never connected to the silent server");
  } finally {
    listener.close();
    await accepting;
    for (const conn of accepted) {
      try {
        conn.close();
      } catch {
        // already closed by the client
      }
    }
  }
});

Deno.test("a refused connection surfaces as RetryableError", async () => {
  await using pool = createPostgresBackend({
    url: `postgres://x@127.0.0.1:${closedPort()}/x`,
    max: 1,
    connectTimeoutSeconds: 5,
  });
  const text = "SELECT $1::int AS one";
  const err = await assertRejects(() => pool.query(text, [1]), RetryableError);
  assertEquals(driverCode(err), "ECONNREFUSED");
  assertMapped(err, {
    code: "MDS_RETRYABLE",
    sqlState: undefined,
    driver: "postgres",
    query: { text, params: [1] },
  });
});

// --- Retries in the client ------------------------------------------------------------------

/** Wraps `real`, replacing how transactions run. */
function wrapBackend(
  real: Backend,
  transaction: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>,
): Backend {
  return {
    kind: real.kind,
    query: <T = Row>(text: string, params?: readonly unknown[]) => real.query<T>(text, params),
    session: (fn) => real.session(fn),
    listen: (channel, onPayload, options) => real.listen(channel, onPayload, options),
    transaction,
    close: () => real.close(),
    [Symbol.asyncDispose]: () => real.close(),
  };
}

/**
 * A backend whose first `failures` transactions end in a real serialization failure. Each runs
 * SERIALIZABLE and reads the tenant's two jobs; a concurrent SERIALIZABLE transaction reads both,
 * raises k1 and commits; then the client's work runs (and writes); then this transaction raises
 * k2, a write skew PostgreSQL refuses with 40001, rolling the client's write back with it.
 */
function skewed(
  real: Backend,
  other: Backend,
  tenant: string,
  failures: number,
): Backend & { readonly calls: number } {
  let calls = 0;
  const backend = wrapBackend(
    real,
    <T>(fn: (tx: Transaction) => Promise<T>) =>
      real.transaction(async (tx) => {
        if (calls++ >= failures) return await fn(tx);
        await tx.query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
        await tx.query("SELECT sum(priority) FROM mds_core.jobs WHERE tenant_id = $1", [tenant]);
        await serializableAsApp(other, tenant, async (o) => {
          await o.query(SKEW_READ);
          await o.query(SKEW_WRITE, ["k1"]);
        });
        const result = await fn(tx); // sets the tenant and role mds_app, then writes
        await tx.query(SKEW_WRITE, ["k2"]);
        return result;
      }),
  );
  return Object.defineProperty(backend, "calls", { get: () => calls }) as Backend & {
    readonly calls: number;
  };
}

serverTest(
  "a serialization failure is retried by the client's retry policy and the write happens once",
  async (db) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "k1", "k2");
    const backend = skewed(db.connect({ max: 2 }), db.connect({ max: 1 }), tenant, 1);
    const seen: { error: MdsError; attempt: number }[] = [];
    await using client = await createClient({
      backend,
      retry: {
        attempts: 3,
        baseDelayMs: 10,
        onRetry: (error, attempt) => seen.push({ error, attempt }),
      },
    });
    const result = await client.withTenant(tenant, (t) => t.upsertBars([BAR]));
    assertEquals(backend.calls, 2);
    assertEquals(seen.length, 1, `one retry: ${seen.map((s) => s.error.message).join("; ")}`);
    const [{ error, attempt }] = seen as [{ error: MdsError; attempt: number }];
    assert(error instanceof RetryableError, `onRetry saw ${error.name}`);
    assertEquals(error.sqlState, "40001");
    assertEquals(attempt, 1);
    // The first attempt wrote the bar and was rolled back; the second wrote it again.
    assertEquals(result.inserted, 1);
    assertEquals(result.updated, 0);
    assertEquals(await countBars(db, tenant), 1);
    assertEquals(await asApp(db.backend, tenant, (tx) => tx.query(SKEW_READ)), [{ total: 1 }]);
  },
);

serverTest(
  "without a retry policy the same serialization failure surfaces as RetryableError and nothing is written",
  async (db) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "k1", "k2");
    const backend = skewed(db.connect({ max: 2 }), db.connect({ max: 1 }), tenant, 1);
    await using client = await createClient({ backend });
    const err = await assertRejects(
      () => client.withTenant(tenant, (t) => t.upsertBars([BAR])),
      RetryableError,
    );
    assertEquals(backend.calls, 1);
    assertMapped(err, {
      code: "MDS_RETRYABLE",
      sqlState: "40001",
      driver: "postgres",
      query: { text: SKEW_WRITE, params: ["k2"] },
    });
    assertEquals(await countBars(db, tenant), 0);
    // The next unit of work succeeds.
    assertEquals((await client.withTenant(tenant, (t) => t.upsertBars([BAR]))).inserted, 1);
    assertEquals(await countBars(db, tenant), 1);
  },
);

/**
 * A backend whose first `failures` transactions lose their connection: before the work runs, a
 * second pool terminates the transaction's own server session.
 */
function sabotaged(real: Backend, killer: Backend, failures: number): Backend {
  let calls = 0;
  return wrapBackend(
    real,
    <T>(fn: (tx: Transaction) => Promise<T>) =>
      real.transaction(async (tx) => {
        if (calls++ < failures) {
          const [me] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await killer.query("SELECT pg_terminate_backend($1, 5000)", [me!.pid]);
        }
        return await fn(tx);
      }),
  );
}

serverTest(
  "a lost connection is retried by the client's retry policy, the write happens once, and the process survives",
  async (db) => {
    using trap = trapUncaught();
    const tenant = newTenant();
    const seen: MdsError[] = [];
    await using client = await createClient({
      backend: sabotaged(db.connect({ max: 2 }), db.backend, 1),
      retry: { attempts: 3, baseDelayMs: 10, onRetry: (error) => seen.push(error) },
    });
    const result = await client.withTenant(tenant, (t) => t.upsertBars([BAR]));
    assertEquals(seen.length, 1, `one retry: ${seen.map((e) => e.message).join("; ")}`);
    assertConnectionLost(seen[0]);
    assertEquals(result.inserted, 1);
    assertEquals(await countBars(db, tenant), 1);
    await assertNothingUncaught(trap);
  },
);

// --- undefined parameters -------------------------------------------------------------------

async function assertUndefinedRefused(db: Backend): Promise<void> {
  const err = await assertRejects(() => db.query("SELECT $1::int AS x", [undefined]), MdsError);
  assertEquals(err.code, "MDS_VALIDATION");
  assertEquals(err.sqlState, undefined);
  const inTx = await assertRejects(
    () => db.transaction((tx) => tx.query("SELECT $1::int, $2::int", [1, undefined])),
    MdsError,
  );
  assertEquals(inTx.code, "MDS_VALIDATION");
}

serverTest(
  "undefined as a parameter is refused with MDS_VALIDATION on PostgreSQL",
  async (db) => {
    await assertUndefinedRefused(db.backend);
  },
);

Deno.test("undefined as a parameter is refused before any I/O on both backends", async () => {
  // Neither backend can reach a database here: any I/O would fail differently.
  await using unreachable = createPostgresBackend({
    url: `postgres://x@127.0.0.1:${closedPort()}/x`,
    max: 1,
  });
  const closed = await createPgliteBackend();
  await closed.close();
  for (const db of [unreachable, closed]) {
    const err = await assertRejects(() => db.query("SELECT $1::int", [undefined]), MdsError);
    assertEquals(err.code, "MDS_VALIDATION", `${db.kind}: ${err.message}`);
  }
});

// --- PGlite maps the same way ---------------------------------------------------------------

backendSuite("PGlite maps errors the way PostgreSQL does", {
  "a duplicate job idempotency key is a ConstraintViolationError with SQLSTATE 23505": async (
    db,
  ) => {
    const tenant = newTenant();
    await enqueue(db.backend, tenant, "dup");
    const params = ["dup", "refresh"];
    const err = await rejectsAsApp(
      db.backend,
      tenant,
      ConstraintViolationError,
      (tx) => tx.query(ENQUEUE, params),
    );
    assertMapped(err, {
      code: "MDS_CONSTRAINT",
      sqlState: "23505",
      driver: "pglite",
      query: { text: ENQUEUE, params },
    });
    assertEquals(err.constraint, "jobs_tenant_idempotency_key");
  },
  "a row of another tenant is a TenantDeniedError with SQLSTATE 44000": async (db) => {
    const params = barParams(newTenant(), BAR);
    const err = await rejectsAsApp(
      db.backend,
      newTenant(),
      TenantDeniedError,
      (tx) => tx.query(INSERT_BAR, params),
    );
    assertMapped(err, {
      code: "MDS_TENANT_DENIED",
      sqlState: "44000",
      driver: "pglite",
      query: { text: INSERT_BAR, params },
    });
  },
  "undefined as a parameter is refused with MDS_VALIDATION": async (db) => {
    await assertUndefinedRefused(db.backend);
  },
}, { only: ["pglite"] });
