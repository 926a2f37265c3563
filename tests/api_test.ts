// The market-data API over HTTP: every route comes from the app's own table, so a route added
// without tenant scoping (or without authentication) fails here. Two tenants with the same
// symbols and different prices; each key sees only its tenant's data.
import { createClient, type MdsClient } from "@mds/client";
import { createServiceApp, type KeyScope, type ServiceApp } from "@mds/service";
import { assert, assertEquals } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";

const A = newTenant(), B = newTenant();
const KEYS: Record<string, KeyScope> = {
  "key-a": { id: "a", tenant: A, readOnly: true },
  "key-b": { id: "b", tenant: B, readOnly: true },
};
const ADMIN = "admin-token-0123456789abcdef";

async function seed(client: MdsClient, tenant: string, close: number) {
  const api = client.tenant(tenant);
  await api.upsertBars([
    {
      ts: "2024-07-01T00:00:00Z",
      vendor: "yahoo",
      symbol: "AAPL",
      timeframe: "1d",
      open: 1,
      high: 999,
      low: 0.5,
      close,
    },
    {
      ts: "2024-07-01T13:30:00Z",
      vendor: "yahoo",
      symbol: "AAPL",
      timeframe: "1m",
      open: 1,
      high: 999,
      low: 0.5,
      close,
    },
  ]);
  await api.upsertOptions([{
    ts: "2024-07-01T15:00:00Z",
    vendor: "yahoo",
    symbol: "AAPL",
    expiry: "2024-07-19",
    option_type: "C",
    strike: 200,
    bid: close / 100,
    ask: close / 100 + 0.1,
  }]);
  await api.macro.track(["DGS10"]);
  await api.macro.upsertObservations([
    { key: "DGS10", date: "2024-07-01", value: close, realtime_start: "2024-07-02" },
  ]);
}

// deno-lint-ignore no-explicit-any -- response bodies of several shapes
type Body = any;

/** A request per route template: what to send, and the value that proves whose data came back. */
const REQUESTS: Record<
  string,
  { path: string; init?: RequestInit; value: (body: Body) => unknown }
> = {
  "GET /stocks/:symbol/price": { path: "/stocks/AAPL/price", value: (b) => b.price },
  "GET /stocks/:symbol/history": {
    path: "/stocks/AAPL/history?timeframe=1d&start=2024-06-01T00:00:00Z&end=2024-08-01T00:00:00Z",
    value: (b) => b.bars[0]?.close,
  },
  "GET /stocks/:symbol/intraday": {
    path: "/stocks/AAPL/intraday?timeframe=1m&date=2024-07-01",
    value: (b) => b.bars[0]?.close,
  },
  "POST /stocks/batch": {
    path: "/stocks/batch",
    init: { method: "POST", body: JSON.stringify({ symbols: ["AAPL", "MSFT"] }) },
    value: (b) => b.prices[0]?.price,
  },
  "GET /options/:symbol/chain": {
    path: "/options/AAPL/chain?expiry=2024-07-19",
    value: (b) => b.contracts[0]?.bid,
  },
  // no underlying_price stored: the spot is the underlying's latest price, the tenant's close
  "GET /options/:symbol/metrics": {
    path: "/options/AAPL/metrics?at=2024-07-02T00:00:00Z",
    value: (b) => b.spot,
  },
  "GET /options/:symbol/strategies": {
    path: "/options/AAPL/strategies?at=2024-07-02T00:00:00Z",
    value: (b) => b.spot,
  },
  "GET /factors/macro": { path: "/factors/macro", value: (b) => b.series[0]?.value },
  "GET /factors/macro/:key/history": {
    path: "/factors/macro/DGS10/history",
    value: (b) => b.observations[0]?.value,
  },
};

async function call(
  app: ServiceApp,
  key: string | undefined,
  path: string,
  init: RequestInit = {},
) {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return await app.request(path, { ...init, headers });
}

