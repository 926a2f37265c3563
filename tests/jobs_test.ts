// The job lifecycle over the backend matrix: claims (ordering, leases, SKIP LOCKED under
// concurrency), retries with backoff, the dead state, requeue and purge, backfill requests and
// their tier caps. Time is moved by rewriting timestamps as the superuser, never by sleeping,
// except for the one lease that must really expire.
import {
  CapacityError,
  createClient,
  JobNotFoundError,
  type JobRecord,
  type MdsClient,
  RetryableError,
  type TenantApi,
  ValidationError,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

async function clientFor(db: TestDb): Promise<MdsClient> {
  return await createClient({ backend: db.backend, migrate: false });
}

/** Moves a job's timestamps back by `seconds`, as if that much time had passed. */
async function age(db: TestDb, id: string, seconds: number): Promise<void> {
  await db.backend.query(
    `UPDATE mds_core.jobs SET run_after = run_after - make_interval(secs => $2),
            updated_at = updated_at - make_interval(secs => $2),
            created_at = created_at - make_interval(secs => $2),
            lease_until = lease_until - make_interval(secs => $2),
            finished_at = finished_at - make_interval(secs => $2)
     WHERE id = $1`,
    [id, seconds],
  );
}

async function enqueue(t: TenantApi, n: number, over: Record<string, unknown> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await t.enqueueJob({ idempotency_key: `k${i}`, job_type: "fetch", ...over })).id);
  }
  return ids;
}

const seconds = (a: Date, b: Date) => (a.getTime() - b.getTime()) / 1000;

