import { type InvalidCase, testRejections, testSameAsModel } from "../testing/model_cases.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import { parseQuote, type Quote, type QuoteInput, QuoteSchema } from "./quote.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: QuoteInput = {
  ts: "2024-01-02T14:30:00.250Z",
  vendor: "polygon",
  symbol: "AAPL",
  bid: 185.1,
  ask: 185.12,
  last: 185.11,
  bid_size: 300,
  ask_size: 200,
};

Deno.test("QuoteSchema is typed with exactly the declared Quote and QuoteInput interfaces", () => {
  const same: Equal<ModelOutput<typeof QuoteSchema>, Quote> = true;
  const input: Equal<ModelInput<typeof QuoteSchema>, QuoteInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("parseQuote() keeps every field of a complete quote", () => {
  assertEquals(parseQuote(ok), {
    tenant_id: undefined,
    ts: new Date("2024-01-02T14:30:00.250Z"),
    vendor: "polygon",
    symbol: "AAPL",
    bid: 185.1,
    ask: 185.12,
    last: 185.11,
    bid_size: 300,
    ask_size: 200,
  });
});

Deno.test("parseQuote() normalises vendor, symbol, time and tenant and fills absent fields with null", () => {
  const q = parseQuote({
    tenant_id: "6F1C7A54-3B1E-4C8E-9A57-2D4BE1F0A001",
    ts: 1704205800000,
    vendor: " IEX ",
    symbol: " brk.b ",
    last: 412.5,
  });
  assertEquals(q, {
    tenant_id: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
    ts: new Date("2024-01-02T14:30:00Z"),
    vendor: "iex",
    symbol: "BRK.B",
    bid: null,
    ask: null,
    last: 412.5,
    bid_size: null,
    ask_size: null,
  });
});

Deno.test("parseQuote() accepts a one-sided quote, a locked market and zero prices and sizes", () => {
  assertEquals(parseQuote({ ...ok, ask: null, last: undefined }).bid, 185.1);
  assertEquals(parseQuote({ ...ok, bid: undefined, last: null }).ask, 185.12);
  assertEquals(parseQuote({ ...ok, bid: 185.12, ask: 185.12 }).ask, 185.12);
  const zero = parseQuote({ ...ok, bid: 0, ask: 0, last: 0, bid_size: 0, ask_size: 0 });
  assertEquals([zero.bid, zero.ask, zero.last, zero.bid_size, zero.ask_size], [0, 0, 0, 0, 0]);
  assertEquals(parseQuote({ ...ok, bid_size: Number.MAX_SAFE_INTEGER }).bid_size, 2 ** 53 - 1);
});

const invalid: InvalidCase[] = [
  ["a missing ts", { ts: undefined }, "ts", undefined, "is required"],
  ["a missing vendor", { vendor: undefined }, "vendor", undefined, "is required"],
  ["a missing symbol", { symbol: undefined }, "symbol", undefined, "is required"],
  [
    "a ts in microseconds",
    { ts: "2024-01-02T14:30:00.000001Z" },
    "ts",
    "2024-01-02T14:30:00.000001Z",
    "sub-millisecond precision",
  ],
  ["a symbol with a space", { symbol: "BRK B" }, "symbol", "BRK B", "without spaces"],
  ["an empty symbol", { symbol: " " }, "symbol", " ", "must not be empty"],
  ["a vendor with a slash", { vendor: "poly/gon" }, "vendor", "poly/gon", "a-z, 0-9"],
  ["a bad tenant id", { tenant_id: "42" }, "tenant_id", "42", "must be a UUID"],
  ["a negative bid", { bid: -0.01 }, "bid", -0.01, "must not be negative"],
  ["a negative ask", { bid: null, ask: -1 }, "ask", -1, "must not be negative"],
  ["a negative last", { last: -5 }, "last", -5, "must not be negative"],
  ["a NaN bid", { bid: NaN }, "bid", NaN, "must be a finite number"],
  ["an infinite ask", { ask: Infinity }, "ask", Infinity, "must be a finite number"],
  ["a last as text", { last: "185.11" }, "last", "185.11", "expected a number, got a string"],
  ["an ask below the bid", { bid: 185.12, ask: 185.1 }, "ask", 185.1, "is below the bid"],
  ["an ask of 0 below the bid", { bid: 0.05, ask: 0 }, "ask", 0, "is below the bid"],
  ["a fractional bid size", { bid_size: 1.5 }, "bid_size", 1.5, "must be a whole number"],
  ["a negative ask size", { ask_size: -1 }, "ask_size", -1, "must not be negative"],
  [
    "an ask size beyond 2^53 - 1",
    { ask_size: 2 ** 53 },
    "ask_size",
    2 ** 53,
    "no larger than 9007199254740991",
  ],
  ["a bid size as text", { bid_size: "300" }, "bid_size", "300", "got a string"],
  [
    "no price at all",
    { bid: undefined, ask: undefined, last: undefined },
    "bid",
    undefined,
    "a quote needs a bid, an ask or a last price",
  ],
  [
    "only null prices",
    { bid: null, ask: null, last: null },
    "bid",
    null,
    "a quote needs a bid, an ask or a last price",
  ],
];

testRejections("parseQuote", "quote", parseQuote, ok, invalid, 2);
testSameAsModel("parseQuote", "quote", parseQuote, QuoteSchema, ok, invalid, [
  { ...ok, bid: undefined, ask: 0, last: null, symbol: "brk.b" },
  { ts: 0, vendor: "V", symbol: "a", last: 1, bid_size: null, ask_size: undefined },
]);

Deno.test("parseQuote() names the field and quotes the value in its message", () => {
  const err = assertThrows(() => parseQuote({ ...ok, bid: 2, ask: 1 }, 7), ValidationError);
  assertEquals(err.message, 'Invalid quote at row 7: "ask" is 1: is below the bid');
  const none = assertThrows(
    () => parseQuote({ ts: 0, vendor: "v", symbol: "A", bid_size: 1 }),
    ValidationError,
  );
  assertEquals(
    none.message,
    'Invalid quote: "bid" is missing: a quote needs a bid, an ask or a last price',
  );
});

Deno.test("parseQuote() checks the fields before the prices taken together", () => {
  const err = assertThrows(
    () => parseQuote({ ts: 0, vendor: "v", symbol: "A", bid_size: -1 }),
    ValidationError,
  );
  assertEquals([err.field, err.reason], ["bid_size", "must not be negative"]);
});

Deno.test("parseQuote() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseQuote("185.1"), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, 'Invalid quote: row is "185.1": expected a JSON object');
});
