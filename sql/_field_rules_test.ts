// Field rules met through the models: whole numbers past 2^53 - 1.
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { parseBar } from "./bar.ts";
import { ValidationError } from "./errors.ts";

const bar = {
  ts: "2024-01-02T14:30:00Z",
  vendor: "v",
  symbol: "A",
  timeframe: "1m",
  open: 1,
  high: 1,
  low: 1,
  close: 1,
};

Deno.test("parseBar() accepts a volume of 2^53 - 1", () => {
  assertEquals(parseBar({ ...bar, volume: 2 ** 53 - 1 }).volume, 9007199254740991);
});

Deno.test("parseBar() refuses a volume past 2^53 - 1 saying how large it may be", () => {
  for (const volume of [2 ** 53, 1e20]) {
    const err = assertThrows(() => parseBar({ ...bar, volume }), ValidationError);
    assertEquals(err.field, "volume");
    assertEquals(err.reason, "must be a whole number no larger than 9007199254740991");
  }
});

Deno.test("parseBar() still refuses a fractional or negative volume for that reason", () => {
  const cases: Array<[number, string]> = [
    [1.5, "must be a whole number"],
    [-1, "must not be negative"],
    [-(2 ** 60), "must not be negative"],
    [NaN, "must be a whole number"],
  ];
  for (const [volume, reason] of cases) {
    const err = assertThrows(() => parseBar({ ...bar, volume }), ValidationError);
    assertEquals(err.reason, reason);
  }
});

Deno.test("timestamp() gives the same answer for text parsed just before, refusals included", () => {
  const base = { vendor: "v", symbol: "A", timeframe: "1m", open: 1, high: 1, low: 1, close: 1 };
  const at = (ts: string) => parseBar({ ...base, ts }).ts.toISOString();
  for (let i = 0; i < 2; i++) {
    assertEquals(at("2024-01-02T14:30:00.123+01:00"), "2024-01-02T13:30:00.123Z");
    assertEquals(at("2024-01-02T14:30:00.123+01:00"), "2024-01-02T13:30:00.123Z");
    assertEquals(at("0050-03-01T00:00:00Z"), "0050-03-01T00:00:00.000Z"); // not 1950
    assertEquals(at("2024-02-29T23:59:59.9990Z"), "2024-02-29T23:59:59.999Z");
    for (let k = 0; k < 2; k++) {
      const err = assertThrows(() => at("2023-02-29T00:00:00Z"), ValidationError);
      assertEquals(err.reason, "is not a calendar date");
    }
    const rows = [at("2024-01-02T14:30:00Z"), at("2024-01-02T14:30:00Z")];
    assertEquals(rows, ["2024-01-02T14:30:00.000Z", "2024-01-02T14:30:00.000Z"]);
  }
});
