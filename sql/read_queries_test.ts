// The read statements tested as data: their text and parameters, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped, squash } from "../testing/sql_query.ts";
import { MIGRATION_FILES } from "./migrations_data.ts";
import {
  aggregateOf,
  buildAggregateBarsWindow,
  buildBarsWindow,
  buildFundamentalsAsOf,
  buildIngestCursors,
  buildLatestPrices,
  buildNews,
  buildOptionChain,
  latestPriceRows,
  windowBars,
} from "./read_queries.ts";
import { AGGREGATES } from "./timescale.ts";
import { TIMEFRAMES } from "./timeframes.ts";

const START = new Date("2024-01-02T14:30:00Z");
const END = new Date("2024-01-02T21:00:00Z");
const WINDOW = {
  symbol: "AAPL",
  timeframe: "1h" as const,
  start: START,
  end: END,
  vendor: null,
  limit: 500,
  after: null,
};
const AFTER = { ts: new Date("2024-01-02T15:30:00Z"), vendor: "polygon" };

Deno.test("aggregateOf() serves 5m, 1h and 1d from the aggregates and nothing else", () => {
  assertEquals(
    TIMEFRAMES.map((tf) => [tf, aggregateOf(tf)]),
    [
      ["1m", null],
      ["5m", "bars_5m"],
      ["15m", null],
      ["30m", null],
      ["1h", "bars_1h"],
      ["4h", null],
      ["1d", "bars_1d"],
      ["1w", null],
    ],
  );
  assertEquals(aggregateOf("toString" as never), null);
});

Deno.test("buildBarsWindow() reads the tenant's stored bars of one series in key order", () => {
  const q = buildBarsWindow({ ...WINDOW, timeframe: "1m", vendor: "polygon" });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["AAPL", "1m", START, END, "polygon", 500, null, null]);
  assertIncludes(q.text, "FROM mds.bars");
  assertIncludes(q.text, "ts >= $3 AND ts < $4");
  assertIncludes(q.text, "ORDER BY ts, vendor LIMIT $6");
});

Deno.test("buildBarsWindow() sends only the columns that vary within the window", () => {
  const q = buildBarsWindow({ ...WINDOW, timeframe: "1m" });
  assertIncludes(
    q.text,
    "SELECT ts, vendor, open, high, low, close, volume, vwap, trade_count FROM",
  );
  const known = buildBarsWindow({ ...WINDOW, timeframe: "1m", knownAt: END });
  assertIncludes(
    known.text,
    "SELECT ts, vendor, open, high, low, close, volume, vwap, trade_count FROM",
  );
});

Deno.test("windowBars() gives each row the window's tenant, symbol and timeframe, in order", () => {
  const row = (minute: number, vendor: string) => ({
    ts: new Date(START.getTime() + minute * 60_000),
    vendor,
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
    vwap: null,
    trade_count: 3,
  });
  const rows = [row(0, "a"), row(0, "b"), row(1, "a")];
  const bars = windowBars(rows, { tenant: "t", symbol: "AAPL", timeframe: "1m" });
  assertEquals(bars.map((b) => `${b.ts.toISOString()} ${b.vendor}`), [
    "2024-01-02T14:30:00.000Z a",
    "2024-01-02T14:30:00.000Z b",
    "2024-01-02T14:31:00.000Z a",
  ]);
  assertEquals(bars[2], { tenant_id: "t", symbol: "AAPL", timeframe: "1m", ...rows[2]! });
  // the fields of a stored bar, in its column order (what JSON responses print)
  assertEquals(Object.keys(bars[0]!), [
    "tenant_id",
    "ts",
    "vendor",
    "symbol",
    "timeframe",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "vwap",
    "trade_count",
  ]);
  assertEquals(windowBars([], { tenant: "t", symbol: "A", timeframe: "1m" }), []);
});

