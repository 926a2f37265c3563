import { type InvalidCase, testRejections, testSameAsModel } from "../testing/model_cases.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import { type Bar, type BarInput, parseBar } from "./bar.ts";
import { BarSchema } from "./bar.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: BarInput = {
  ts: "2024-01-02T14:30:00Z",
  vendor: "polygon",
  symbol: "AAPL",
  timeframe: "1m",
  open: 10,
  high: 12,
  low: 9,
  close: 11,
  volume: 100,
};

Deno.test("BarSchema is typed with exactly the declared Bar and BarInput interfaces", () => {
  const same: Equal<ModelOutput<typeof BarSchema>, Bar> = true;
  const input: Equal<ModelInput<typeof BarSchema>, BarInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("parseBar() normalises vendor, symbol, timestamps and defaults", () => {
  const bar = parseBar({ ...ok, vendor: " Polygon ", symbol: " brk.b ", volume: undefined });
  assertEquals(bar.vendor, "polygon");
  assertEquals(bar.symbol, "BRK.B");
  assertEquals(bar.volume, 0);
  assertEquals(bar.vwap, null);
  assertEquals(bar.trade_count, null);
  assertEquals(parseBar({ ...ok, ts: 1704205800000 }).ts.toISOString(), "2024-01-02T14:30:00.000Z");
  assertEquals(
    parseBar({ ...ok, ts: "2024-01-02T09:30:00.250-05:00" }).ts.toISOString(),
    "2024-01-02T14:30:00.250Z",
  );
  assertEquals(
    parseBar({ ...ok, ts: "2024-01-02 14:30Z" }).ts.toISOString(),
    "2024-01-02T14:30:00.000Z",
  );
});

Deno.test("parseBar() accepts bars on the edges of the OHLC rules", () => {
  assertEquals(parseBar({ ...ok, open: 5, high: 5, low: 5, close: 5 }).high, 5);
  assertEquals(parseBar({ ...ok, open: 0, high: 0, low: 0, close: 0, volume: 0 }).close, 0);
});

const invalid: InvalidCase[] = [
  ["an unknown timeframe", { timeframe: "7x" }, "timeframe", "7x", "must be one of 1m, 5m"],
  ["a date-only timestamp", { ts: "2024-01-02" }, "ts", "2024-01-02", "expected ISO 8601"],
  ["year 0", { ts: "0000-01-01T00:00:00Z" }, "ts", "0000-01-01T00:00:00Z", "outside the years"],
  [
    "year 10000",
    { ts: "10000-01-01T00:00:00Z" },
    "ts",
    "10000-01-01T00:00:00Z",
    "expected ISO 8601",
  ],
  [
    "February 30",
    { ts: "2024-02-30T00:00:00Z" },
    "ts",
    "2024-02-30T00:00:00Z",
    "not a calendar date",
  ],
  ["hour 24", { ts: "2024-01-02T24:00:00Z" }, "ts", "2024-01-02T24:00:00Z", "not a time of day"],
  [
    "microseconds",
    { ts: "2024-01-02T14:30:00.000001Z" },
    "ts",
    "2024-01-02T14:30:00.000001Z",
    "sub-millisecond",
  ],
  ["fractional epoch", { ts: 1.5 }, "ts", 1.5, "whole number"],
  ["a boolean timestamp", { ts: true }, "ts", true, "got a boolean"],
  ["a missing close", { close: undefined }, "close", undefined, "is required"],
  ["a price as text", { open: "10" }, "open", "10", "expected a number, got a string"],
  ["NaN", { open: NaN }, "open", NaN, "finite"],
  ["Infinity", { high: Infinity }, "high", Infinity, "finite"],
  ["a negative price", { low: -1 }, "low", -1, "must not be negative"],
  ["negative volume", { volume: -5 }, "volume", -5, "must not be negative"],
  ["fractional volume", { volume: 1.5 }, "volume", 1.5, "whole number"],
  [
    "high below low",
    { high: 8, low: 9, open: 8, close: 8 },
    "high",
    8,
    "below the open, close or low",
  ],
  ["high below close", { close: 13 }, "high", 12, "below the open, close or low"],
  ["low above open", { low: 10.5 }, "low", 10.5, "above the open or close"],
  ["an empty symbol", { symbol: "  " }, "symbol", "  ", "must not be empty"],
  ["a symbol with a space", { symbol: "BRK B" }, "symbol", "BRK B", "without spaces"],
  ["a symbol with NUL", { symbol: "A\u0000B" }, "symbol", "A\u0000B", "control characters"],
  ["a vendor with a slash", { vendor: "a/b" }, "vendor", "a/b", "a-z, 0-9"],
  ["a bad tenant id", { tenant_id: "abc" }, "tenant_id", "abc", "must be a UUID"],
  // The original interface's spellings: a conflict names both, and the rules apply to them too.
  [
    "close and close_price disagreeing",
    { close_price: 11.5 },
    "close",
    11,
    'differs from "close_price" (11.5): give one',
  ],
  ["open and open_price disagreeing", { open_price: 9.5 }, "open", 10, '"open_price" (9.5)'],
  ["a missing close and close_price", { close: undefined }, "close", undefined, "close_price"],
  ["a negative close_price", { close_price: -1 }, "close_price", -1, "must not be negative"],
  ["a close_price as text", { close_price: "1" }, "close_price", "1", "expected a number"],
  [
    "high_price below close_price",
    {
      open: undefined,
      high: undefined,
      low: undefined,
      close: undefined,
      high_price: 5,
      close_price: 6,
    },
    "high",
    5,
    "below the open, close or low",
  ],
  [
    "low above close with no open or high",
    { open: undefined, high: undefined, close: 8 },
    "low",
    9,
    "above the open or close",
  ],
  ["a null close", { close: null }, "close", null, "expected a number, got null"],
];

Deno.test("parseBar() accepts the original interface's spellings, with open, high and low optional", () => {
  const seed = {
    vendor: "ibkr",
    symbol: "AAPL",
    timeframe: "1d",
    ts: "2025-07-11T00:00:00Z",
    close_price: 503.32,
  };
  const closeOnly = parseBar(seed);
  assertEquals(
    [closeOnly.open, closeOnly.high, closeOnly.low, closeOnly.close, closeOnly.volume],
    [null, null, null, 503.32, 0],
  );
  const full = parseBar({
    ...seed,
    id: "7f1c0000-0000-4000-8000-000000000001",
    open_price: 500,
    high_price: 505,
    low_price: 499,
    volume: 1000,
  });
  assertEquals([full.open, full.high, full.low, full.close, full.volume], [
    500,
    505,
    499,
    503.32,
    1000,
  ]);
  assertEquals("id" in full || "close_price" in full, false);
  // Both spellings with the same value are one value.
  assertEquals(parseBar({ ...ok, close_price: 11, open_price: 10 }).close, 11);
  // Checks apply to what is present: a high alone need only be at least the close.
  assertEquals(parseBar({ ...seed, high_price: 503.32 }).high, 503.32);
  assertEquals(parseBar({ ...seed, volume: null }).volume, 0);
});

testRejections("parseBar", "bar", parseBar, ok, invalid, 7);
testSameAsModel("parseBar", "bar", parseBar, BarSchema, ok, invalid, [
  {
    ...ok,
    ts: "2024-01-02T09:30:00.250-05:00",
    vendor: " Polygon ",
    symbol: " brk.b ",
    volume: undefined,
  },
  {
    ...ok,
    ts: Date.UTC(2024, 0, 2),
    vwap: 10.5,
    trade_count: 12,
    tenant_id: "6F1C7A54-3B1E-4C8E-9A57-2D4BE1F0A001",
  },
  { ...ok, ts: new Date("2024-01-02T00:00:00Z"), vwap: null, trade_count: null, extra: "ignored" },
  {
    ts: "2024-01-01T10:00:00",
    vendor: "ibkr",
    symbol: "AAPL",
    timeframe: "1m",
    close_price: 150.5,
  },
  { ...ok, open: undefined, open_price: 10, high_price: 12, low: null, close_price: 11, id: 7 },
]);

Deno.test("parseBar() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseBar("hello"), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, 'Invalid bar: row is "hello": expected a JSON object');
});
