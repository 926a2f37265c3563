// Continuous-aggregate refreshes under concurrency (TimescaleDB only). The flaky "refresh
// materialised nothing" steps of admin_test and cli_test were the tests' own setup: an earlier
// step set a 400-day retention on bars, TimescaleDB ran the new retention job at once, and it
// dropped the 2024 chunk the refresh step had just written. These tests pin down what the
// product does around it: a refresh racing a policy job of the same aggregate, two refreshes at
// once, and a refresh of a window whose raw bars retention dropped (reported, not silent).
import { createClient, type MdsClient, RetryableError } from "@mds/client";
import { assert, assertEquals } from "../testing/assert.ts";
import { openTestDb, serverUrl } from "../testing/backends.ts";
import { newTenant } from "../testing/backends.ts";

const URL_ = serverUrl("timescale");
const ROUNDS = 20;
const DAY_MS = 86_400_000;

async function insertDay(
  client: MdsClient,
  tenant: string,
  day: number,
): Promise<void> {
  await client.backend.query(
    `INSERT INTO mds_core.bars (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume)
     SELECT $1::uuid, $2::timestamptz + interval '14 hours 30 minutes' + i * interval '1 minute',
            'v', 'RACE', '1m', i + 1, i + 2, i + 0.5, i + 1.5, 10
     FROM generate_series(0, 59) AS i`,
    [tenant, new Date(day).toISOString()],
  );
}

async function bucketsOf(client: MdsClient, tenant: string): Promise<number> {
  const [cagg] = await client.backend.query<{ s: string; n: string }>(
    `SELECT materialization_hypertable_schema AS s, materialization_hypertable_name AS n
     FROM timescaledb_information.continuous_aggregates WHERE view_name = 'bars_5m'`,
  );
  const [row] = await client.backend.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${cagg!.s}.${cagg!.n} WHERE tenant_id = $1`,
    [tenant],
  );
  return row!.n;
}

async function policyJob(client: MdsClient, proc: string, table: string): Promise<number> {
  const [job] = await client.backend.query<{ id: number }>(
    `SELECT job_id AS id FROM timescaledb_information.jobs
     WHERE proc_name = $1 AND hypertable_name = $2`,
    [proc, table],
  );
  return job!.id;
}

Deno.test({
  name: URL_
    ? `refreshAggregate() racing the bars_5m policy job (CALL run_job in another session) materialises its window, ${ROUNDS} of ${ROUNDS}`
    : "refreshAggregate() racing the policy job skipped: set MDS_TEST_TIMESCALE_URL",
  ignore: !URL_,
  fn: async () => {
    await using db = await openTestDb("timescale");
    await using client = await createClient({ backend: db.backend, migrate: false });
    await using other = await createClient({ backend: db.connect({ max: 1 }), migrate: false });
    // yesterday: inside the policy's 2-day window, so the two refreshes overlap
    const day = Math.floor(Date.now() / DAY_MS - 1) * DAY_MS;
    const job = await policyJob(client, "policy_refresh_continuous_aggregate", "bars_5m");
    let ok = 0;
    let retried = 0;
    let policyLost = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const tenant = newTenant();
      await insertDay(client, tenant, day);
      // the policy may lose the race instead (55P03): TimescaleDB runs it again on schedule
      const policy = other.backend.session((conn) => conn.query(`CALL run_job(${job})`)).then(
        () => false,
        (err) => {
          if (err?.sqlState !== "55P03") throw err;
          return true;
        },
      );
      await new Promise((r) => setTimeout(r, round % 5)); // vary the interleaving
      const done = await client.timescale.refreshAggregate("bars_5m", {
        start: day,
        end: day + DAY_MS,
      });
      if (await policy) policyLost++;
      retried += done.retries;
      const buckets = await bucketsOf(client, tenant);
      assertEquals(buckets, 12, `round ${round}: ${JSON.stringify(done)}`);
      assert(done.materializedBuckets >= 12 * (round + 1), JSON.stringify(done));
      ok++;
    }
    console.log(
      `REFRESH-RACE ${ok} of ${ROUNDS} rounds materialised; the manual refresh retried ${retried} times after 55P03, the policy run lost ${policyLost} times`,
    );
    assertEquals(ok, ROUNDS);
  },
});

Deno.test({
  name: URL_
    ? "two refreshAggregate() calls of one aggregate at once both succeed, one after the other"
    : "two refreshAggregate() calls at once skipped: set MDS_TEST_TIMESCALE_URL",
  ignore: !URL_,
  fn: async () => {
    await using db = await openTestDb("timescale");
    await using a = await createClient({ backend: db.backend, migrate: false });
    await using b = await createClient({ backend: db.connect({ max: 2 }), migrate: false });
    const day = Math.floor(Date.now() / DAY_MS - 10) * DAY_MS;
    for (let round = 0; round < 5; round++) {
      const tenant = newTenant();
      await insertDay(a, tenant, day + round * DAY_MS);
      const window = { start: day, end: day + (round + 1) * DAY_MS };
      const [x, y] = await Promise.all([
        a.timescale.refreshAggregate("bars_5m", window),
        b.timescale.refreshAggregate("bars_5m", window),
      ]);
      assertEquals([x.materializedBuckets, y.materializedBuckets], [
        12 * (round + 1),
        12 * (round + 1),
      ]);
      assertEquals(await bucketsOf(a, tenant), 12);
    }
  },
});

Deno.test({
  name: URL_
    ? "a refresh of a window whose bars a retention job dropped says 0 buckets from 0 source bars"
    : "a refresh after retention skipped: set MDS_TEST_TIMESCALE_URL",
  ignore: !URL_,
  fn: async () => {
    await using db = await openTestDb("timescale");
    await using client = await createClient({ backend: db.backend, migrate: false });
    const day = Date.UTC(2024, 0, 2);
    const tenant = newTenant();
    await insertDay(client, tenant, day);
    // what the 400-day retention job did under the old flaky steps, done here on purpose; the
    // store's own background jobs (compression) may deadlock with it once: retry then
    for (let attempt = 1;; attempt++) {
      try {
        await client.backend.query(
          "SELECT drop_chunks('mds_core.bars', older_than => INTERVAL '400 days')",
        );
        break;
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt === 5) throw err;
      }
    }
    const done = await client.timescale.refreshAggregate("bars_5m", {
      start: day,
      end: day + DAY_MS,
    });
    assertEquals([done.materializedBuckets, done.sourceBars], [0, 0]);
    assertEquals(await bucketsOf(client, tenant), 0);
  },
});