Deno.test("buildBarsWindow() continues after the last bar of the previous page", () => {
  const q = buildBarsWindow({ ...WINDOW, after: AFTER });
  assertEquals(q.params.slice(6), [AFTER.ts, "polygon"]);
  assertIncludes(q.text, "(ts, vendor) > ($7::timestamptz, $8::text)");
});

Deno.test("buildAggregateBarsWindow() reads the continuous aggregate's view with TimescaleDB", () => {
  for (const tf of ["5m", "1h", "1d"] as const) {
    const q = buildAggregateBarsWindow({ ...WINDOW, timeframe: tf, after: AFTER }, "timescale")!;
    assertTenantScoped(q);
    assertPlaceholders(q);
    assertIncludes(q.text, `FROM mds.${aggregateOf(tf)}\n`);
    assertIncludes(q.text, "SELECT bucket AS ts, vendor, open, high, low, close, volume,");
    assertEquals(q.params, ["AAPL", START, END, null, 500, AFTER.ts, "polygon"]);
  }
});

Deno.test("buildAggregateBarsWindow() aggregates only the window's 1m bars without TimescaleDB", () => {
  const q = buildAggregateBarsWindow({ ...WINDOW, vendor: "polygon" }, "plain")!;
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["AAPL", START, END, "polygon", 500, null, null]);
  assertIncludes(q.text, "FROM mds.bars");
  assert(!q.text.includes("mds.bars_1h"), "reads the plain view, which aggregates every bar");
  assertIncludes(q.text, "timeframe = '1m' AND ts >= $2 AND ts < $3");
  assertIncludes(q.text, "SELECT bucket AS ts, vendor, open, high, low, close, volume,");
  assertIncludes(q.text, "NULL::float8 AS vwap, NULL::bigint AS trade_count");
  assertIncludes(q.text, "ORDER BY bucket, vendor LIMIT $5");
});

Deno.test("buildAggregateBarsWindow() has no statement for a timeframe without an aggregate", () => {
  for (const tf of ["1m", "15m", "30m", "4h", "1w"] as const) {
    assertEquals(buildAggregateBarsWindow({ ...WINDOW, timeframe: tf }, "plain"), null);
    assertEquals(buildAggregateBarsWindow({ ...WINDOW, timeframe: tf }, "timescale"), null);
  }
});

/** The body of `CREATE VIEW mds_core.<name>` in migration 0005's plain section. */
function plainView(name: string): string {
  const sql = MIGRATION_FILES.find((f) => f.name.startsWith("0005_"))!.sql;
  const plain = sql.slice(sql.indexOf("-- mds:plain"), sql.indexOf("-- mds:all"));
  const start = plain.indexOf(`CREATE VIEW mds_core.${name} AS`);
  assert(start >= 0, `migration 0005 has no plain view ${name}`);
  return squash(plain.slice(start, plain.indexOf(";", start)));
}

Deno.test("buildAggregateBarsWindow() aggregates as migration 0005's plain views do", () => {
  for (const aggregate of AGGREGATES) {
    const tf = ({ bars_5m: "5m", bars_1h: "1h", bars_1d: "1d" } as const)[aggregate];
    const view = plainView(aggregate);
    const text = squash(buildAggregateBarsWindow({ ...WINDOW, timeframe: tf }, "plain")!.text);
    const bucket = /date_bin\([^)]*\) AS bucket/.exec(text)![0];
    assertIncludes(view, bucket);
    const ohlcv = text.slice(text.indexOf("(array_agg(open"), text.indexOf(" FROM mds.bars"));
    // the view adds bar_count after the volume
    assertIncludes(view, ohlcv.replace("AS volume", "AS volume,"));
    assertIncludes(view, "WHERE timeframe = '1m' GROUP BY 1, 2, 3, 4");
    assertIncludes(text, "tenant_id, vendor, symbol,");
    assertIncludes(text, "GROUP BY 1, 2, 3, 4");
  }
});

