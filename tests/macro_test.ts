// Macro factors end to end: FRED (the fake on 127.0.0.1) -> provider -> store on every backend,
// a revision kept beside the first publication, "first" and "latest" differing exactly at the
// revised date, "." stored as null, an unchanged re-fetch writing nothing; the API routes with
// their authentication; and the `mds macro` commands.
import { createClient, type MdsClient } from "@mds/client";
import { createFredSource, type FredSource } from "@mds/providers";
import { createServiceApp, refreshMacro } from "@mds/service";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";
import { cleanEnv, jsonLines, mds, ok } from "../testing/cli.ts";
import { startFakeFred } from "../testing/fake_fred.ts";

const rowCount = async (db: TestDb, tenant: string) =>
  (await asApp(db.backend, tenant, (tx) =>
    tx.query<{ n: number; at: string | null }>(
      "SELECT count(*)::int AS n, max(recorded_at)::text AS at FROM mds.macro_observations",
    )))[0]!;

backendSuite("macro factors", {
  "fetch, revise, fetch: both vintages kept; first and latest differ only at the revised date":
    async (db) => {
      await using fake = startFakeFred();
      const fred = createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
      await using client = await createClient({ backend: db.backend, migrate: false });
      const tenant = newTenant();
      const macro = client.tenant(tenant).macro;
      await macro.track(["DGS10", "CPIAUCSL"]);

      const first = await refreshMacro(macro, fred);
      assertEquals([first.series, first.failed, first.fetched, first.inserted], [2, 0, 10, 10]);
      const [dgs] = await macro.list(["DGS10"]);
      assertEquals([dgs?.units, dgs?.frequency, dgs?.vendor], ["Percent", "Daily", "fred"]);
      // FRED's "." is stored as null
      const holiday = (await macro.history("DGS10", { start: "2024-01-15", end: "2024-01-15" }))[0];
      assertEquals(holiday, { date: "2024-01-15", value: null, realtime_start: "2024-01-16" });
      assertEquals((await rowCount(db, tenant)).n, 10);

      // FRED revises DGS10 on 2024-01-04 (published 2024-02-01)
      fake.revise("DGS10", "2024-01-04", "3.98", "2024-02-01");
      const second = await refreshMacro(macro, fred);
      assertEquals([second.inserted, second.updated, second.unchanged], [1, 0, 10]);
      assertEquals((await rowCount(db, tenant)).n, 11);

      const asFirst = await macro.history("DGS10", { vintage: "first" });
      const asLatest = await macro.history("DGS10", { vintage: "latest" });
      assertEquals(asFirst.length, asLatest.length);
      const differ = asFirst.filter((p, i) => p.value !== asLatest[i]!.value);
      assertEquals(differ.map((p) => p.date), ["2024-01-04"]);
      assertEquals([differ[0]?.value, asLatest.find((p) => p.date === "2024-01-04")?.value], [
        3.99,
        3.98,
      ]);
      // the default is latest; a day answers as known then
      assertEquals(await macro.history("DGS10"), asLatest);
      const jan31 = await macro.history("DGS10", { vintage: "2024-01-31" });
      assertEquals(jan31, asFirst);
      assertEquals((await macro.history("DGS10", { vintage: "2024-01-05" })).map((p) => p.date), [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
      ]);
      // CPI was revised before the first fetch: both vintages came in at once
      const cpiFirst = await macro.history("CPIAUCSL", { vintage: "first" });
      const cpiLatest = await macro.history("CPIAUCSL");
      assertEquals([cpiFirst[0]?.value, cpiLatest[0]?.value], [307.671, 307.531]);

      // latest(): the newest date with a value (the "." of 2024-01-15 is passed over)
      const latest = await macro.latest();
      assertEquals(latest.map((l) => [l.key, l.date, l.value, l.realtime_start]), [
        ["CPIAUCSL", "2023-12-01", 308.742, "2024-01-11"],
        ["DGS10", "2024-01-16", 4.07, "2024-01-17"],
      ]);

      // an unchanged re-fetch writes nothing: same rows, no row touched
      const before = await rowCount(db, tenant);
      const third = await refreshMacro(macro, fred);
      assertEquals([third.inserted, third.updated, third.unchanged], [0, 0, 11]);
      assertEquals(await rowCount(db, tenant), before);
    },

  "another tenant sees none of it, and a failed series does not stop the others": async (db) => {
    await using fake = startFakeFred();
    const fred = createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
    await using client = await createClient({ backend: db.backend, migrate: false });
    const a = client.tenant(newTenant()).macro;
    const b = client.tenant(newTenant()).macro;
    const r = await refreshMacro(a, fred, { keys: ["NOSUCH", "dgs10"] });
    assertEquals(r.results.map((x) => [x.key, x.error?.code]), [
      ["DGS10", undefined],
      ["NOSUCH", "PROVIDER_BAD_REQUEST"],
    ]);
    assertEquals([r.failed, r.inserted], [1, 6]);
    assertEquals(await b.list(), []);
    assertEquals(await b.history("DGS10"), []);
    // untrack keeps the observations unless purged
    assertEquals(await a.untrack(["DGS10"]), ["DGS10"]);
    assertEquals((await a.history("DGS10")).length, 6);
    await a.track(["DGS10"]);
    await a.untrack(["DGS10"], { purge: true });
    assertEquals(await a.history("DGS10"), []);
  },
});

