// Tenant isolation proven from the catalog: every table and view the store has is found in
// pg_catalog (not a hand list) and probed as the application role. A table added without a view,
// a view without a sample row below, or a grant too many makes this suite fail.
import {
  type Backend,
  MdsError,
  PermissionDeniedError,
  type Queryable,
  TenantDeniedError,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

/** One valid row per writable view, without tenant_id. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  bars: {
    ts: "2024-01-02T14:30:00Z",
    vendor: "v",
    symbol: "ISO",
    timeframe: "1m",
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
  },
  fundamentals: { asof: "2024-01-02", vendor: "v", symbol: "ISO", eps: 1.2 },
  news: {
    published_at: "2024-01-02T14:30:00Z",
    vendor: "v",
    id: "n1",
    title: "t",
    symbols: "{ISO}",
  },
  option_snapshots: {
    ts: "2024-01-02T14:30:00Z",
    vendor: "v",
    symbol: "ISO",
    expiry: "2024-01-19",
    option_type: "C",
    strike: 100,
  },
  // recent: on TimescaleDB the 14-day retention job would drop an older chunk mid-test
  quotes_l1: {
    ts: new Date(Date.now() - 3_600_000).toISOString(),
    vendor: "v",
    symbol: "ISO",
    bid: 1,
    ask: 1.01,
  },
  latest_prices: {
    symbol: "ISO",
    vendor: "v",
    as_of: "2024-01-02T14:31:00Z",
    price: 1.5,
    timeframe: "1m",
  },
  ingest_cursors: {
    dataset: "bars",
    vendor: "v",
    symbol: "ISO",
    timeframe: "1m",
    last_ts: "2024-01-02T14:30:00Z",
  },
  jobs: { idempotency_key: "k1", job_type: "backfill" },
  symbol_universe: { symbol: "ISO", tier: "T1", timeframes: "{1m,1d}" },
  unfillable_ranges: {
    symbol: "ISO",
    timeframe: "1d",
    start_ts: "2024-01-02T00:00:00Z",
    end_ts: "2024-01-03T00:00:00Z",
    reason: "halted",
    retry_after: "2024-02-01T00:00:00Z",
  },
  // the hash is write-only for the application role: inserted here, never read back
  api_keys: { name: "iso", secret_hash: new Uint8Array(32) },
  // a pulse event too large for a notification, stashed for its listeners
  pulse_events: { payload: '{"v":1,"stream":"options","symbol":"ISO"}' },
  macro_series: { key: "ISO", title: "Isolation" },
  macro_observations: { key: "ISO", date: "2024-01-02", value: 1.5, realtime_start: "2024-01-03" },
};

/** Store-wide tables that hold no tenant data, each shown (if at all) by a read-only view. */
const GLOBAL_TABLES = ["schema_migrations", "history_horizon"];
/** Read-only views of store-wide facts: no tenant_id column. */
const GLOBAL_VIEWS = ["schema_version", "history_range"];

interface Relation {
  schema: string;
  name: string;
  kind: string;
  insertable: boolean;
}

async function relations(db: Backend, schema: string): Promise<Relation[]> {
  return await db.query<Relation>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
            (c.relkind = 'v' AND has_table_privilege('mds_app', c.oid, 'INSERT')) AS insertable
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm')
     ORDER BY c.relname`,
    [schema],
  );
}

function insertSql(
  view: string,
  row: Record<string, unknown>,
): { text: string; params: unknown[] } {
  const cols = Object.keys(row);
  return {
    text: `INSERT INTO mds.${view} (${cols.join(", ")}) VALUES (${
      cols.map((_, i) => `$${i + 1}`).join(", ")
    })`,
    params: Object.values(row),
  };
}

async function insert(tx: Queryable, view: string, row: Record<string, unknown>): Promise<void> {
  const q = insertSql(view, row);
  await tx.query(q.text, q.params);
}

async function expectRejected<E extends Error>(
  db: Backend,
  tenant: string | null,
  type: abstract new (...args: never[]) => E,
  fn: (tx: Queryable) => Promise<unknown>,
): Promise<E> {
  return await assertRejects(() => asApp(db, tenant, fn), type);
}

const A = newTenant();
const B = newTenant();

backendSuite("tenant isolation (from the catalog)", {
  "every base table in mds_core is reachable through exactly one view in mds": async (db) => {
    const tables = (await relations(db.backend, "mds_core")).filter((r) =>
      r.kind === "r" || r.kind === "p"
    )
      .map((r) => r.name).filter((n) => !GLOBAL_TABLES.includes(n));
    assert(tables.length >= 7, `found only ${tables.length} tables`);
    for (const table of tables) {
      const views = await db.backend.query<{ view: string }>(
        `SELECT DISTINCT v.relname AS view FROM pg_depend d
         JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
         JOIN pg_namespace vn ON vn.oid = v.relnamespace
         JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         WHERE tn.nspname = 'mds_core' AND t.relname = $1 AND vn.nspname = 'mds'`,
        [table],
      );
      assertEquals(
        views.map((v) => v.view),
        [table],
        `mds_core.${table} needs the view mds.${table}`,
      );
    }
  },
  "the application role may write exactly the tenant views, and nothing else in the store": async (
    db,
  ) => {
    const rows = await db.backend.query<{ rel: string }>(
      `SELECT n.nspname || '.' || c.relname AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('mds', 'mds_core') AND c.relkind IN ('r', 'p', 'v', 'm')
         AND (has_table_privilege('mds_app', c.oid, 'INSERT') OR has_table_privilege('mds_app', c.oid, 'UPDATE')
           OR has_table_privilege('mds_app', c.oid, 'DELETE') OR has_table_privilege('mds_app', c.oid, 'TRUNCATE'))
       ORDER BY 1`,
    );
    assertEquals(rows.map((r) => r.rel), Object.keys(SAMPLES).sort().map((v) => `mds.${v}`));
  },
  "every writable view has a sample row here, and tenant A's rows can be written through it":
    async (db) => {
      const writable = (await relations(db.backend, "mds")).filter((r) => r.insertable).map((r) =>
        r.name
      );
      assertEquals(writable.sort(), Object.keys(SAMPLES).sort());
      await asApp(db.backend, A, async (tx) => {
        for (const view of writable) await insert(tx, view, SAMPLES[view]!);
      });
      // a correction of each versioned row, so the read-only history views hold A's old versions
      await asApp(db.backend, A, async (tx) => {
        await tx.query("UPDATE mds.bars SET volume = volume + 1");
        await tx.query("UPDATE mds.fundamentals SET eps = eps + 1");
        await tx.query("UPDATE mds.option_snapshots SET volume = coalesce(volume, 0) + 1");
      });
    },
  "tenant A sees its rows in every view and tenant B sees none of them": async (db) => {
    const views = await relations(db.backend, "mds");
    assert(views.length >= 10);
    for (const view of views) {
      if (GLOBAL_VIEWS.includes(view.name)) continue;
      const mine = await asApp(
        db.backend,
        A,
        (tx) => tx.query(`SELECT tenant_id FROM mds.${view.name}`),
      );
      assert(mine.length > 0, `positive control: tenant A should see its rows in mds.${view.name}`);
      assert(mine.every((r) => r.tenant_id === A), `mds.${view.name} showed another tenant to A`);
      const theirs = await asApp(
        db.backend,
        B,
        (tx) => tx.query(`SELECT tenant_id FROM mds.${view.name}`),
      );
      assertEquals(
        theirs,
        [],
        `tenant B saw tenant A's rows in mds.${view.name}: ${
          JSON.stringify(theirs)
        } (A=${A}, B=${B})`,
      );
      const nobody = await asApp(
        db.backend,
        null,
        (tx) => tx.query(`SELECT tenant_id FROM mds.${view.name}`),
      );
      assertEquals(nobody, [], `with no tenant set, mds.${view.name} returned rows`);
    }
  },
  "every writable view rejects a row of tenant B written in tenant A's scope (44000)": async (
    db,
  ) => {
    for (const view of Object.keys(SAMPLES)) {
      const err = await expectRejected(
        db.backend,
        A,
        TenantDeniedError,
        (tx) => insert(tx, view, { ...SAMPLES[view], tenant_id: B }),
      );
      assertEquals(err.sqlState, "44000", `mds.${view}`);
    }
  },
  "with no tenant set every write is rejected": async (db) => {
    const c = newTenant(); // no rows yet, so no key conflict can fire before the check option
    for (const view of Object.keys(SAMPLES)) {
      const err = await expectRejected(
        db.backend,
        null,
        TenantDeniedError,
        (tx) => insert(tx, view, { ...SAMPLES[view], tenant_id: c }),
      );
      assertEquals(err.sqlState, "44000", `mds.${view}`);
    }
  },
  "tenant B can neither update nor delete tenant A's rows, nor move its own rows to A": async (
    db,
  ) => {
    for (const view of Object.keys(SAMPLES)) {
      const touched = await asApp(db.backend, B, async (tx) => [
        ...(await tx.query(`UPDATE mds.${view} SET tenant_id = tenant_id RETURNING 1`)),
        ...(await tx.query(`DELETE FROM mds.${view} RETURNING 1`)),
      ]);
      assertEquals(touched, [], `tenant B changed rows through mds.${view}`);
      const moved = await asApp(
        db.backend,
        A,
        (tx) => tx.query(`SELECT count(*)::int AS n FROM mds.${view}`),
      );
      assert((moved[0]?.n as number) > 0, `tenant A's rows in mds.${view} survived`);
    }
    await asApp(
      db.backend,
      B,
      (tx) => insert(tx, "bars", { ...SAMPLES.bars, ts: "2024-01-03T14:30:00Z" }),
    );
    const err = await expectRejected(
      db.backend,
      B,
      TenantDeniedError,
      (tx) => tx.query(`UPDATE mds.bars SET tenant_id = $1`, [A]),
    );
    assertEquals(err.sqlState, "44000");
  },
  "the private schema is denied to the application role (42501)": async (db) => {
    const tables = await relations(db.backend, "mds_core");
    assert(tables.length >= 8);
    for (const table of tables) {
      const err = await expectRejected(
        db.backend,
        A,
        PermissionDeniedError,
        (tx) => tx.query(`SELECT 1 FROM mds_core.${table.name} LIMIT 1`),
      );
      assertEquals(err.sqlState, "42501");
    }
  },
  "TimescaleDB's chunks, compressed chunks and aggregate internals are denied to the application role":
    async (db: TestDb) => {
      if (db.name !== "timescale") return;
      // A compressed chunk must exist for the check to cover one.
      await db.backend.query("SELECT compress_chunk(c) FROM show_chunks('mds_core.bars') c");
      // Every relation that holds tenant rows, from TimescaleDB's own catalog. Its catalog tables
      // themselves (chunk sizes, constraints) are readable by PUBLIC by design and hold no rows.
      const internals = await db.backend.query<{ schema: string; name: string }>(
        `SELECT schema_name AS schema, table_name AS name FROM _timescaledb_catalog.chunk
       UNION SELECT schema_name, table_name FROM _timescaledb_catalog.hypertable WHERE schema_name <> 'mds_core'
       UNION SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = '_timescaledb_internal' AND c.relkind = 'v'
           AND (c.relname LIKE '\\_partial\\_view\\_%' ESCAPE '\\' OR c.relname LIKE '\\_direct\\_view\\_%' ESCAPE '\\')
       ORDER BY 1, 2`,
      );
      const names = internals.map((r) => r.name).join(" ");
      assert(
        /_hyper_\d+_\d+_chunk/.test(names),
        `positive control: a bars chunk exists (${names})`,
      );
      assert(
        /compress_hyper_\d+_\d+_chunk/.test(names),
        `positive control: a compressed chunk exists`,
      );
      assert(
        /_materialized_hypertable_\d+/.test(names),
        `positive control: aggregate storage exists`,
      );
      let denied = 0;
      for (const rel of internals) {
        const [grant] = await db.backend.query<{ can: boolean }>(
          "SELECT has_table_privilege('mds_app', format('%I.%I', $1::text, $2::text), 'SELECT') AS can",
          [rel.schema, rel.name],
        );
        assertEquals(grant?.can, false, `mds_app may read ${rel.schema}.${rel.name}`);
        // TimescaleDB's planner refuses some internals (compressed chunks) before PostgreSQL's
        // permission check runs; either way the read must fail.
        const err = await expectRejected(
          db.backend,
          A,
          MdsError,
          (tx) => tx.query(`SELECT 1 FROM ${rel.schema}.${rel.name} LIMIT 1`),
        );
        if (err.sqlState === "42501") denied++;
      }
      assert(
        denied >= internals.length - 2,
        `only ${denied} of ${internals.length} reads said 42501`,
      );
    },
});
