// The admin server's dead-letter and gap routes and the job metrics, in process through
// app.request() on an embedded store; the exposition is linted with `promtool check metrics`
// where it is installed.
import { hasPromtool, promtool } from "../testing/promtool.ts";
import { createAdminApp } from "@mds/admin";
import { createClient } from "@mds/client";
import { NyseCalendar } from "@mds/client/calendar";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";

const TOKEN = `tok-${crypto.randomUUID().replaceAll("-", "")}`;
const AUTH = { Authorization: `Bearer ${TOKEN}` };

type App = ReturnType<typeof createAdminApp>;

// deno-lint-ignore no-explicit-any
async function call(app: App, method: string, path: string, body?: unknown): Promise<any> {
  const res = await app.request(path, {
    method,
    headers: AUTH,
    body: body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text.startsWith("{") ? JSON.parse(text) : undefined, text };
}

/** The value of one series in an exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test("admin dead-letter and gap routes, and the job metrics", async (t) => {
  const registry = new Registry();
  await using client = await createClient({ memory: true });
  const app = createAdminApp({ client, registry, adminToken: TOKEN, logger: { log() {} } });
  const tenant = newTenant();
  const other = newTenant();
  const api = client.tenant(tenant);
  const ids: string[] = [];
  for (const [key, type] of [["a", "fetch"], ["b", "fetch"], ["c", "refresh"]]) {
    ids.push((await api.enqueueJob({ idempotency_key: key!, job_type: type! })).id);
  }
  for (const job of await api.claimJobs({ worker: "w", limit: 3 })) {
    await api.failJob(job.id, "Vendor down", { retryable: false, code: "E503" });
  }
  await client.backend.query(
    "UPDATE mds_core.jobs SET updated_at = updated_at - interval '2 hours' WHERE id = $1",
    [ids[0]],
  );
  await client.tenant(other).enqueueJob({ idempotency_key: "x", job_type: "fetch" });
  const [a, b, c] = ids as [string, string, string];

  await t.step("every /ops route needs the admin token", async () => {
    const routes: [string, string][] = [
      ["GET", `/ops/dlq/jobs?tenant_id=${tenant}`],
      ["POST", `/ops/dlq/jobs/requeue/${a}?tenant_id=${tenant}`],
      ["DELETE", `/ops/dlq/jobs/purge?tenant_id=${tenant}&older_than_seconds=0`],
      ["GET", `/ops/gaps?tenant_id=${tenant}`],
    ];
    const open = createAdminApp({ client, adminToken: undefined, logger: { log() {} } });
    for (const [method, path] of routes) {
      const res = await app.request(path, { method });
      assertEquals(res.status, 401, `${method} ${path}`);
      assertEquals((await res.json()).error.code, "MDS_ADMIN_UNAUTHORIZED");
      const closed = await open.request(path, { method, headers: AUTH });
      assertEquals(closed.status, 503, `${method} ${path} without a configured token`);
      await closed.body?.cancel();
    }
  });

  await t.step("GET /ops/dlq/jobs lists the tenant's dead jobs by type and age", async () => {
    const all = await call(app, "GET", `/ops/dlq/jobs?tenant_id=${tenant}`);
    assertEquals(all.status, 200);
    assertEquals(all.json.jobs.map((j: { id: string }) => j.id).sort(), [a, b, c].sort());
    const job = all.json.jobs.find((j: { id: string }) => j.id === b);
    assertEquals(
      [job.state, job.attempts, job.last_error, job.last_error_code],
      ["dead", 1, "Vendor down", "E503"],
    );
    assert(!Number.isNaN(Date.parse(job.finished_at)));
    const refresh = await call(app, "GET", `/ops/dlq/jobs?tenant_id=${tenant}&type=refresh`);
    assertEquals(refresh.json.jobs.map((j: { id: string }) => j.id), [c]);
    const old = await call(
      app,
      "GET",
      `/ops/dlq/jobs?tenant_id=${tenant}&older_than_seconds=3600&limit=5`,
    );
    assertEquals(old.json.jobs.map((j: { id: string }) => j.id), [a]);
    const foreign = await call(app, "GET", `/ops/dlq/jobs?tenant_id=${other}`);
    assertEquals(foreign.json.jobs, []);
    for (
      const query of [
        "",
        "tenant_id=acme",
        `tenant_id=${tenant}&older_than_seconds=-1`,
        `tenant_id=${tenant}&older_than_seconds=soon`,
        `tenant_id=${tenant}&limit=0`,
        `tenant_id=${tenant}&older_than_seconds=`,
        `tenant_id=${tenant}&limit=1.5`,
        `tenant_id=${tenant}&type=Bad%20Type`,
        `tenant_id=${tenant}&state=queued`,
      ]
    ) {
      const bad = await call(app, "GET", `/ops/dlq/jobs?${query}`);
      assertEquals([bad.status, bad.json.error.code], [400, "MDS_VALIDATION"], query);
    }
  });

  await t.step("POST /ops/dlq/jobs/requeue/:id requeues one dead job", async () => {
    const byBody = await call(app, "POST", `/ops/dlq/jobs/requeue/${b}`, { tenant_id: tenant });
    assertEquals(byBody.status, 200, byBody.text);
    assertEquals([byBody.json.job.id, byBody.json.job.state, byBody.json.job.attempts], [
      b,
      "queued",
      0,
    ]);
    const byQuery = await call(app, "POST", `/ops/dlq/jobs/requeue/${c}?tenant_id=${tenant}`);
    assertEquals([byQuery.status, byQuery.json.job.state], [200, "queued"]);
    const again = await call(app, "POST", `/ops/dlq/jobs/requeue/${b}`, { tenant_id: tenant });
    assertEquals([again.status, again.json.error.code], [404, "MDS_NOT_FOUND"]);
    assertIncludes(again.json.error.message, "it is queued, not dead");
    const foreign = await call(app, "POST", `/ops/dlq/jobs/requeue/${a}`, { tenant_id: other });
    assertEquals(foreign.status, 404, "another tenant's job is not found");
    const cases: [string, unknown][] = [
      [`/ops/dlq/jobs/requeue/${a}`, undefined],
      [`/ops/dlq/jobs/requeue/${a}`, { tenant_id: "acme" }],
      [`/ops/dlq/jobs/requeue/${a}?tenant_id=${other}`, { tenant_id: tenant }],
      [`/ops/dlq/jobs/requeue/not-a-uuid`, { tenant_id: tenant }],
      [`/ops/dlq/jobs/requeue/${a}`, "{"],
    ];
    for (const [path, body] of cases) {
      const bad = await call(app, "POST", path, body);
      assertEquals(bad.status, 400, `${path} ${JSON.stringify(body)}: ${bad.text}`);
    }
  });

  await t.step("DELETE /ops/dlq/jobs/purge deletes dead jobs older than given", async () => {
    const missing = await call(app, "DELETE", `/ops/dlq/jobs/purge?tenant_id=${tenant}`);
    assertEquals([missing.status, missing.json.error.code], [400, "MDS_VALIDATION"]);
    const young = await call(
      app,
      "DELETE",
      `/ops/dlq/jobs/purge?tenant_id=${tenant}&older_than_seconds=10800`,
    );
    assertEquals([young.status, young.json], [200, { purged: 0 }]);
    const old = await call(
      app,
      "DELETE",
      `/ops/dlq/jobs/purge?tenant_id=${tenant}&older_than_seconds=3600`,
    );
    assertEquals(old.json, { purged: 1 });
    const left = await call(app, "GET", `/ops/dlq/jobs?tenant_id=${tenant}`);
    assertEquals(left.json.jobs, []);
  });

  await t.step("GET /ops/gaps reports the missing bars and counts them by timeframe", async () => {
    const bars = [];
    const removed = [Date.parse("2024-07-02T15:00:00Z"), Date.parse("2024-07-02T15:01:00Z")];
    for (
      const s of new NyseCalendar().sessions(
        new Date("2024-07-02T00:00:00Z"),
        new Date("2024-07-03T00:00:00Z"),
      )
    ) {
      for (let m = s.open.getTime(); m < s.close.getTime(); m += 60_000) {
        if (!removed.includes(m)) {
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
    }
    await api.upsertBars(bars);
    const window = "start=2024-07-02T00:00:00Z&end=2024-07-03T00:00:00Z";
    const res = await call(
      app,
      "GET",
      `/ops/gaps?tenant_id=${tenant}&symbol=SPY&timeframe=1m&${window}`,
    );
    assertEquals(res.status, 200, res.text);
    assertEquals(res.json, {
      gaps: [{
        start: "2024-07-02T15:00:00.000Z",
        end: "2024-07-02T15:02:00.000Z",
        missing_bars: 2,
      }],
      missing_bars: 2,
    });
    const allDay = await call(
      app,
      "GET",
      `/ops/gaps?tenant_id=${tenant}&symbol=SPY&timeframe=1m&${window}&calendar=24x7`,
    );
    assertEquals(allDay.json.gaps.length, 3, "before the open, the hole, after the close");
    for (
      const query of [
        `tenant_id=${tenant}&symbol=SPY&timeframe=2m&${window}`,
        `tenant_id=${tenant}&symbol=SPY&timeframe=1m&start=2024-07-03T00:00:00Z&end=2024-07-02T00:00:00Z`,
        `tenant_id=${tenant}&symbol=SPY&timeframe=1m&${window}&calendar=lse`,
        `tenant_id=${tenant}&timeframe=1m&${window}`,
        `tenant_id=${tenant}&symbol=SPY&timeframe=1m&start=1990-01-01T00:00:00Z&end=1990-02-01T00:00:00Z`,
      ]
    ) {
      const bad = await call(app, "GET", `/ops/gaps?${query}`);
      assertEquals([bad.status, bad.json.error.code], [400, "MDS_VALIDATION"], query);
    }
    const text = await (await app.request("/metrics")).text();
    assertEquals(sample(text, 'mds_gaps_found_total{timeframe="1m"}'), 4);
    assertEquals(sample(text, 'mds_gaps_found_total{timeframe="1d"}'), 0);
  });

  await t.step(
    "GET /metrics reports jobs by state, finished jobs, backfill age and lag",
    async () => {
      await api.requestBackfill({
        symbol: "SPY",
        timeframe: "1m",
        start: "2024-07-01T13:30:00Z",
        end: "2024-07-01T20:00:00Z",
      });
      await client.backend.query(
        "UPDATE mds_core.jobs SET created_at = created_at - interval '10 minutes' WHERE job_type = 'backfill'",
      );
      const [done] = await client.tenant(other).claimJobs({ worker: "w" });
      await client.tenant(other).completeJob(done!.id);
      const res = await app.request("/metrics");
      const text = await res.text();
      assertEquals(res.status, 200);
      // tenant: b and c queued again, the backfill queued; other: x done.
      assertEquals(sample(text, 'mds_jobs{state="queued"}'), 3);
      assertEquals(sample(text, 'mds_jobs{state="running"}'), 0);
      assertEquals(sample(text, 'mds_jobs{state="done"}'), 1);
      assertEquals(sample(text, 'mds_jobs{state="dead"}'), 0);
      assertEquals(sample(text, 'mds_jobs_finished{job_type="fetch",outcome="done"}'), 1);
      const age = sample(text, "mds_backfill_oldest_queued_age_seconds")!;
      assert(age >= 600 && age < 700, `oldest backfill ${age} s`);
      const lag = sample(text, 'mds_ingest_lag_seconds{dataset="bars",timeframe="1m"}')!;
      const expected = (Date.now() - Date.parse("2024-07-02T19:59:00Z")) / 1000;
      assert(Math.abs(lag - expected) < 60, `lag ${lag} s, expected about ${expected}`);
      if (hasPromtool()) {
        const lint = await promtool(text);
        assertEquals([lint.code, lint.output.trim()], [0, ""], lint.output);
      }
    },
  );
});
