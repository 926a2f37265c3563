import { type InvalidCase, testRejections, testSameAsModel } from "../testing/model_cases.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import {
  OPTION_TYPES,
  type OptionSnap,
  type OptionSnapInput,
  parseOptionSnap,
} from "./option_snap.ts";
import { OptionSnapSchema } from "./option_snap.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: OptionSnapInput = {
  ts: "2024-01-02T15:00:00Z",
  vendor: "opra",
  symbol: "SPY",
  expiry: "2024-01-19",
  option_type: "C",
  strike: 470,
  bid: 3.1,
  ask: 3.2,
  last: 3.15,
  volume: 1200,
  open_interest: 5400,
  implied_volatility: 0.14,
  delta: 0.45,
  gamma: 0.03,
  theta: -0.12,
  vega: 0.2,
  underlying_price: 472.5,
};

Deno.test("OptionSnapSchema is typed with exactly the declared OptionSnap and OptionSnapInput interfaces", () => {
  const same: Equal<ModelOutput<typeof OptionSnapSchema>, OptionSnap> = true;
  const input: Equal<ModelInput<typeof OptionSnapSchema>, OptionSnapInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("OPTION_TYPES lists calls and puts", () => {
  assertEquals(OPTION_TYPES, ["C", "P"]);
});

Deno.test("parseOptionSnap() keeps every field of a complete snapshot", () => {
  assertEquals(parseOptionSnap(ok), {
    tenant_id: undefined,
    ts: new Date("2024-01-02T15:00:00Z"),
    vendor: "opra",
    symbol: "SPY",
    expiry: "2024-01-19",
    option_type: "C",
    strike: 470,
    bid: 3.1,
    ask: 3.2,
    last: 3.15,
    volume: 1200,
    open_interest: 5400,
    implied_volatility: 0.14,
    delta: 0.45,
    gamma: 0.03,
    theta: -0.12,
    vega: 0.2,
    underlying_price: 472.5,
    computed: null,
  });
});

Deno.test("parseOptionSnap() normalises vendor, symbol and time and fills absent figures with null", () => {
  const o = parseOptionSnap({
    ts: 1704207600000,
    vendor: " OPRA ",
    symbol: " spy ",
    expiry: "2024-02-29",
    option_type: "p",
    strike: 0.5,
  });
  assertEquals(o, {
    tenant_id: undefined,
    ts: new Date("2024-01-02T15:00:00Z"),
    vendor: "opra",
    symbol: "SPY",
    expiry: "2024-02-29",
    option_type: "P",
    strike: 0.5,
    bid: null,
    ask: null,
    last: null,
    volume: null,
    open_interest: null,
    implied_volatility: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
    underlying_price: null,
    computed: null,
  });
});

const sides: Array<[string, string]> = [["C", "C"], ["c", "C"], ["P", "P"], ["p", "P"]];
for (const [input, stored] of sides) {
  Deno.test(`parseOptionSnap() stores option_type "${input}" as "${stored}"`, () => {
    assertEquals(parseOptionSnap({ ...ok, option_type: input }).option_type, stored);
  });
}

Deno.test("parseOptionSnap() accepts the edges of the quote and greek rules", () => {
  assertEquals(parseOptionSnap({ ...ok, bid: 3.2, ask: 3.2 }).ask, 3.2);
  assertEquals(parseOptionSnap({ ...ok, bid: 0, ask: 0, last: 0 }).bid, 0);
  assertEquals(parseOptionSnap({ ...ok, bid: 5, ask: null }).ask, null);
  assertEquals(parseOptionSnap({ ...ok, bid: undefined, ask: 0.01 }).ask, 0.01);
  assertEquals(parseOptionSnap({ ...ok, delta: -1 }).delta, -1);
  assertEquals(parseOptionSnap({ ...ok, delta: 1 }).delta, 1);
  const o = parseOptionSnap({ ...ok, gamma: -0.5, theta: -40, vega: -1 });
  assertEquals([o.gamma, o.theta, o.vega], [-0.5, -40, -1]);
  assertEquals(parseOptionSnap({ ...ok, volume: 0, open_interest: 0 }).open_interest, 0);
});

const invalid: InvalidCase[] = [
  ["a missing ts", { ts: undefined }, "ts", undefined, "is required"],
  ["a missing expiry", { expiry: undefined }, "expiry", undefined, "is required"],
  ["a missing strike", { strike: undefined }, "strike", undefined, "is required"],
  ["a missing option_type", { option_type: undefined }, "option_type", undefined, "is required"],
  ["a missing symbol", { symbol: undefined }, "symbol", undefined, "is required"],
  ["option_type X", { option_type: "X" }, "option_type", "X", "must be C or P"],
  ["option_type call", { option_type: "call" }, "option_type", "call", "must be C or P"],
  ["option_type PUT", { option_type: "PUT" }, "option_type", "PUT", "must be C or P"],
  ["an empty option_type", { option_type: "" }, "option_type", "", "must be C or P"],
  ["a numeric option_type", { option_type: 1 }, "option_type", 1, "must be C or P"],
  ["a strike of 0", { strike: 0 }, "strike", 0, "must be above zero"],
  ["a negative strike", { strike: -5 }, "strike", -5, "must not be negative"],
  ["a NaN strike", { strike: NaN }, "strike", NaN, "must be a finite number"],
  ["an infinite strike", { strike: Infinity }, "strike", Infinity, "must be a finite number"],
  ["a strike as text", { strike: "470" }, "strike", "470", "expected a number, got a string"],
  ["an ask below the bid", { bid: 3.2, ask: 3.1 }, "ask", 3.1, "is below the bid"],
  ["an ask of 0 below the bid", { bid: 0.05, ask: 0 }, "ask", 0, "is below the bid"],
  ["a negative bid", { bid: -0.01 }, "bid", -0.01, "must not be negative"],
  ["an infinite ask", { ask: Infinity }, "ask", Infinity, "must be a finite number"],
  ["a NaN last", { last: NaN }, "last", NaN, "must be a finite number"],
  ["a fractional volume", { volume: 1.5 }, "volume", 1.5, "must be a whole number"],
  ["a negative open interest", { open_interest: -1 }, "open_interest", -1, "not be negative"],
  [
    "a negative implied volatility",
    { implied_volatility: -0.1 },
    "implied_volatility",
    -0.1,
    "must not be negative",
  ],
  ["delta above 1", { delta: 1.01 }, "delta", 1.01, "must be between -1 and 1"],
  ["delta below -1", { delta: -1.5 }, "delta", -1.5, "must be between -1 and 1"],
  ["a NaN delta", { delta: NaN }, "delta", NaN, "must be a finite number"],
  ["a NaN gamma", { gamma: NaN }, "gamma", NaN, "must be a finite number"],
  ["an infinite theta", { theta: -Infinity }, "theta", -Infinity, "must be a finite number"],
  ["a vega as text", { vega: "0.2" }, "vega", "0.2", "expected a number, got a string"],
  [
    "a negative underlying price",
    { underlying_price: -1 },
    "underlying_price",
    -1,
    "must not be negative",
  ],
  ["expiry 2023-02-29", { expiry: "2023-02-29" }, "expiry", "2023-02-29", "not a calendar date"],
  ["expiry 2024-13-01", { expiry: "2024-13-01" }, "expiry", "2024-13-01", "not a calendar date"],
  ["an unpadded expiry", { expiry: "2024-1-19" }, "expiry", "2024-1-19", "expected a date such"],
  ["an expiry as a number", { expiry: 20240119 }, "expiry", 20240119, "got a number"],
  ["a symbol with NUL", { symbol: "SP\u0000Y" }, "symbol", "SP\u0000Y", "control characters"],
  ["a vendor with a slash", { vendor: "op/ra" }, "vendor", "op/ra", "a-z, 0-9"],
  ["a bad tenant id", { tenant_id: "42" }, "tenant_id", "42", "must be a UUID"],
  [
    "iv and implied_volatility disagreeing",
    { implied_volatility: 0.2, iv: 0.25 },
    "implied_volatility",
    0.2,
    '"iv" (0.25)',
  ],
  ["oi and open_interest disagreeing", { open_interest: 5, oi: 6 }, "open_interest", 5, '"oi" (6)'],
  [
    "spot and underlying_price disagreeing",
    { underlying_price: 470, spot: 471 },
    "underlying_price",
    470,
    '"spot" (471)',
  ],
  ["a fractional oi", { oi: 1.5 }, "oi", 1.5, "whole number"],
];

testRejections("parseOptionSnap", "option", parseOptionSnap, ok, invalid, 4);
testSameAsModel("parseOptionSnap", "option", parseOptionSnap, OptionSnapSchema, ok, invalid, [
  { ...ok, option_type: "p", bid: undefined, ask: 0, delta: -1 },
  { ...ok, bid: null, ask: null, last: null, volume: null, gamma: undefined, symbol: "spy" },
]);

Deno.test("parseOptionSnap() quotes both the field and the value in its message", () => {
  const err = assertThrows(() => parseOptionSnap({ ...ok, option_type: "x" }), ValidationError);
  assertEquals(err.message, 'Invalid option: "option_type" is "x": must be C or P');
});

Deno.test("parseOptionSnap() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseOptionSnap(42), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, "Invalid option: row is 42: expected a JSON object");
});

Deno.test("parseOptionSnap() accepts the original interface's iv, oi and spot", () => {
  const o = parseOptionSnap({
    vendor: "ibkr",
    symbol: "AAPL",
    expiry: "2024-12-20",
    option_type: "C",
    strike: 200,
    ts: "2024-01-01T10:00:00",
    iv: 0.25,
    delta: 0.55,
    oi: 1200,
    volume: 30,
    spot: 185.5,
    id: "ignored",
  });
  assertEquals(
    [o.ts.toISOString(), o.implied_volatility, o.open_interest, o.underlying_price, o.delta],
    ["2024-01-01T10:00:00.000Z", 0.25, 1200, 185.5, 0.55],
  );
  assertEquals("iv" in o || "oi" in o || "spot" in o || "id" in o, false);
  assertEquals(
    parseOptionSnap({ ...ok, iv: ok.implied_volatility }).implied_volatility,
    ok.implied_volatility,
  );
});
