import { prepareRows, TABLES } from "@mds/sql";
import { assert, assertEquals } from "../testing/assert.ts";
import { markPrepared, prepared } from "./_prepared.ts";

const T = "00000000-0000-4000-8000-000000000001";
const base = {
  tenant_id: T,
  vendor: "v",
  timeframe: "1m",
  volume: 1,
  vwap: null,
  trade_count: null,
};
const bar = (symbol: string, minute: number, close: number) => {
  const ts = new Date(Date.UTC(2024, 0, 2, 14, 30 + minute));
  return { ...base, ts, symbol, open: close, high: close, low: close, close };
};

Deno.test("prepared() takes a marked array as it is and prepares any other", () => {
  const rows = [bar("B", 1, 1), bar("A", 1, 2), bar("B", 1, 3)];
  const keys = new Set<string>();
  const once = markPrepared(prepareRows(TABLES.bars, rows, keys));
  assertEquals(once.map((r) => `${r.symbol}${r.close}`), ["A2", "B3"]);
  assertEquals(keys.size, 2);
  assert(prepared(TABLES.bars, once) === once, "a marked array is not prepared again");
  const fresh = prepared(TABLES.bars, rows);
  assert(fresh !== rows);
  assertEquals(fresh, once);
  // a copy carries no mark: prepared again, same result
  const copy = [...once];
  assert(prepared(TABLES.bars, copy) !== copy);
  assertEquals(Object.keys(once), ["0", "1"], "the mark is not enumerable");
});
