// The original service's ops routes on the market-data API, behind the admin token: a cursor, a
// backfill request with the original body (through the capped path), providers' health and
// history, the cadence, the backfill dead letters, configuration validation and reload.
import { createClient } from "@mds/client";
import { ProviderRegistry } from "@mds/providers";
import { createServiceApp, parseCollectorConfig } from "@mds/service";
import { assert, assertEquals } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";

const ADMIN = "admin-token-0123456789abcdef";
const T = newTenant();

Deno.test("ops routes: cursor, backfill, providers, cadence, dead letters, validate, reload", async () => {
  await using client = await createClient({ memory: true });
  const config = parseCollectorConfig({
    providers: {
      providers: [{ name: "yahoo", requestsPerMinute: 60 }],
      routing: { bars: ["yahoo"] },
    },
    tiers: { T0: { backfillCap: 1 } },
  });
  let reloads = 0;
  const app = createServiceApp({
    client,
    adminToken: ADMIN,
    verifyKey: () => Promise.resolve(null),
    ops: {
      registry: new ProviderRegistry(config.providers),
      config: () => config,
      reload: () => {
        reloads++;
        return Promise.resolve(config);
      },
    },
  });
  const call = (path: string, init: RequestInit = {}) =>
    app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    });
  await client.tenant(T).upsertBars([{
    ts: "2024-07-01T13:30:00Z",
    vendor: "yahoo",
    symbol: "AAPL",
    timeframe: "1m",
    open: 1,
    high: 2,
    low: 1,
    close: 2,
  }]);
  const cursor = await call(`/ops/cursor/AAPL/1m/yahoo?tenant_id=${T}`);
  assertEquals(await cursor.json(), {
    symbol: "AAPL",
    interval: "1m",
    source: "yahoo",
    last_ts: "2024-07-01T13:30:00.000Z",
    updated_at: (await client.tenant(T).cursors({ symbol: "AAPL" }))[0]!.updated_at.toISOString(),
  });
  assertEquals((await call(`/ops/cursor/AAPL/1d/yahoo?tenant_id=${T}`)).status, 404);

  const body = {
    symbol: "AAPL",
    interval: "1m",
    start: "2024-07-01T13:30:00Z",
    end: "2024-07-01T20:00:00Z",
    priority: "T0",
  };
  const first = await call(`/ops/backfill?tenant_id=${T}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  assertEquals(first.status, 202);
  const job = await first.json();
  assertEquals([job.created, job.tier, job.priority], [true, "T0", 0]);
  const full = await call(`/ops/backfill?tenant_id=${T}`, {
    method: "POST",
    body: JSON.stringify({ ...body, start: "2024-07-02T13:30:00Z", end: "2024-07-02T20:00:00Z" }),
  });
  assertEquals([full.status, (await full.json()).error.code], [429, "MDS_CAPACITY"]);
  const bad = await call(`/ops/backfill?tenant_id=${T}`, {
    method: "POST",
    body: JSON.stringify({ ...body, interval: "7x", priority: "P9" }),
  });
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).error.issues.map((i: { field: string }) => i.field).sort(), [
    "interval",
    "priority",
  ]);

  const providers = await (await call("/stats/providers")).json();
  assertEquals(providers.providers.map((p: { provider: string }) => p.provider), ["yahoo"]);
  assertEquals((await call("/providers/yahoo/health-history")).status, 200);
  assertEquals((await call("/providers/polygon/health-history")).status, 404);
  assertEquals((await (await call("/stats/cadence")).json()).tiers.T0.cadence["1m"], 60);

  // a backfill that died, listed, requeued, purged
  const jobs = client.tenant(T).jobs;
  const [claimed] = await jobs.claimJobs({ worker: "w", types: ["backfill"] });
  await jobs.failJob(claimed!.id, "vendor gone", { retryable: false });
  const dlq = await (await call(`/ops/dlq/backfills?tenant_id=${T}`)).json();
  assertEquals(dlq.jobs.map((j: { id: string }) => j.id), [claimed!.id]);
  const requeued = await call(`/ops/dlq/backfills/requeue/${claimed!.id}?tenant_id=${T}`, {
    method: "POST",
  });
  assertEquals((await requeued.json()).job.state, "queued");
  const [again] = await jobs.claimJobs({ worker: "w", types: ["backfill"] });
  await jobs.failJob(again!.id, "vendor gone", { retryable: false });
  const purged = await call(`/ops/dlq/backfills/purge?tenant_id=${T}`, { method: "DELETE" });
  assertEquals((await purged.json()).purged, 1);

  const valid = await call("/ops/validate", {
    method: "POST",
    body: JSON.stringify({ workers: { count: 2 } }),
  });
  assertEquals(await valid.json(), { valid: true });
  const invalid = await call("/ops/validate", {
    method: "POST",
    body: JSON.stringify({ workers: { count: 0 } }),
  });
  assertEquals(invalid.status, 400);
  assert(
    (await invalid.json()).error.issues.some((i: { field: string }) => i.field === "workers.count"),
  );
  assertEquals((await call("/ops/reload", { method: "POST" })).status, 200);
  assertEquals((await call("/ops/config/reload", { method: "POST" })).status, 200);
  assertEquals(reloads, 2);
  // no token, a wrong token
  assertEquals((await app.request("/stats/cadence")).status, 401);
  assertEquals(
    (await app.request("/stats/cadence", {
      headers: { authorization: "Bearer wrong-token-xxxxxxxx" },
    })).status,
    401,
  );
});
