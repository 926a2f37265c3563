// Options analytics end to end (#17 items 2-5): greeks and implied volatility mds computes on
// write where the vendor sent none, flagged and never over a vendor's value; the metrics and
// strategies routes answering what @mds/analytics answers for the same chain; on PGlite, and on
// PostgreSQL when MDS_TEST_DATABASE_URL is set.
import {
  blackScholes,
  buildStrategies,
  buildStrategy,
  chainMetrics,
  impliedVolatility,
  type OptionChain,
} from "@mds/analytics";
import { createClient, DEFAULT_OPTIONS_RATE, type MdsClient } from "@mds/client";
import { createServiceApp, optionContractOf } from "@mds/service";
import { assert, assertEquals } from "../testing/assert.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";

const TS = "2024-01-02T15:00:00Z";
const SPOT = 100;
const base = { ts: TS, vendor: "opra", symbol: "XYZ", underlying_price: SPOT };
/** A hand-built chain: two expiries, strikes 90..110, prices from known volatilities. */
function chainRows() {
  const rows = [];
  for (const [expiry, days] of [["2024-02-16", 45], ["2024-03-15", 73]] as const) {
    for (const strike of [90, 95, 100, 105, 110]) {
      for (const type of ["C", "P"] as const) {
        const volatility = 0.2 + (100 - strike) * 0.002;
        const price = blackScholes({
          spot: SPOT,
          strike,
          years: days / 365,
          rate: DEFAULT_OPTIONS_RATE,
          dividendYield: 0,
          volatility,
          type,
        }).price;
        rows.push({
          ...base,
          expiry,
          option_type: type,
          strike,
          bid: Math.round((price - 0.05) * 100) / 100,
          ask: Math.round((price + 0.05) * 100) / 100,
          volume: strike * (type === "C" ? 2 : 3),
          open_interest: strike * (type === "C" ? 10 : 7),
        });
      }
    }
  }
  return rows;
}

async function withClients(fn: (client: MdsClient, name: string) => Promise<void>) {
  {
    await using client = await createClient({ memory: true });
    await fn(client, "pglite");
  }
  const url = serverUrl("postgres");
  if (url === undefined) return;
  const db = await createServerDatabase(url);
  try {
    await using client = await createClient({ url: db.url, migrate: true });
    await fn(client, "postgres");
  } finally {
    await db.drop();
  }
}

Deno.test("upsertOptions() computes missing IV and greeks with @mds/analytics, flags them and keeps vendor values", async () => {
  await withClients(async (client, name) => {
    const t = client.tenant(newTenant());
    const row = {
      ...base,
      expiry: "2024-02-16",
      option_type: "C",
      strike: 105,
      bid: 1.2,
      ask: 1.3,
    };
    await t.upsertOptions([
      row,
      { ...row, strike: 100, implied_volatility: 0.25, delta: 0.5 }, // vendor IV and delta
      { ...row, strike: 110, underlying_price: null }, // no spot: nothing computed
      { ...row, strike: 95, expiry: "2024-01-02" }, // expires today: nothing computed
      { ...row, strike: 90, bid: 0.01, ask: 0.02 }, // below intrinsic: IV left null
    ]);
    const got = await t.optionChain({ symbol: "XYZ", expiry: "2024-02-16", at: TS });
    const s = new Map(got.map((o) => [o.strike, o]));
    const market = {
      spot: SPOT,
      years: 45 / 365,
      rate: DEFAULT_OPTIONS_RATE,
      dividendYield: 0,
      type: "C" as const,
    };
    const iv = impliedVolatility({ ...market, strike: 105, price: 1.25 }).volatility;
    const v = blackScholes({ ...market, strike: 105, volatility: iv });
    const a = s.get(105)!;
    assertEquals([a.implied_volatility, a.delta, a.gamma, a.theta, a.vega], [
      iv,
      v.delta,
      v.gamma,
      v.thetaPerDay,
      v.vegaPerPoint,
    ], name);
    assertEquals(a.computed, ["implied_volatility", "delta", "gamma", "theta", "vega"]);
    const b = s.get(100)!;
    const w = blackScholes({ ...market, strike: 100, volatility: 0.25 });
    assertEquals([b.implied_volatility, b.delta, b.gamma, b.vega], [
      0.25,
      0.5,
      w.gamma,
      w.vegaPerPoint,
    ]);
    assertEquals(b.computed, ["gamma", "theta", "vega"]);
    assertEquals([s.get(110)!.delta, s.get(110)!.computed], [null, null]);
    assertEquals([s.get(90)!.implied_volatility, s.get(90)!.computed], [null, null]);
    const today = await t.optionChain({ symbol: "XYZ", expiry: "2024-01-02", at: TS });
    assertEquals([today[0]!.implied_volatility, today[0]!.computed], [null, null]);
    // input cannot claim a computed field
    await t.upsertOptions([
      {
        ...row,
        strike: 100,
        implied_volatility: 0.25,
        delta: 0.5,
        gamma: 1,
        theta: -1,
        vega: 1,
        computed: ["delta"],
      } as never,
    ]);
    const [again] = await t.optionChain({ symbol: "XYZ", expiry: "2024-02-16", at: TS })
      .then((c) => c.filter((o) => o.strike === 100));
    assertEquals([again!.gamma, again!.computed], [1, null]);
  });
});

