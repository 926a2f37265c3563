// Runs the @mds/client bundle on Node: for each backend, upsert bars for a fresh tenant, read them
// back with latestPrices and barsWindow, upsert them again (insert and copy modes) and check that
// nothing changed. Throws (exit code 1) on any mismatch; prints one JSON line with the results.
//
// Usage: node smoke.mjs <bundle.mjs>
// PGlite in memory always runs; MDS_NODE_SERVER_URL adds a PostgreSQL server (migrated here).
// MDS_NODE_WITHOUT_PGLITE=1 is for a bundle run where @electric-sql/pglite is not installed: the
// bundle must still load and serve the server, and only opening an embedded store fails
// (MDS_CONFIG). The server is then reached with the tenant in the URL
// (`options=-c app.tenant_id=<uuid>`), used as the client's default tenant.
import { deepStrictEqual } from "node:assert/strict";
import { randomUUID } from "node:crypto";
import process from "node:process";
import { pathToFileURL } from "node:url";

const bundle = process.argv[2];
if (!bundle) throw new Error("usage: node smoke.mjs <bundle.mjs>");
const { createClient } = await import(pathToFileURL(bundle).href);

// Input as a caller would send it: lower-case symbol and mixed-case vendor are normalised.
const BARS = [
  ...[0, 1, 2, 3].map((i) => ({
    ts: `2024-01-02T14:3${i}:00Z`,
    vendor: "Polygon",
    symbol: "aapl",
    timeframe: "1m",
    open: 185 + i,
    high: 185.5 + i,
    low: 184.5 + i,
    close: 185.25 + i,
    volume: 100 * (i + 1),
    ...(i === 0 ? { vwap: 185.2, trade_count: 12 } : {}),
  })),
  {
    ts: Date.UTC(2024, 0, 2, 14, 30),
    vendor: "polygon",
    symbol: "MSFT",
    timeframe: "1m",
    open: 370,
    high: 371,
    low: 369.5,
    close: 370.75,
    volume: 50,
  },
];

const iso = (d) => {
  if (!(d instanceof Date)) throw new Error(`expected a Date, got ${typeof d}: ${String(d)}`);
  return d.toISOString();
};
const barJson = (b) => ({
  ts: iso(b.ts),
  vendor: b.vendor,
  symbol: b.symbol,
  timeframe: b.timeframe,
  open: b.open,
  high: b.high,
  low: b.low,
  close: b.close,
  volume: b.volume,
  vwap: b.vwap,
  trade_count: b.trade_count,
});
const check = (what, actual, expected) => {
  deepStrictEqual(actual, expected, `${what}: ${JSON.stringify(actual)}`);
};

const aapl = BARS.slice(0, 4);
const expectedWindow = aapl.map((b) => ({
  ts: new Date(b.ts).toISOString(),
  vendor: "polygon",
  symbol: "AAPL",
  timeframe: "1m",
  open: b.open,
  high: b.high,
  low: b.low,
  close: b.close,
  volume: b.volume,
  vwap: b.vwap ?? null,
  trade_count: b.trade_count ?? null,
}));
const expectedLatest = [
  { symbol: "AAPL", vendor: "polygon", price: 188.25, as_of: "2024-01-02T14:34:00.000Z" },
  { symbol: "MSFT", vendor: "polygon", price: 370.75, as_of: "2024-01-02T14:31:00.000Z" },
].map((p) => ({ ...p, timeframe: "1m" }));
const n = BARS.length;

async function exercise(name, options, dsnTenant) {
  const client = await createClient(options);
  try {
    const health = await client.health();
    check("health.backend", health.backend, name === "pglite" ? "pglite" : "postgres");
    const tenant = dsnTenant ?? randomUUID();
    // with the tenant in the URL, the client's default tenant
    const t = dsnTenant ? client.tenant() : client.tenant(tenant);
    check("tenant", t.tenant, tenant);

    const first = await t.upsertBars(BARS);
    check("first upsert", first, { rows: n, unique: n, inserted: n, updated: 0, unchanged: 0 });

    const latest = (await t.latestPrices(["AAPL", "msft"])).map((p) => {
      check("latest tenant", p.tenant_id, tenant);
      return {
        symbol: p.symbol,
        vendor: p.vendor,
        price: p.price,
        as_of: iso(p.as_of),
        timeframe: p.timeframe,
      };
    });
    check("latestPrices", latest, expectedLatest);

    const window1m = (await t.barsWindow({
      symbol: "aapl",
      timeframe: "1m",
      start: "2024-01-02T14:30:00Z",
      end: "2024-01-02T14:34:00Z",
    })).map(barJson);
    check("barsWindow 1m", window1m, expectedWindow);

    const window5m = (await t.barsWindow({
      symbol: "AAPL",
      timeframe: "5m",
      start: "2024-01-02T14:30:00Z",
      end: "2024-01-02T14:35:00Z",
    })).map((b) => ({
      ts: iso(b.ts),
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
    }));
    check("barsWindow 5m", window5m, [{
      ts: "2024-01-02T14:30:00.000Z",
      open: 185,
      high: 188.5,
      low: 184.5,
      close: 188.25,
      volume: 1000,
    }]);

    const again = await t.upsertBars(BARS);
    check("second upsert", again, { rows: n, unique: n, inserted: 0, updated: 0, unchanged: n });
    const result = { backend: name, first, again, latest, window1m, window5m };
    result.againCopy = await t.upsertBars(BARS, { mode: "copy" });
    check("copy upsert", result.againCopy, {
      rows: n,
      unique: n,
      inserted: 0,
      updated: 0,
      unchanged: n,
    });
    return result;
  } finally {
    await client.close();
  }
}

const withoutPglite = process.env.MDS_NODE_WITHOUT_PGLITE === "1";
const results = [];
if (withoutPglite) {
  const embedded = await createClient({ memory: true }).then(
    async (c) => (await c.close(), "opened"),
    (err) => err.code,
  );
  check("embedded store without PGlite", embedded, "MDS_CONFIG");
} else {
  results.push(await exercise("pglite", { memory: true }));
}
const url = process.env.MDS_NODE_SERVER_URL;
if (url) {
  if (withoutPglite) {
    const tenant = randomUUID();
    const dsn = `${url}${url.includes("?") ? "&" : "?"}options=${
      encodeURIComponent(`-c app.tenant_id=${tenant} -c search_path=public`)
    }`;
    results.push(await exercise("postgres", { url: dsn, migrate: true, timescale: "off" }, tenant));
  } else {
    results.push(await exercise("postgres", { url, migrate: true, timescale: "off" }));
  }
}
console.log(JSON.stringify({ node: process.version, results }));
