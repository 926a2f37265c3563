import { assertEquals, assertThrows } from "../testing/assert.ts";
import { contractPrice, daysToExpiry, yearsToExpiry } from "./chain.ts";
import { AnalyticsError } from "./errors.ts";

Deno.test("daysToExpiry() counts calendar days from the UTC date of asOf", () => {
  const asOf = new Date("2024-01-02T23:59:59Z");
  assertEquals(daysToExpiry("2024-01-02", asOf), 0);
  assertEquals(daysToExpiry("2024-01-03", asOf), 1);
  assertEquals(daysToExpiry("2024-03-01", asOf), 59); // 2024 is a leap year
  assertEquals(daysToExpiry("2023-12-29", asOf), -4);
  assertEquals(daysToExpiry("2024-01-03", new Date("2024-01-03T00:00:00Z")), 0);
});

Deno.test("yearsToExpiry() is ACT/365 and never negative", () => {
  const asOf = new Date("2024-01-02T15:00:00Z");
  assertEquals(yearsToExpiry("2024-01-19", asOf), 17 / 365);
  assertEquals(yearsToExpiry("2024-01-02", asOf), 0);
  assertEquals(yearsToExpiry("2023-06-30", asOf), 0);
});

Deno.test("daysToExpiry() refuses a malformed expiry or date with invalid_input", () => {
  const asOf = new Date("2024-01-02T15:00:00Z");
  for (const expiry of ["2024-1-19", "2024-02-30", "20240119", ""]) {
    const err = assertThrows(() => daysToExpiry(expiry, asOf), AnalyticsError);
    assertEquals([err.code, err.field, err.value], ["invalid_input", "expiry", expiry]);
  }
  const err = assertThrows(() => daysToExpiry("2024-01-19", new Date("nope")), AnalyticsError);
  assertEquals([err.code, err.field], ["invalid_input", "asOf"]);
});

Deno.test("contractPrice() takes the mid of a sane quote, else the last trade, else null", () => {
  assertEquals(contractPrice({ bid: 1, ask: 1.5, last: 9 }), 1.25);
  assertEquals(contractPrice({ bid: 0, ask: 0.5 }), 0.25);
  // one side missing, a crossed quote or an empty book fall back to the last trade
  assertEquals(contractPrice({ bid: 1, ask: null, last: 1.1 }), 1.1);
  assertEquals(contractPrice({ bid: 2, ask: 1.5, last: 1.7 }), 1.7);
  assertEquals(contractPrice({ bid: 0, ask: 0, last: 0.05 }), 0.05);
  assertEquals(contractPrice({ bid: 1, ask: 1.5, last: undefined }), 1.25);
  assertEquals(contractPrice({ bid: null, ask: null, last: null }), null);
});