backendSuite("jobs", {
  "claimJobs() takes the most urgent due jobs first and leases them to the worker": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    await t.enqueueJob({ idempotency_key: "low", job_type: "fetch", priority: 20 });
    await t.enqueueJob({ idempotency_key: "high", job_type: "fetch", priority: -5 });
    await t.enqueueJob({ idempotency_key: "mid", job_type: "fetch", priority: 10 });
    await t.enqueueJob({
      idempotency_key: "future",
      job_type: "fetch",
      priority: -100,
      run_after: Date.now() + 3_600_000,
    });
    await t.enqueueJob({ idempotency_key: "other", job_type: "refresh", priority: -50 });
    const claimed = await t.claimJobs({
      worker: "w1",
      types: ["fetch"],
      limit: 2,
      leaseSeconds: 120,
    });
    assertEquals(claimed.map((j) => j.idempotency_key), ["high", "mid"]);
    for (const j of claimed) {
      assertEquals([j.state, j.attempts, j.locked_by], ["running", 1, "w1"]);
      const lease = seconds(j.lease_until!, j.updated_at);
      assert(Math.abs(lease - 120) < 1, `lease of ${lease} s`);
    }
    const rest = await t.claimJobs({ worker: "w2", limit: 10 });
    assertEquals(rest.map((j) => j.idempotency_key), ["other", "low"], "future job not due");
    assertEquals(await t.claimJobs({ worker: "w3", limit: 10 }), []);
  },

  "claimJobs() validates its options before any work": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    for (
      const bad of [
        { worker: "" },
        { worker: "w", limit: 0 },
        { worker: "w", limit: 1.5 },
        { worker: "w", leaseSeconds: 0 },
        { worker: "w", types: [] },
        { worker: "w", types: ["Bad Type"] },
      ]
    ) {
      await assertRejects(() => t.claimJobs(bad), Error);
    }
    await assertRejects(() => t.completeJob("not-a-uuid"), ValidationError);
  },

  "a crashed worker's job comes back after its lease, to another worker, as attempt 2": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const [id] = await enqueue(t, 1);
    const [first] = await t.claimJobs({ worker: "crashed", leaseSeconds: 1 });
    assertEquals(first?.id, id);
    assertEquals(await t.claimJobs({ worker: "w2" }), [], "leased: not claimable yet");
    await new Promise((r) => setTimeout(r, 1_200));
    const [again] = await t.claimJobs({ worker: "w2", leaseSeconds: 60 });
    assertEquals([again?.id, again?.attempts, again?.locked_by], [id, 2, "w2"]);
    const late = await assertRejects(
      () => t.completeJob(id!, { worker: "crashed" }),
      JobNotFoundError,
    );
    assertEquals([late.code, late.state], ["MDS_NOT_FOUND", "running"]);
    assertEquals((await t.completeJob(id!, { worker: "w2" })).state, "done");
  },

  "a lease that expires on the last attempt sends the job to the dead state": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const [id] = await enqueue(t, 1, { max_attempts: 1 });
    await t.claimJobs({ worker: "crashed", leaseSeconds: 60 });
    await age(db, id!, 61);
    assertEquals(await t.claimJobs({ worker: "w2" }), []);
    const [dead] = await t.listJobs({ state: "dead" });
    assertEquals([dead?.id, dead?.attempts, dead?.last_error_code], [id, 1, "MDS_TIMEOUT"]);
    assertEquals(dead?.last_error, "Lease expired on attempt 1 of 1 (worker crashed)");
  },

  "failJob() retries with exponential backoff and jitter, then the last attempt goes dead": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const [id] = await enqueue(t, 1, { max_attempts: 3 });
    const backoff = { baseSeconds: 10, maxSeconds: 25 };
    // Attempt n waits between half and all of min(25, 10 * 2^(n-1)) seconds.
    const bounds = [[5, 10], [10, 20]];
    for (const [attempt, [low, high]] of bounds.entries()) {
      const [job] = await t.claimJobs({ worker: "w" });
      assertEquals([job?.id, job?.attempts], [id, attempt + 1]);
      const failed = await t.failJob(
        id!,
        new RetryableError("Vendor reset", { sqlState: "08006" }),
        {
          backoff,
        },
      );
      assertEquals([failed.state, failed.last_error, failed.last_error_code], [
        "queued",
        "Vendor reset",
        "08006",
      ]);
      assertEquals([failed.lease_until, failed.attempts], [null, attempt + 1]);
      const delay = seconds(failed.run_after, failed.updated_at);
      assert(delay >= low! && delay <= high!, `attempt ${attempt + 1}: delay ${delay} s`);
      assertEquals(await t.claimJobs({ worker: "w" }), [], "not due during its backoff");
      await age(db, id!, high!);
    }
    const [last] = await t.claimJobs({ worker: "w" });
    assertEquals(last?.attempts, 3);
    const dead = await t.failJob(
      id!,
      new ValidationError({
        kind: "bar",
        field: "close",
        value: -1,
        reason: "must not be negative",
      }),
    );
    assertEquals([dead.state, dead.attempts, dead.last_error_code], ["dead", 3, "MDS_VALIDATION"]);
    assert(dead.finished_at instanceof Date);
    assertEquals(await t.claimJobs({ worker: "w" }), [], "dead jobs are never claimed");
  },

  "failJob() with retryable false goes dead at once, keeping the message and code": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const [a, b, c, d] = await enqueue(t, 4);
    await t.claimJobs({ worker: "w", limit: 4 });
    const one = await t.failJob(a!, "Symbol delisted", { retryable: false });
    assertEquals([one.state, one.attempts, one.last_error, one.last_error_code], [
      "dead",
      1,
      "Symbol delisted",
      null,
    ]);
    const two = await t.failJob(b!, Object.assign(new Error("HTTP 404"), { code: "E404" }), {
      retryable: false,
    });
    assertEquals([two.last_error, two.last_error_code], ["HTTP 404", "E404"]);
    const three = await t.failJob(c!, new Error("x".repeat(10_000)), {
      retryable: false,
      code: "VENDOR_GONE",
    });
    assertEquals([three.last_error?.length, three.last_error_code], [4_000, "VENDOR_GONE"]);
    const four = await t.failJob(d!, "NUL\u0000 and a lone \ud800", { retryable: false });
    assertEquals(four.last_error, "NUL\ufffd and a lone \ufffd", "stored, not refused");
    await assertRejects(() => t.failJob(a!, "again"), JobNotFoundError);
  },

  "completeJob() and failJob() refuse jobs that are not running or of another tenant": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const other = client.tenant(newTenant());
    const [id] = await enqueue(t, 1);
    const queued = await assertRejects(() => t.completeJob(id!), JobNotFoundError);
    assertEquals(queued.state, "queued");
    await t.claimJobs({ worker: "w" });
    const foreign = await assertRejects(() => other.completeJob(id!), JobNotFoundError);
    assertEquals(foreign.state, null);
    await assertRejects(() => other.failJob(id!, "x"), JobNotFoundError);
    await assertRejects(() => t.failJob(id!, "x", { worker: "intruder" }), JobNotFoundError);
    assertEquals(await other.claimJobs({ worker: "w" }), []);
    assertEquals((await t.completeJob(id!, { worker: "w" })).state, "done");
  },

  "an idempotency key stays unique whatever the job's state": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const [done, dead] = await enqueue(t, 2);
    await t.claimJobs({ worker: "w", limit: 2 });
    await t.completeJob(done!);
    await t.failJob(dead!, "gone", { retryable: false });
    for (const [i, id] of [done, dead].entries()) {
      const again = await t.enqueueJob({ idempotency_key: `k${i}`, job_type: "fetch" });
      assertEquals([again.id, again.created], [id, false]);
    }
  },

  "dead letters: listed by type and age, requeued one or many, purged by age": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const ids = await enqueue(t, 4);
    const [x] = await enqueue(t, 1, { idempotency_key: "x", job_type: "refresh" });
    for (const job of await t.claimJobs({ worker: "w", limit: 10 })) {
      await t.failJob(job.id, "Vendor down", { retryable: false, code: "E503" });
    }
    await age(db, ids[0]!, 7_200);
    await age(db, ids[1]!, 7_200);
    const sort = (jobs: JobRecord[]) => jobs.map((j) => j.id).sort();
    assertEquals(sort(await t.listJobs({ state: "dead" })), [...ids, x!].sort());
    assertEquals(sort(await t.listJobs({ state: "dead", type: "refresh" })), [x]);
    assertEquals(
      sort(await t.listJobs({ state: "dead", olderThanSeconds: 3_600 })),
      [ids[0]!, ids[1]!].sort(),
    );
    assertEquals((await t.listJobs({ state: "dead", limit: 1 })).length, 1);
    assertEquals(
      await t.jobStats(),
      [{ job_type: "fetch", state: "dead", jobs: 4 }, {
        job_type: "refresh",
        state: "dead",
        jobs: 1,
      }],
    );

    const back = await t.requeueJob(ids[2]!);
    assertEquals([back.state, back.attempts, back.last_error, back.finished_at], [
      "queued",
      0,
      "Vendor down",
      null,
    ]);
    await assertRejects(() => t.requeueJob(ids[2]!), JobNotFoundError);
    await assertRejects(() => t.requeueJob(crypto.randomUUID()), JobNotFoundError);
    assertEquals(await t.requeueDeadJobs({ type: "refresh" }), [x]);
    assertEquals(await t.requeueDeadJobs({ ids: [ids[3]!, ids[2]!] }), [ids[3]!]);
    const claimed = await t.claimJobs({ worker: "w2", limit: 10 });
    assertEquals(sort(claimed), [ids[2]!, ids[3]!, x!].sort());
    assert(claimed.every((j) => j.attempts === 1), "attempts start again");

    assertEquals(await t.purgeDeadJobs({ olderThanSeconds: 86_400 }), 0);
    assertEquals(await t.purgeDeadJobs({ olderThanSeconds: 3_600, type: "refresh" }), 0);
    assertEquals(await t.purgeDeadJobs({ olderThanSeconds: 3_600 }), 2);
    assertEquals(await t.listJobs({ state: "dead" }), []);
    const fresh = await t.enqueueJob({ idempotency_key: "k0", job_type: "fetch" });
    assertEquals(fresh.created, true, "a purged key can be used again");
  },

  "requestBackfill() enqueues once per request, at its tier's priority": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const request = {
      symbol: "aapl",
      timeframe: "1m" as const,
      start: "2024-07-01T09:30:00-04:00",
      end: "2024-07-01T16:00:00-04:00",
      vendor: "Polygon",
    };
    const a = await t.requestBackfill({ ...request, tier: "T2" });
    const b = await t.requestBackfill({
      ...request,
      symbol: "AAPL",
      start: "2024-07-01T13:30:00Z",
      tier: "T0",
    });
    assertEquals([a.created, b.created, b.id, a.priority], [true, false, a.id, 20]);
    const [job] = await t.listJobs({ type: "backfill" });
    assertEquals(job?.idempotency_key, a.key);
    assertEquals(job?.payload, {
      symbol: "AAPL",
      timeframe: "1m",
      start: "2024-07-01T13:30:00.000Z",
      end: "2024-07-01T20:00:00.000Z",
      vendor: "polygon",
      tier: "T2",
    });
    const t0 = await t.requestBackfill({ ...request, vendor: undefined, tier: "T0" });
    const t1 = await t.requestBackfill({ ...request, end: "2024-07-01T19:00:00Z" });
    assertEquals([t0.created, t0.priority, t1.priority, t1.tier], [true, 0, 10, "T1"]);
    await assertRejects(
      () => t.requestBackfill({ ...request, tier: "T5" as "T0" }),
      ValidationError,
    );
    await assertRejects(
      () => t.requestBackfill({ ...request, end: request.start }),
      ValidationError,
    );
  },

  "requestBackfill() refuses at the configured queue depth of a tier": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const day = (d: number, tier: "T0" | "T1" | "T2" = "T1") => ({
      symbol: "SPY",
      timeframe: "1m" as const,
      start: Date.UTC(2024, 0, d, 14, 30),
      end: Date.UTC(2024, 0, d, 21),
      tier,
    });
    const caps = { caps: { T1: 3 } };
    for (let d = 2; d <= 4; d++) {
      assertEquals((await t.requestBackfill(day(d), caps)).created, true);
    }
    const refused = await assertRejects(() => t.requestBackfill(day(5), caps), CapacityError);
    assertEquals([refused.code, refused.tier, refused.depth, refused.cap], [
      "MDS_CAPACITY",
      "T1",
      3,
      3,
    ]);
    assertEquals((await t.requestBackfill(day(3), caps)).created, false, "a repeat still answers");
    assertEquals((await t.requestBackfill(day(9, "T2"), caps)).created, true, "other tiers run");
    // A running job still counts; a finished one frees its place.
    const [running] = await t.claimJobs({ worker: "w", types: ["backfill"] });
    assertEquals(running?.payload.tier, "T1");
    await assertRejects(() => t.requestBackfill(day(5), caps), CapacityError);
    await t.completeJob(running!.id);
    assertEquals((await t.requestBackfill(day(5), caps)).created, true);
    await assertRejects(() => t.requestBackfill(day(6), { caps: { T1: 0 } }), CapacityError);
    await assertRejects(() => t.requestBackfill(day(6), { caps: { T9: 1 } as never }), Error);
    await assertRejects(() => t.requestBackfill(day(6), { caps: { T1: -1 } }), Error);
  },

  "two pools claiming concurrently never get the same job, and every job is claimed once": async (
    db,
  ) => {
    if (db.name === "pglite") return; // one connection: nothing runs concurrently
    const tenant = newTenant();
    await using a = await createClient({ backend: db.connect({ max: 6 }), migrate: false });
    await using b = await createClient({ backend: db.connect({ max: 6 }), migrate: false });
    const jobs = 600;
    await a.backend.query(
      `INSERT INTO mds_core.jobs (tenant_id, idempotency_key, job_type, priority)
       SELECT $1, 'job-' || i, 'fetch', i % 7 FROM generate_series(1, $2) AS i`,
      [tenant, jobs],
    );
    const seen: string[] = [];
    let claims = 0;
    const worker = async (client: MdsClient, name: string) => {
      const t = client.tenant(tenant);
      for (;;) {
        const got = await t.claimJobs({ worker: name, limit: 3, leaseSeconds: 300 });
        claims++;
        if (got.length === 0) return;
        for (const j of got) seen.push(j.id);
      }
    };
    await Promise.all(
      Array.from({ length: 16 }, (_, i) => worker(i % 2 === 0 ? a : b, `w${i}`)),
    );
    assertEquals(new Set(seen).size, seen.length, "a job was claimed twice");
    assertEquals(seen.length, jobs, "a job was never claimed");
    const [left] = await a.backend.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM mds_core.jobs WHERE tenant_id = $1 AND (state <> 'running' OR attempts <> 1)",
      [tenant],
    );
    assertEquals(left?.n, 0);
    assert(claims > jobs / 3, `${claims} claims`);
  },

  "concurrent backfill requests never overshoot a tier's cap": async (db) => {
    if (db.name === "pglite") return;
    const tenant = newTenant();
    await using a = await createClient({ backend: db.connect({ max: 5 }), migrate: false });
    await using b = await createClient({ backend: db.connect({ max: 5 }), migrate: false });
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? a : b).tenant(tenant).requestBackfill({
          symbol: "SPY",
          timeframe: "1m",
          start: Date.UTC(2024, 0, 1) + i * 86_400_000,
          end: Date.UTC(2024, 0, 2) + i * 86_400_000,
          tier: "T0",
        }, { caps: { T0: 7 } })),
    );
    const created = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) =>
      r.status === "rejected" && r.reason instanceof CapacityError
    );
    assertEquals([created.length, refused.length], [7, 23]);
  },
});
