// GET /coverage and the data behind it on a real (embedded) store: who may read which tenant's
// page, the query refused field by field, and the counts against the NYSE calendar (early
// close, holiday, a session still open, daily bars, symbols outside the universe).
import { createClient } from "@mds/client";
import { createServiceApp, gatherCoverage, type KeyScope } from "@mds/service";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";

const A = newTenant(), B = newTenant();
const KEYS: Record<string, KeyScope> = {
  "key-a": { id: "a", tenant: A, readOnly: true },
  "key-b": { id: "b", tenant: B, readOnly: true },
};
const ADMIN = "admin-token-0123456789abcdef";

const minute = (symbol: string, ts: number) => ({
  ts,
  vendor: "yahoo",
  symbol,
  timeframe: "1m" as const,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
});

Deno.test("GET /coverage reads the key's tenant, or the tenant the admin token names, and nothing else", async () => {
  await using client = await createClient({ memory: true });
  await client.tenant(A).universe.add([{ symbol: "AAPL", timeframes: ["1m"] }]);
  await client.tenant(B).universe.add([{ symbol: "MSFT", timeframes: ["1m"] }]);
  const app = createServiceApp({
    client,
    adminToken: ADMIN,
    verifyKey: (key) => Promise.resolve(KEYS[key] ?? null),
  });
  assert(app.routes.some((r) => r.path === "/coverage" && r.auth === "key_or_admin"));
  // `query` replaces the defaults of the test (a repeated parameter's first value counts)
  const get = (query: string, bearer?: string) =>
    app.request(`/coverage?${/days=|end=/.test(query) ? "" : "end=2024-07-12&days=2"}${query}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
  const page = async (res: Response) => {
    assertEquals(res.status, 200);
    return [...(await res.text()).matchAll(/data-symbol="(\w+)"/g)].map((m) => m[1]);
  };
  assertEquals(await page(await get("", "key-a")), ["AAPL", "AAPL"]);
  assertEquals(await page(await get("", "key-b")), ["MSFT", "MSFT"]);
  assertEquals(await page(await get(`&tenant_id=${A}`, "key-a")), ["AAPL", "AAPL"]);
  assertEquals(await page(await get(`&tenant_id=${B}`, ADMIN)), ["MSFT", "MSFT"]);

  const refused = async (res: Response, status: number, code: string) => {
    assertEquals(res.status, status);
    const body = await res.json();
    assertEquals(body.error.code, code);
    return body.error;
  };
  await refused(await get(""), 401, "MDS_UNAUTHORIZED");
  await refused(await get("", "nope"), 401, "MDS_UNAUTHORIZED");
  await refused(await get(`&tenant_id=${B}`, "key-a"), 403, "MDS_TENANT_DENIED");
  const noTenant = await refused(await get("", ADMIN), 400, "MDS_VALIDATION");
  assertEquals(noTenant.issues, [{
    field: "tenant_id",
    reason: "is required with the admin token",
  }]);
  for (
    const [query, field] of [
      ["&timeframe=1w", "timeframe"],
      ["&days=0", "days"],
      ["&tier=T9", "tier"],
      ["&end=07/12/2024", "end"],
      ["&color=red", "query"],
    ]
  ) {
    const error = await refused(await get(query!, "key-a"), 400, "MDS_VALIDATION");
    assertIncludes(JSON.stringify(error.issues), `"field":"${field}"`, query);
  }
  const both = await refused(await get("&tier=T0&symbols=AAPL", "key-a"), 400, "MDS_VALIDATION");
  assertEquals(both.issues[0].field, "symbols");
});

Deno.test("gatherCoverage() counts against the calendar: early close, holiday, an open session, strays", async () => {
  await using client = await createClient({ memory: true });
  const api = client.tenant(A);
  await api.universe.add([
    { symbol: "SPY", tier: "T0", timeframes: ["1m", "1d"] },
    { symbol: "QQQ", tier: "T2", timeframes: ["1d"] },
    { symbol: "OLD", tier: "T0", timeframes: ["1m"], active: false },
  ]);
  const bars = [];
  // 2024-07-03 closes at 13:00 New York (17:00 UTC): 210 bars, all stored
  for (let i = 0; i < 210; i++) bars.push(minute("SPY", Date.UTC(2024, 6, 3, 13, 30 + i)));
  // 2024-07-05: 100 of the bars up to 15:00 UTC, plus one off the grid and one after the close
  for (let i = 0; i < 100; i++) bars.push(minute("SPY", Date.UTC(2024, 6, 5, 13, 30 + i)));
  bars.push(minute("SPY", Date.UTC(2024, 6, 5, 13, 30, 30)));
  bars.push(minute("SPY", Date.UTC(2024, 6, 5, 20, 0)));
  await api.copyBars(bars);

  // the report is made at 15:00 UTC on the 5th: 90 bars of that session have closed
  const now = new Date("2024-07-05T15:00:00Z");
  const report = await gatherCoverage(client, A, { days: 3, now });
  // the 4th is a holiday; inactive and 1d-only symbols are not rows of a 1m page
  assertEquals(report.days, [
    { date: "2024-07-02", expected: 390 },
    { date: "2024-07-03", expected: 210 },
    { date: "2024-07-05", expected: 90 },
  ]);
  assertEquals(report.rows.map((r) => [r.symbol, r.tier, r.cells.map((c) => c.present)]), [
    ["SPY", "T0", [0, 210, 90]],
  ]);
  assertEquals(report.lags.map((l) => [l.tier, l.timeframe, l.series, l.empty]), [
    ["T0", "1m", 1, 0],
    ["T0", "1d", 1, 1],
    ["T2", "1d", 1, 1],
  ]);
  assertEquals(report.lags[0]!.newest, new Date("2024-07-05T20:00:00Z"));

  // the ones asked, in order, in the universe or not; a tier narrows the universe
  const asked = await gatherCoverage(client, A, {
    symbols: ["qqq", "NEW"],
    timeframe: "1d",
    days: 1,
    end: "2024-07-03",
    now,
  });
  assertEquals(asked.rows.map((r) => [r.symbol, r.tier]), [["QQQ", "T2"], ["NEW", null]]);
  assertEquals(asked.days, [{ date: "2024-07-03", expected: 1 }]);
  assertEquals(asked.lags.map((l) => [l.tier, l.timeframe]), [["T2", "1d"], ["none", "1d"]]);
  const t2 = await gatherCoverage(client, A, { tier: "T2", timeframe: "1d", days: 1, now });
  assertEquals(t2.rows.map((r) => r.symbol), ["QQQ"]);
  // tenant B sees none of it
  assertEquals((await gatherCoverage(client, B, { now })).rows, []);
});
