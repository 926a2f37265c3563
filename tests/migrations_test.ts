import {
  type Backend,
  createPostgresBackend,
  migrate,
  MigrationDriftError,
  migrationStatus,
  plan,
  stamp,
} from "@mds/client";
import { MdsError, MIGRATION_FILES, type MigrationFile } from "@mds/sql";
import { assert, assertEquals, assertIncludes, assertRejects } from "../testing/assert.ts";
import { backendSuite, openTestDb, type TestDb } from "../testing/backends.ts";

/** Everything the migrations create, as text, to compare before and after a second run. */
async function catalog(db: Backend): Promise<string> {
  const rows = await db.query<{ line: string }>(`
    SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' ||
           coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum), '') AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname IN ('mds', 'mds_core')
    GROUP BY n.nspname, c.relname, c.relkind ORDER BY 1`);
  const applied = await db.query<{ line: string }>(
    "SELECT version || ' ' || name || ' ' || checksum AS line FROM mds_core.schema_migrations ORDER BY version",
  );
  return [...rows, ...applied].map((r) => r.line).join("\n");
}

const modeOf = (db: TestDb) => db.name === "timescale" ? "timescale" : "plain";
const timescaleOption = (db: TestDb) =>
  db.name === "timescale" ? "require" as const : "off" as const;

backendSuite("migrate()", {
  "applies every shipped file on an empty database, in order": async (db) => {
    const status = await migrationStatus(db.backend);
    assertEquals(status.mode, modeOf(db));
    assertEquals(status.version, MIGRATION_FILES.length);
    assertEquals(status.entries.map((e) => e.state), MIGRATION_FILES.map(() => "applied"));
    assertEquals(
      status.entries.map((e) => e.timescale),
      MIGRATION_FILES.map(() => db.name === "timescale"),
    );
  },
  "a second run applies nothing and changes no object": async (db) => {
    const before = await catalog(db.backend);
    const again = await migrate(db.backend, { timescale: timescaleOption(db) });
    assertEquals(again.applied, []);
    assertEquals(await catalog(db.backend), before);
  },
  "plan() lists nothing once everything is applied": async (db) => {
    assertEquals((await plan(db.backend)).steps, []);
  },
}, { migrated: true });

async function freshDb(name: TestDb["name"]) {
  return await openTestDb(name, { migrated: false });
}

