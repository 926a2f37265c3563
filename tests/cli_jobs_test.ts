// `mds jobs list|stats|requeue|purge`, `mds cursors` and `mds gaps` end to end: each command
// runs as a real subprocess (`deno run cli/main.ts`) on an embedded store in a temporary
// directory, and on PostgreSQL when MDS_TEST_DATABASE_URL is set. The store is prepared in
// process with the client (dead jobs, a week of 1m bars with three removed), then closed.
import { createClient, createPostgresBackend, type MdsClient, migrate } from "@mds/client";
import { NyseCalendar } from "@mds/client/calendar";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, type Run } from "../testing/cli.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";

/** Runs `mds args` with `env` and fails unless it exits with `code`. */
function run(code: number, args: readonly string[], env: Env): Promise<Run> {
  return expectExit(code, args, { env });
}

// deno-lint-ignore no-explicit-any
const lines = (stdout: string): any[] => jsonLines(stdout);

const WEEK = ["--start", "2024-07-01T00:00:00Z", "--end", "2024-07-06T00:00:00Z"];
const REMOVED = ["2024-07-01T15:00:00Z", "2024-07-03T16:59:00Z", "2024-07-05T19:59:00Z"];

/** Three dead jobs (one dead for two hours) and a week of SPY 1m bars missing three. */
async function prepare(client: MdsClient, tenant: string): Promise<Record<string, string>> {
  const t = client.tenant(tenant);
  const ids: Record<string, string> = {};
  for (const [key, type] of [["a", "fetch"], ["b", "fetch"], ["c", "refresh"], ["q", "fetch"]]) {
    ids[key!] = (await t.enqueueJob({ idempotency_key: key!, job_type: type! })).id;
  }
  for (const job of await t.claimJobs({ worker: "w", limit: 3 })) {
    await t.failJob(job.id, "Vendor down", { retryable: false, code: "E503" });
  }
  await client.backend.query(
    "UPDATE mds_core.jobs SET updated_at = updated_at - interval '2 hours' WHERE id = $1",
    [ids.a],
  );
  const bars = [];
  for (const s of new NyseCalendar().sessions(new Date(WEEK[1]!), new Date(WEEK[3]!))) {
    for (let m = s.open.getTime(); m < s.close.getTime(); m += 60_000) {
      if (REMOVED.includes(new Date(m).toISOString().replace(".000", ""))) continue;
      bars.push({
        ts: m,
        vendor: "v",
        symbol: "SPY",
        timeframe: "1m",
        open: 1,
        high: 1,
        low: 1,
        close: 1,
      });
    }
  }
  await t.upsertBars(bars);
  return ids;
}