const TENANT = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0ee";
const KEY = "key-of-tenant";
const ADMIN = "admin-token";

async function withApi(
  fn: (base: string, fake: ReturnType<typeof startFakeFred>, client: MdsClient) => Promise<void>,
  fred?: (fake: ReturnType<typeof startFakeFred>) => FredSource | undefined,
): Promise<void> {
  await using fake = startFakeFred();
  await using client = await createClient({ memory: true });
  const app = createServiceApp({
    client,
    adminToken: ADMIN,
    verifyKey: (k) =>
      Promise.resolve(k === KEY ? { id: "1", tenant: TENANT, readOnly: true } : null),
    fred: fred ? fred(fake) : createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }),
    keyCacheSeconds: 0,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    assertEquals(
      app.routes.filter((r) => /macro/.test(r.path)).map((r) => `${r.method} ${r.path} ${r.auth}`)
        .sort(),
      [
        "GET /factors/macro key",
        "GET /factors/macro/:key/history key",
        "POST /admin/macro/refresh admin",
      ],
    );
    await fn(`http://127.0.0.1:${server.addr.port}`, fake, client);
  } finally {
    app.close();
    await server.shutdown();
  }
}

const get = async (url: string, token = KEY) => {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
};
const refresh = async (base: string, body: unknown, token = ADMIN) => {
  const res = await fetch(`${base}/admin/macro/refresh`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};

Deno.test("API: refresh from FRED, the latest values, a history in each vintage", async () => {
  await withApi(async (base, fake, client) => {
    await client.tenant(TENANT).macro.track(["DGS10", "CPIAUCSL"]);
    const r1 = await refresh(base, { tenant_id: TENANT });
    assertEquals([r1.status, r1.body.series, r1.body.inserted, r1.body.failed], [200, 2, 10, 0]);
    fake.revise("CPIAUCSL", "2023-12-01", "308.850", "2024-02-13");
    const r2 = await refresh(base, { tenant_id: TENANT });
    assertEquals([r2.body.inserted, r2.body.unchanged], [1, 10]);

    const latest = await get(`${base}/factors/macro`);
    assertEquals(latest.status, 200);
    assertEquals(latest.body.series.map((s: Record<string, unknown>) => [s.key, s.date, s.value]), [
      ["CPIAUCSL", "2023-12-01", 308.85],
      ["DGS10", "2024-01-16", 4.07],
    ]);
    const cpi = latest.body.series[0];
    assertEquals([cpi.units, cpi.realtime_start], ["Index 1982-1984=100", "2024-02-13"]);
    assert(typeof cpi.title === "string" && cpi.title.startsWith("Consumer Price Index"));

    const hist = (q: string) => get(`${base}/factors/macro/cpiaucsl/history${q}`);
    const dec = (b: { observations: { date: string; value: number }[] }) =>
      b.observations.find((o) => o.date === "2023-12-01")?.value;
    assertEquals(dec((await hist("")).body), 308.85);
    assertEquals(dec((await hist("?vintage=first")).body), 308.742);
    assertEquals(dec((await hist("?vintage=2024-02-01")).body), 308.742);
    const window = await hist("?start=2023-11-01&end=2023-11-30&vintage=latest");
    assertEquals(window.body.observations, [
      { date: "2023-11-01", value: 307.917, realtime_start: "2023-12-12" },
    ]);
  });
});

Deno.test("API: macro routes refuse bad input and missing credentials", async () => {
  await withApi(async (base) => {
    assertEquals((await get(`${base}/factors/macro`, "nope")).status, 401);
    assertEquals((await refresh(base, { tenant_id: TENANT }, KEY)).status, 401);
    const bad = await get(`${base}/factors/macro/DGS10/history?vintage=last`);
    assertEquals([bad.status, bad.body.error.code], [400, "MDS_VALIDATION"]);
    assertEquals(bad.body.error.issues[0].field, "vintage");
    assertEquals(
      (await get(`${base}/factors/macro/DGS10/history?start=2024-02-01&end=2024-01-01`)).status,
      400,
    );
    assertEquals((await get(`${base}/factors/macro/DGS%2010/history`)).status, 400);
    assertEquals((await get(`${base}/factors/macro/GDP/history`)).status, 404);
    const noTenant = await refresh(base, {});
    assertEquals([noTenant.status, noTenant.body.error.issues[0].field], [400, "tenant_id"]);
  });
});

Deno.test("API: refresh answers 503 without FRED and 502 when every series fails", async () => {
  await withApi(async (base) => {
    const r = await refresh(base, { tenant_id: TENANT, keys: ["DGS10"] });
    assertEquals([r.status, r.body.error.code], [503, "MDS_NOT_CONFIGURED"]);
  }, () => undefined);
  await withApi(async (base) => {
    const r = await refresh(base, { tenant_id: TENANT, keys: ["DGS10"] });
    assertEquals([r.status, r.body.failed, r.body.results[0].error.code], [
      502,
      1,
      "PROVIDER_AUTH",
    ]);
  }, (fake) => createFredSource({ apiKey: "wrong", baseUrl: fake.baseUrl }));
});

Deno.test("mds macro track, fetch, show: a revision read first and latest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mds-macro-cli-" });
  await using fake = startFakeFred();
  try {
    const env = cleanEnv({
      MDS_DATA_DIR: `${dir}/data`,
      MDS_TENANT_ID: newTenant(),
      MDS_FRED_BASE_URL: fake.baseUrl,
      FRED_API_KEY: fake.apiKey,
    });
    const tracked = await ok(["macro", "track", "DGS10", "--units", "pct", "--json"], { env });
    assertEquals(jsonLines(tracked.stdout), [{ added: ["DGS10"], updated: [] }]);
    const fetched = await ok(["macro", "fetch", "--json"], { env });
    assertEquals(jsonLines(fetched.stdout).map((r) => [r.key, r.inserted]), [["DGS10", 6]]);
    fake.revise("DGS10", "2024-01-03", "3.90", "2024-01-20");
    const again = await ok(["macro", "fetch", "DGS10"], { env });
    assertIncludes(again.stdout, "DGS10");
    const show = async (vintage: string) =>
      jsonLines(
        (await ok(["macro", "show", "DGS10", "--vintage", vintage, "--json"], { env })).stdout,
      )
        .find((p) => p.date === "2024-01-03")?.value;
    assertEquals([await show("first"), await show("latest")], [3.91, 3.9]);
    const latest = jsonLines((await ok(["macro", "show", "--json"], { env })).stdout);
    // FRED's units replaced the ones given to track
    assertEquals(latest.map((l) => [l.key, l.value, l.units]), [["DGS10", 4.07, "Percent"]]);
    const noKey = cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: newTenant() });
    const refused = await mds(["macro", "fetch"], { env: noKey });
    assertEquals(refused.code, 2);
    assertIncludes(refused.stderr, "FRED_API_KEY");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