Deno.test("buildLatestPrices() passes the tickers as one array parameter", () => {
  const symbols = ["AAPL", "MSFT"];
  const q = buildLatestPrices(symbols, "polygon");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [["AAPL", "MSFT"], "polygon"]);
  assert(q.params[0] !== symbols, "the caller's array is copied");
  assertIncludes(q.text, "FROM mds.latest_prices");
  assertEquals(buildLatestPrices([], null).params, [[], null]);
});

Deno.test("buildLatestPrices() leaves out the tenant and the second spelling of as_of", () => {
  const columns = "SELECT vendor, symbol, as_of, price, timeframe, updated_at FROM";
  assertIncludes(buildLatestPrices(["A"], null).text, columns);
  const known = buildLatestPrices(["A"], null, { knownAt: END }).text;
  assertIncludes(known, "SELECT DISTINCT ON (symbol, vendor) vendor, symbol,");
  assertIncludes(
    known,
    "AS as_of, close AS price,\n            timeframe, recorded_at AS updated_at",
  );
});

Deno.test("latestPriceRows() gives each row the tenant and price_timestamp, in order", () => {
  const row = (symbol: string, minute: number) => ({
    vendor: "v",
    symbol,
    as_of: new Date(START.getTime() + minute * 60_000),
    price: minute,
    timeframe: "1m" as const,
    updated_at: END,
  });
  const rows = [row("A", 1), row("B", 2)];
  const prices = latestPriceRows(rows, "t");
  assertEquals(prices.map((p) => p.symbol), ["A", "B"]);
  assertEquals(prices[1], { tenant_id: "t", ...rows[1]!, price_timestamp: rows[1]!.as_of });
  assert(prices[1]!.price_timestamp !== rows[1]!.as_of, "a Date of its own");
  // the fields of a stored latest price, in its column order (what JSON responses print)
  assertEquals(Object.keys(prices[0]!), [
    "tenant_id",
    "vendor",
    "symbol",
    "as_of",
    "price",
    "price_timestamp",
    "timeframe",
    "updated_at",
  ]);
  assertEquals(latestPriceRows([], "t"), []);
});

Deno.test("buildNews() filters by symbol and time only when given, newest first", () => {
  const since = new Date("2024-01-01T00:00:00Z");
  const q = buildNews({ symbol: "AAPL", since, limit: 10 });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["AAPL", since, 10]);
  assertIncludes(q.text, "($1::text IS NULL OR symbols @> ARRAY[$1::text])");
  assertIncludes(q.text, "($2::timestamptz IS NULL OR published_at >= $2)");
  assertIncludes(q.text, "ORDER BY published_at DESC, vendor, id LIMIT $3");
  assertEquals(buildNews({ symbol: null, since: null, limit: 100 }).params, [null, null, 100]);
});

Deno.test("buildOptionChain() takes the newest snapshot per contract at a time", () => {
  const at = new Date("2024-01-02T15:00:00Z");
  const q = buildOptionChain({ symbol: "SPY", expiry: "2024-01-19", at, vendor: null });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["SPY", "2024-01-19", at, null]);
  assertIncludes(q.text, "FROM mds.option_snapshots");
  assertIncludes(q.text, "expiry = $2::date AND ts <= $3");
  assertIncludes(q.text, "ORDER BY vendor, option_type, strike, ts DESC");
});

Deno.test("buildFundamentalsAsOf() takes the newest record per vendor at or before a date", () => {
  const q = buildFundamentalsAsOf({ symbol: "AAPL", asOf: "2024-03-31", vendor: null });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["AAPL", "2024-03-31", null]);
  assertIncludes(q.text, "SELECT DISTINCT ON (vendor)");
  assertIncludes(q.text, "FROM mds.fundamentals");
  assertIncludes(q.text, "ORDER BY vendor, asof DESC");
});

Deno.test("buildIngestCursors() lists every cursor or one symbol's", () => {
  const q = buildIngestCursors("AAPL");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["AAPL"]);
  assertIncludes(q.text, "($1::text IS NULL OR symbol = $1)");
  assertIncludes(q.text, "ORDER BY dataset, symbol, vendor, timeframe");
  assertEquals(buildIngestCursors(null).params, [null]);
});