Deno.test("GET /options/{symbol}/metrics and /strategies answer what @mds/analytics answers for the stored chain", async () => {
  await withClients(async (client, name) => {
    const tenant = newTenant();
    const t = client.tenant(tenant);
    await t.upsertOptions(chainRows());
    const app = createServiceApp({
      client,
      verifyKey: (key) => Promise.resolve(key === "k" ? { id: "k", tenant, readOnly: true } : null),
    });
    const get = (path: string) => app.request(path, { headers: { authorization: "Bearer k" } });
    const stored = await t.optionChains({ symbol: "XYZ", at: "2024-01-03T00:00:00Z" });
    const chain: OptionChain = {
      spot: SPOT,
      asOf: new Date(TS),
      rate: 0.05,
      dividendYield: 0.01,
      contracts: stored.map(optionContractOf),
    };
    assertEquals(stored.length, 20);
    assert(stored.every((s) => s.computed?.length === 5), "every greek computed");
    const q = "at=2024-01-03T00:00:00Z&rate=0.05&dividend_yield=0.01";
    const m = await get(`/options/xyz/metrics?${q}`);
    assertEquals(m.status, 200, name);
    const mj = await m.json();
    assertEquals(mj.metrics, JSON.parse(JSON.stringify(chainMetrics(chain))));
    assertEquals([mj.symbol, mj.vendor, mj.spot, mj.as_of, mj.contracts], [
      "XYZ",
      "opra",
      SPOT,
      "2024-01-02T15:00:00.000Z",
      20,
    ]);
    const all = await (await get(`/options/XYZ/strategies?${q}`)).json();
    assertEquals(all.strategies, JSON.parse(JSON.stringify(buildStrategies(chain))));
    const one = await get(`/options/XYZ/strategies?${q}&type=bull_call_spread&strikes=95,105`);
    assertEquals((await one.json()).strategies, [
      JSON.parse(JSON.stringify(buildStrategy(chain, "bull_call_spread", { strikes: [95, 105] }))),
    ]);
    const unknown = await get(`/options/NOPE/metrics`);
    assertEquals([unknown.status, (await unknown.json()).error.code], [404, "MDS_NOT_FOUND"]);
    for (
      const [path, field] of [
        [`/options/XYZ/metrics?rate=abc`, "rate"],
        [`/options/XYZ/metrics?at=yesterday`, "at"],
        [`/options/XYZ/strategies?type=moonshot`, "type"],
        [`/options/XYZ/strategies?strikes=95,105`, "strikes"],
        [`/options/XYZ/metrics?color=red`, "color"],
      ]
    ) {
      const r = await get(path!);
      const body = await r.json();
      assertEquals(r.status, 400, path);
      assert(JSON.stringify(body.error).includes(field!), `${path}: ${JSON.stringify(body)}`);
    }
    const noKey = await app.request("/options/XYZ/metrics");
    assertEquals(noKey.status, 401);
    app.close();
  });
});
