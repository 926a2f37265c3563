// Text forms of values: a float8 -0 keeps its sign on both write paths, while 0 and -0 remain
// one key, as they are to PostgreSQL.
import { assertEquals } from "../testing/assert.ts";
import { toText } from "./_encode.ts";
import { parseBar } from "./bar.ts";
import { encodeCopyRows } from "./copy.ts";
import { TABLES } from "./tables.ts";
import { buildUpsert, prepareRows, rowKey } from "./upsert.ts";

const T1 = "00000000-0000-4000-8000-000000000001";

Deno.test("toText() spells a float8 -0 with its sign, as PostgreSQL reads it back", () => {
  assertEquals(toText("float8", -0), "-0");
  assertEquals(toText("float8", 0), "0");
  assertEquals(toText("float8", -1.5), "-1.5");
  assertEquals(toText("float8", 5e-324), "5e-324");
  assertEquals(toText("int8", 0), "0");
});

const negativeZeroBar = {
  ...parseBar({
    ts: "2024-01-02T14:30:00Z",
    vendor: "v",
    symbol: "Z",
    timeframe: "1m",
    open: 1,
    high: 1,
    low: 0,
    close: 1,
    vwap: -0,
  }),
  tenant_id: T1,
};

Deno.test("encodeCopyRows() writes a -0 vwap as -0", () => {
  const fields = encodeCopyRows(TABLES.bars, [negativeZeroBar]).slice(0, -1).split("\t");
  const vwap = TABLES.bars.columns.findIndex((c) => c.name === "vwap");
  assertEquals(fields[vwap], "-0");
  const low = TABLES.bars.columns.findIndex((c) => c.name === "low");
  assertEquals(fields[low], "0");
});

Deno.test("buildUpsert() sends a -0 vwap as -0 in its unnest parameter", () => {
  const q = buildUpsert(TABLES.bars, { kind: "unnest", rows: [negativeZeroBar] });
  const vwap = TABLES.bars.columns.findIndex((c) => c.name === "vwap");
  assertEquals(q.params[vwap], '{"-0"}');
});

Deno.test("rowKey() and prepareRows() treat a strike of -0 and of 0 as one key", () => {
  const option = (strike: number, bid: number) => ({
    tenant_id: T1,
    ts: new Date("2024-01-02T15:00:00Z"),
    vendor: "v",
    symbol: "SPY",
    expiry: "2024-01-19",
    option_type: "call",
    strike,
    bid,
  });
  assertEquals(rowKey(TABLES.options, option(-0, 1)), rowKey(TABLES.options, option(0, 1)));
  // two rows PostgreSQL would see as one key must not reach one upsert statement
  const rows = prepareRows(TABLES.options, [option(0, 1), option(-0, 2)]);
  assertEquals(rows.length, 1);
  assertEquals(rows[0]!.bid, 2);
  assertEquals(Object.is(rows[0]!.strike, -0), true, "the last row wins, its -0 kept");
});