async function steps(env: Env, ids: Record<string, string>, t: Deno.TestContext) {
  await t.step("mds jobs stats counts jobs by type and state", async () => {
    const out = await run(0, ["jobs", "stats", "--json"], env);
    assertEquals(lines(out.stdout), [
      { job_type: "fetch", state: "queued", jobs: 1 },
      { job_type: "fetch", state: "dead", jobs: 2 },
      { job_type: "refresh", state: "dead", jobs: 1 },
    ]);
    const table = await run(0, ["jobs", "stats"], env);
    assertIncludes(table.stdout, "job_type");
  });

  await t.step("mds jobs list shows the dead letters, by type and age", async () => {
    const all = lines((await run(0, ["jobs", "list", "--json"], env)).stdout);
    assertEquals(all.map((j) => j.id).sort(), [ids.a, ids.b, ids.c].sort());
    assert(all.every((j) => j.state === "dead" && j.last_error_code === "E503"));
    const refresh = await run(0, ["jobs", "list", "--type", "refresh", "--json"], env);
    assertEquals(lines(refresh.stdout).map((j) => j.id), [ids.c]);
    const old = await run(0, ["jobs", "list", "--older-than", "1h", "--json"], env);
    assertEquals(lines(old.stdout).map((j) => j.id), [ids.a]);
    const queued = await run(0, ["jobs", "list", "--state", "queued", "--json"], env);
    assertEquals(lines(queued.stdout).map((j) => j.id), [ids.q]);
    const table = await run(0, ["jobs", "list"], env);
    assertIncludes(table.stdout, "Vendor down");
  });

  await t.step("mds jobs requeue puts named dead jobs back and fails on the others", async () => {
    const out = await run(0, ["jobs", "requeue", ids.b!, "--json"], env);
    assertEquals(lines(out.stdout), [{ requeued: 1, ids: ids.b }]);
    const again = await run(1, ["jobs", "requeue", ids.b!, ids.c!], env);
    assertIncludes(again.stderr, `not requeued (no such dead job): ${ids.b}`);
    const list = lines((await run(0, ["jobs", "list", "--json"], env)).stdout);
    assertEquals(list.map((j) => j.id), [ids.a], "c was requeued by the second call");
  });

  await t.step("mds jobs purge deletes dead jobs older than --older-than", async () => {
    const young = await run(0, ["jobs", "purge", "--older-than", "3h", "--json"], env);
    assertEquals(lines(young.stdout), [{ purged: 0 }]);
    const old = await run(0, ["jobs", "purge", "--older-than", "90m", "--json"], env);
    assertEquals(lines(old.stdout), [{ purged: 1 }]);
    assertEquals((await run(0, ["jobs", "list", "--json"], env)).stdout, "");
  });

  await t.step("mds jobs requeue --all requeues every dead job of a type", async () => {
    const out = await run(0, ["jobs", "requeue", "--all", "--type", "fetch", "--json"], env);
    assertEquals(lines(out.stdout), [{ requeued: 0, ids: "" }]);
  });

  await t.step("mds cursors lists the newest ingested time of each series", async () => {
    const out = await run(0, ["cursors", "--json"], env);
    const [cursor, ...rest] = lines(out.stdout);
    assertEquals(rest, []);
    assertEquals(
      [cursor.dataset, cursor.symbol, cursor.vendor, cursor.timeframe, cursor.last_ts],
      ["bars", "SPY", "v", "1m", "2024-07-05T19:58:00.000Z"],
    );
    assert(cursor.lag_seconds > 0);
    assertEquals((await run(0, ["cursors", "--symbol", "qqq", "--json"], env)).stdout, "");
    assertIncludes((await run(0, ["cursors"], env)).stdout, "lag_seconds");
  });

  await t.step("mds gaps prints the missing bars and requests one backfill per gap", async () => {
    const args = ["gaps", "--symbol", "SPY", "--timeframe", "1m", ...WEEK];
    const out = await run(0, [...args, "--json"], env);
    assertEquals(
      lines(out.stdout),
      REMOVED.map((start) => ({
        start: new Date(start).toISOString(),
        end: new Date(Date.parse(start) + 60_000).toISOString(),
        missing_bars: 1,
      })),
    );
    assertIncludes(out.stderr, "3 gaps, 3 missing bars");
    const table = await run(0, args, env);
    assertIncludes(table.stdout, "missing_bars");
    const requested = await run(
      0,
      [...args, "--request-backfill", "--tier", "T0", "--json"],
      env,
    );
    const rows = lines(requested.stdout);
    assertEquals(rows.map((r) => r.created), [true, true, true]);
    const again = lines(
      (await run(0, [...args, "--request-backfill", "--json"], env)).stdout,
    );
    assertEquals(again.map((r) => [r.job_id, r.created]), rows.map((r) => [r.job_id, false]));
    const stats = lines((await run(0, ["jobs", "stats", "--json"], env)).stdout);
    assertEquals(stats.find((s) => s.job_type === "backfill"), {
      job_type: "backfill",
      state: "queued",
      jobs: 3,
    });
    const allDay = await run(0, [...args, "--calendar", "24x7", "--json"], env);
    assert(lines(allDay.stdout).length > 3, "around the clock, nights are gaps too");
  });

  await t.step("mds gaps and mds jobs refuse bad usage with exit 2", async () => {
    const cases: [string[], string][] = [
      [["gaps", "--symbol", "SPY", ...WEEK, "--tier", "T0"], "--tier applies only with"],
      [["gaps", "--symbol", "SPY", ...WEEK, "--calendar", "lse"], "--calendar"],
      [["gaps", "--symbol", "SPY", "--start", "2024-07-01T00:00:00Z"], "--end"],
      [["jobs", "purge"], "--older-than"],
      [["jobs", "purge", "--older-than", "soon"], "--older-than must be a duration"],
      [["jobs", "requeue"], "Name the jobs to requeue, or pass --all"],
      [["jobs", "list", "--state", "lost"], "--state"],
      [["jobs", "list", "--limit", "0"], "--limit must be a whole number"],
    ];
    for (const [args, message] of cases) {
      const out = await run(2, args, env);
      assertIncludes(out.stderr, message);
    }
    const noTenant = { ...env };
    delete noTenant.MDS_TENANT_ID;
    for (const args of [["jobs", "stats"], ["cursors"], ["gaps", "--symbol", "A", ...WEEK]]) {
      const out = await run(2, args, noTenant);
      assertIncludes(out.stderr, "No tenant: pass --tenant or set MDS_TENANT_ID");
    }
  });
}

Deno.test("mds jobs, cursors and gaps on an embedded store", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mds_cli_jobs_" });
  try {
    const tenant = newTenant();
    let ids: Record<string, string>;
    {
      await using client = await createClient({ dataDir: `${dir}/data` });
      ids = await prepare(client, tenant);
    }
    await steps(cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: tenant }), ids, t);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const postgresUrl = serverUrl("postgres");
Deno.test({
  name: postgresUrl
    ? "mds jobs, cursors and gaps on PostgreSQL"
    : "mds jobs, cursors and gaps on PostgreSQL skipped: set MDS_TEST_DATABASE_URL",
  ignore: !postgresUrl,
  fn: async (t) => {
    const db = await createServerDatabase(postgresUrl!);
    try {
      const tenant = newTenant();
      let ids: Record<string, string>;
      {
        await using backend = createPostgresBackend({ url: db.url, max: 2 });
        await migrate(backend, { timescale: "off" });
        await using client = await createClient({ backend });
        ids = await prepare(client, tenant);
      }
      await steps(cleanEnv({ MDS_DATABASE_URL: db.url, MDS_TENANT_ID: tenant }), ids, t);
    } finally {
      await db.drop();
    }
  },
});
