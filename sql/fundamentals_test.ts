import { type InvalidCase, testRejections, testSameAsModel } from "../testing/model_cases.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import { type Fundamentals, type FundamentalsInput, parseFundamentals } from "./fundamentals.ts";
import { FundamentalsSchema } from "./fundamentals.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: FundamentalsInput = {
  asof: "2024-03-31",
  vendor: "fmp",
  symbol: "MSFT",
  market_cap: 3.1e12,
  pe_ratio: 35.2,
  eps: 2.94,
  revenue: 6.19e10,
  net_income: 2.19e10,
  shares_outstanding: 7_430_000_000,
  dividend_yield: 0.007,
  extra: { sector: "Technology", segments: [{ name: "Cloud", share: 0.4 }] },
};

Deno.test("FundamentalsSchema is typed with exactly the declared Fundamentals and FundamentalsInput interfaces", () => {
  const same: Equal<ModelOutput<typeof FundamentalsSchema>, Fundamentals> = true;
  const input: Equal<ModelInput<typeof FundamentalsSchema>, FundamentalsInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("parseFundamentals() keeps every figure of a complete record", () => {
  assertEquals(parseFundamentals(ok), {
    tenant_id: undefined,
    asof: "2024-03-31",
    vendor: "fmp",
    symbol: "MSFT",
    market_cap: 3.1e12,
    total_assets: null,
    total_liabilities: null,
    pe_ratio: 35.2,
    eps: 2.94,
    revenue: 6.19e10,
    net_income: 2.19e10,
    shares_outstanding: 7_430_000_000,
    dividend_yield: 0.007,
    extra: { sector: "Technology", segments: [{ name: "Cloud", share: 0.4 }] },
  });
});

Deno.test("parseFundamentals() normalises vendor, symbol and tenant id and fills absent figures with null", () => {
  const f = parseFundamentals({
    asof: "2024-02-29",
    vendor: " FMP ",
    symbol: " brk.b ",
    tenant_id: "123E4567-E89B-12D3-A456-426614174000",
  });
  assertEquals(f, {
    tenant_id: "123e4567-e89b-12d3-a456-426614174000",
    asof: "2024-02-29",
    vendor: "fmp",
    symbol: "BRK.B",
    market_cap: null,
    total_assets: null,
    total_liabilities: null,
    pe_ratio: null,
    eps: null,
    revenue: null,
    net_income: null,
    shares_outstanding: null,
    dividend_yield: null,
    extra: null,
  });
});

Deno.test("parseFundamentals() keeps zeros and explicit nulls apart", () => {
  const f = parseFundamentals({
    ...ok,
    market_cap: 0,
    shares_outstanding: 0,
    dividend_yield: 0,
    eps: null,
    extra: null,
  });
  assertEquals([f.market_cap, f.shares_outstanding, f.dividend_yield], [0, 0, 0]);
  assertEquals([f.eps, f.extra], [null, null]);
});

Deno.test("parseFundamentals() accepts negative earnings, net income and P/E for loss-making companies", () => {
  const f = parseFundamentals({ ...ok, pe_ratio: -12.5, eps: -0.4, revenue: -1, net_income: -3e9 });
  assertEquals([f.pe_ratio, f.eps, f.revenue, f.net_income], [-12.5, -0.4, -1, -3e9]);
});

Deno.test("parseFundamentals() accepts an empty extra object and text in any script", () => {
  assertEquals(parseFundamentals({ ...ok, extra: {} }).extra, {});
  const extra = { name: "株式会社 😀", quote: 'a"b\\c', nested: { list: [1, null, true] } };
  assertEquals(parseFundamentals({ ...ok, extra }).extra, extra);
});

const extraArray: unknown[] = [];
const extraNul = { a: { b: ["ok", "x\u0000y"] } };
const extraNulKey = { "k\u0000": 1 };
const extraSurrogate = { a: ["\ud800"] };
const extraBigint = { a: 1n };

const invalid: InvalidCase[] = [
  ["a missing asof", { asof: undefined }, "asof", undefined, "is required"],
  ["a missing vendor", { vendor: undefined }, "vendor", undefined, "is required"],
  ["a missing symbol", { symbol: undefined }, "symbol", undefined, "is required"],
  ["an asof as a number", { asof: 20240331 }, "asof", 20240331, "got a number"],
  ["an asof without padding", { asof: "2024-3-31" }, "asof", "2024-3-31", "expected a date"],
  ["February 29 of 2023", { asof: "2023-02-29" }, "asof", "2023-02-29", "not a calendar date"],
  ["month 13", { asof: "2024-13-01" }, "asof", "2024-13-01", "not a calendar date"],
  ["April 31", { asof: "2024-04-31" }, "asof", "2024-04-31", "not a calendar date"],
  ["day 0", { asof: "2024-01-00" }, "asof", "2024-01-00", "not a calendar date"],
  ["year 0", { asof: "0000-01-01" }, "asof", "0000-01-01", "outside the years 0001 to 9999"],
  ["a market cap as text", { market_cap: "3e12" }, "market_cap", "3e12", "got a string"],
  ["a NaN market cap", { market_cap: NaN }, "market_cap", NaN, "must be a finite number"],
  ["an infinite market cap", { market_cap: Infinity }, "market_cap", Infinity, "finite"],
  ["a negative market cap", { market_cap: -1 }, "market_cap", -1, "must not be negative"],
  ["a NaN P/E", { pe_ratio: NaN }, "pe_ratio", NaN, "must be a finite number"],
  ["a -Infinity P/E", { pe_ratio: -Infinity }, "pe_ratio", -Infinity, "finite"],
  ["an infinite eps", { eps: Infinity }, "eps", Infinity, "must be a finite number"],
  ["a boolean revenue", { revenue: true }, "revenue", true, "expected a number, got a boolean"],
  ["a NaN net income", { net_income: NaN }, "net_income", NaN, "must be a finite number"],
  [
    "fractional shares outstanding",
    { shares_outstanding: 1.5 },
    "shares_outstanding",
    1.5,
    "must be a whole number",
  ],
  [
    "negative shares outstanding",
    { shares_outstanding: -1 },
    "shares_outstanding",
    -1,
    "must not be negative",
  ],
  [
    "shares outstanding beyond 2^53",
    { shares_outstanding: 2 ** 53 },
    "shares_outstanding",
    2 ** 53,
    "must be a whole number",
  ],
  [
    "a negative dividend yield",
    { dividend_yield: -0.01 },
    "dividend_yield",
    -0.01,
    "must not be negative",
  ],
  ["extra as text", { extra: "{}" }, "extra", "{}", "expected a JSON object"],
  ["extra as an array", { extra: extraArray }, "extra", extraArray, "expected a JSON object"],
  ["extra with a nested NUL", { extra: extraNul }, "extra", extraNul, "contains a NUL character"],
  ["extra with a NUL in a key", { extra: extraNulKey }, "extra", extraNulKey, "NUL character"],
  [
    "extra with a lone surrogate",
    { extra: extraSurrogate },
    "extra",
    extraSurrogate,
    "not well-formed Unicode",
  ],
  ["extra with a bigint", { extra: extraBigint }, "extra", extraBigint, "not serialisable"],
  ["a symbol with NUL", { symbol: "MS\u0000FT" }, "symbol", "MS\u0000FT", "control characters"],
  ["a symbol with a lone surrogate", { symbol: "\ud800" }, "symbol", "\ud800", "1 to 64"],
  ["a 65-character symbol", { symbol: "A".repeat(65) }, "symbol", "A".repeat(65), "1 to 64"],
  ["an empty vendor", { vendor: "" }, "vendor", "", "1 to 64 characters of a-z"],
  ["a vendor with a space", { vendor: "f mp" }, "vendor", "f mp", "a-z, 0-9"],
  ["a bad tenant id", { tenant_id: "tenant-1" }, "tenant_id", "tenant-1", "must be a UUID"],
  ["negative total_assets", { total_assets: -1 }, "total_assets", -1, "must not be negative"],
  [
    "total_liabilities as text",
    { total_liabilities: "1" },
    "total_liabilities",
    "1",
    "expected a number",
  ],
  [
    "an asof date-time that is not a date",
    { asof: "2024-02-30T00:00:00Z" },
    "asof",
    "2024-02-30T00:00:00Z",
    "not a calendar date",
  ],
];

testRejections("parseFundamentals", "fundamentals", parseFundamentals, ok, invalid, 3);
testSameAsModel(
  "parseFundamentals",
  "fundamentals",
  parseFundamentals,
  FundamentalsSchema,
  ok,
  invalid,
  [
    { ...ok, extra: null, market_cap: undefined, pe_ratio: -3 },
    { asof: "2024-02-29", vendor: "FMP", symbol: "msft" },
  ],
);

Deno.test("parseFundamentals() rejects a circular extra object as not serialisable", () => {
  const extra: Record<string, unknown> = {};
  extra.self = extra;
  const err = assertThrows(() => parseFundamentals({ ...ok, extra }), ValidationError);
  assertEquals(err.field, "extra");
  assertEquals(err.reason, "is not serialisable as JSON: it contains itself");
});

Deno.test("parseFundamentals() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseFundamentals(null), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, "Invalid fundamentals: row is null: expected a JSON object");
});

Deno.test("parseFundamentals() accepts the original interface's total_assets, total_liabilities and a date-time asof", () => {
  const f = parseFundamentals({
    vendor: "alpha",
    symbol: "AAPL",
    asof: "2024-01-01T00:00:00",
    total_assets: 3.5e11,
    total_liabilities: 2.9e11,
    net_income: 9.7e10,
    eps: 1.25,
    id: 42,
  });
  assertEquals(
    [f.asof, f.total_assets, f.total_liabilities, f.net_income, f.eps],
    ["2024-01-01", 3.5e11, 2.9e11, 9.7e10, 1.25],
  );
  assertEquals("id" in f, false);
  // The date as written, whatever the offset.
  assertEquals(parseFundamentals({ ...f, asof: "2024-03-31T23:00:00-05:00" }).asof, "2024-03-31");
});