Deno.test("every keyed route answers in its key's tenant only; admin routes refuse keys; nothing is open by mistake", async () => {
  await using client = await createClient({ memory: true });
  await seed(client, A, 111);
  await seed(client, B, 222);
  const app = createServiceApp({
    client,
    adminToken: ADMIN,
    verifyKey: (key) => Promise.resolve(KEYS[key] ?? null),
  });
  const keyed = app.routes.filter((r) => r.auth === "key" && !r.path.startsWith("/ws/"));
  assert(keyed.length >= 5);
  for (const route of keyed) {
    const name = `${route.method} ${route.path}`;
    const req = REQUESTS[name];
    assert(
      req !== undefined,
      `${name} has no request in this test: add one, with its tenant proof`,
    );
    const a = await call(app, "key-a", req.path, req.init);
    const b = await call(app, "key-b", req.path, req.init);
    assertEquals([a.status, b.status], [200, 200], name);
    const [va, vb] = [req.value(await a.json()), req.value(await b.json())];
    assert(va !== undefined && vb !== undefined && va !== vb, `${name}: ${va} vs ${vb}`);
    // tenant A's values carry 111, tenant B's 222 (an option's bid is close / 100)
    assertEquals([va, vb], name.includes("chain") ? [1.11, 2.22] : [111, 222], name);
    for (const key of [undefined, "nope"]) {
      const res = await call(app, key, req.path, req.init);
      assertEquals(res.status, 401, `${name} with ${key ?? "no"} key`);
      assertEquals((await res.json()).error.code, "MDS_UNAUTHORIZED");
    }
  }
  // a tenant with no data gets 404 or empty answers, never another tenant's
  KEYS["key-c"] = { id: "c", tenant: newTenant(), readOnly: true };
  assertEquals((await call(app, "key-c", "/stocks/AAPL/price")).status, 404);
  const empty = await (await call(app, "key-c", REQUESTS["GET /stocks/:symbol/history"]!.path))
    .json();
  assertEquals(empty.bars, []);

  for (const route of app.routes.filter((r) => r.auth === "admin")) {
    const path = route.path.replaceAll(/:[a-z_]+/g, "x");
    const res = await call(app, "key-a", path, { method: route.method });
    assertEquals(res.status, 401, `${route.method} ${route.path} refuses an API key`);
  }
  assertEquals(
    app.routes.filter((r) => r.auth === "public").map((r) => r.path).sort(),
    ["/health", "/metrics"],
  );
  assert(app.routes.some((r) => r.path === "/ws/:symbol" && r.auth === "key"));
});

Deno.test("history pages with a cursor, streams NDJSON, and answers 304 to its ETag", async () => {
  await using client = await createClient({ memory: true });
  const rows = Array.from({ length: 25 }, (_, i) => ({
    ts: new Date(Date.UTC(2024, 6, 1, 13, 30 + i)).toISOString(),
    vendor: "yahoo",
    symbol: "MSFT",
    timeframe: "1m" as const,
    open: 400,
    high: 430,
    low: 399,
    close: 400 + i,
  }));
  await client.tenant(A).upsertBars(rows);
  const app = createServiceApp({ client, verifyKey: (key) => Promise.resolve(KEYS[key] ?? null) });
  const base =
    "/stocks/MSFT/history?timeframe=1m&start=2024-07-01T13:30:00Z&end=2024-07-01T20:00:00Z";
  const first = await call(app, "key-a", `${base}&limit=10`);
  const page = await first.json();
  assertEquals(page.bars.length, 10);
  assertEquals(page.next, "2024-07-01T13:39:00.001Z");
  const etag = first.headers.get("etag")!;
  assert(etag.length > 10);
  assertEquals(first.headers.get("cache-control"), "private, max-age=300");
  const again = await call(app, "key-a", `${base}&limit=10`, {
    headers: { "if-none-match": etag },
  });
  assertEquals(again.status, 304);
  const rest = await (await call(
    app,
    "key-a",
    `/stocks/MSFT/history?timeframe=1m&start=${page.next}&end=2024-07-01T20:00:00Z`,
  )).json();
  assertEquals(rest.bars.length, 15);
  assertEquals(rest.next, null);
  const nd = await call(app, "key-a", base, { headers: { accept: "application/x-ndjson" } });
  assertEquals(nd.headers.get("content-type"), "application/x-ndjson");
  const lines = (await nd.text()).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((l) => l.close), rows.map((r) => r.close));
  const bad = await call(app, "key-a", "/stocks/MSFT/history?timeframe=7x&start=yesterday");
  assertEquals(bad.status, 400);
  const err = await bad.json();
  assertEquals(err.error.code, "MDS_VALIDATION");
  assertEquals(err.error.issues.map((i: { field: string }) => i.field).sort(), [
    "start",
    "timeframe",
  ]);
});