backendSuite("migration runner", {
  "two runners started at once apply each file exactly once": async (db) => {
    await using fresh = await freshDb(db.name);
    const second = fresh.url ? createPostgresBackend({ url: fresh.url, max: 2 }) : fresh.backend;
    try {
      const opts = { timescale: timescaleOption(db) };
      const [a, b] = await Promise.all([migrate(fresh.backend, opts), migrate(second, opts)]);
      assertEquals([...a.applied, ...b.applied].sort(), MIGRATION_FILES.map((f) => f.name));
      const counts = await fresh.backend.query<{ version: number; n: number }>(
        "SELECT version, count(*)::int AS n FROM mds_core.schema_migrations GROUP BY version ORDER BY version",
      );
      assertEquals(counts.map((c) => c.n), MIGRATION_FILES.map(() => 1));
    } finally {
      if (second !== fresh.backend) await second.close();
    }
  },
  "a changed applied file shows as drifted and migrate refuses, naming it": async (db) => {
    await using fresh = await freshDb(db.name);
    const opts = { timescale: timescaleOption(db) };
    await migrate(fresh.backend, opts);
    const edited: MigrationFile[] = MIGRATION_FILES.map((f) =>
      f.name.startsWith("0003_") ? { name: f.name, sql: f.sql + "\n-- edited after release\n" } : f
    );
    const status = await migrationStatus(fresh.backend, { files: edited });
    const drifted = status.entries.filter((e) => e.state === "drifted");
    assertEquals(drifted.map((e) => e.name), ["0003_jobs_outbox.sql"]);
    const err = await assertRejects(
      () => migrate(fresh.backend, { ...opts, files: edited }),
      MigrationDriftError,
    );
    assertEquals(err.code, "MDS_MIGRATION_DRIFT");
    assertIncludes(err.message, '"0003_jobs_outbox.sql"');
  },
  "a file marked no-transaction runs statements outside a transaction": async (db) => {
    await using fresh = await freshDb(db.name);
    const files: MigrationFile[] = [
      { name: "0001_t.sql", sql: "CREATE TABLE public.t (x int);" },
      {
        name: "0002_idx.sql",
        sql:
          "-- mds:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_x_idx ON public.t (x);\n",
      },
    ];
    const result = await migrate(fresh.backend, { files, timescale: "off" });
    assertEquals(result.applied, ["0001_t.sql", "0002_idx.sql"]);
    const idx = await fresh.backend.query("SELECT 1 FROM pg_indexes WHERE indexname = 't_x_idx'");
    assertEquals(idx.length, 1);
    // The same statement without the marker fails: proof that the marker changed how it ran.
    const inTx: MigrationFile[] = [{
      name: "0003_idx.sql",
      sql: "CREATE INDEX CONCURRENTLY t_y_idx ON public.t (x);",
    }];
    const err = await assertRejects(
      () => migrate(fresh.backend, { files: [...files, ...inTx], timescale: "off" }),
      MdsError,
    );
    assertEquals(err.code, "MDS_MIGRATION_FAILED");
    assertIncludes(err.message, '"0003_idx.sql" failed at statement 1 of 1');
  },
  "a failing file is rolled back, not recorded, and named with its statement": async (db) => {
    await using fresh = await freshDb(db.name);
    const files: MigrationFile[] = [
      { name: "0001_ok.sql", sql: "CREATE TABLE public.ok (x int);" },
      { name: "0002_bad.sql", sql: "CREATE TABLE public.half (x int);\nSELECT 1/0;" },
    ];
    const err = await assertRejects(
      () => migrate(fresh.backend, { files, timescale: "off" }),
      MdsError,
    );
    assertEquals([err.code, err.sqlState], ["MDS_MIGRATION_FAILED", "22012"]);
    assertIncludes(err.message, '"0002_bad.sql" failed at statement 2 of 2');
    const status = await migrationStatus(fresh.backend, { files });
    assertEquals(status.entries.map((e) => e.state), ["applied", "pending"]);
    assertEquals((await fresh.backend.query("SELECT to_regclass('public.half') AS t"))[0], {
      t: null,
    });
  },
  "stamp() marks files applied without running them; plan() shows the rest": async (db) => {
    await using fresh = await freshDb(db.name);
    const stamped = await stamp(fresh.backend, { through: 1, timescale: "off" });
    assertEquals(stamped, ["0001_schemas_and_app_role.sql"]);
    assertEquals((await fresh.backend.query("SELECT to_regnamespace('mds') AS s"))[0], { s: null });
    const p = await plan(fresh.backend, { timescale: "off" });
    assertEquals(p.steps.map((s) => s.version), MIGRATION_FILES.slice(1).map((_, i) => i + 2));
    assert(p.steps[0]!.statements.some((s) => s.includes("CREATE TABLE mds_core.bars (")));
  },
}, { migrated: false });

backendSuite("migration lock", {
  "a runner gives up after lockTimeoutMs while another holds the lock": async (db) => {
    await using fresh = await freshDb(db.name);
    const holder = createPostgresBackend({ url: fresh.url!, max: 1 });
    try {
      await holder.session(async (conn) => {
        await conn.query("SELECT pg_advisory_lock(727274001)");
        const started = performance.now();
        const err = await assertRejects(
          () => migrate(fresh.backend, { lockTimeoutMs: 200, timescale: "off" }),
          MdsError,
        );
        assertEquals(err.code, "MDS_MIGRATION_LOCK");
        assert(performance.now() - started < 10_000);
        await conn.query("SELECT pg_advisory_unlock(727274001)");
      });
    } finally {
      await holder.close();
    }
  },
}, { migrated: false, only: ["postgres"] });

backendSuite("TimescaleDB detection", {
  "auto mode stays plain on a server that has TimescaleDB's files but does not preload it": async (
    db,
  ) => {
    await using fresh = await freshDb(db.name);
    const [row] = await fresh.backend.query<{ files: boolean }>(
      "SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb') AS files",
    );
    const result = await migrate(fresh.backend, { timescale: "auto" });
    assertEquals(result.mode, "plain", `extension files installed: ${row?.files}`);
    await using other = await freshDb(db.name);
    const err = await assertRejects(
      () => migrate(other.backend, { timescale: "require" }),
      MdsError,
    );
    assertEquals(err.code, "MDS_REQUIRES_TIMESCALE");
  },
}, { migrated: false, only: ["postgres"] });
