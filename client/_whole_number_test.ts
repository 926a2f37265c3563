import { assertEquals, assertThrows } from "../testing/assert.ts";
import { ConfigError } from "./errors.ts";
import { wholeNumber } from "./_whole_number.ts";

Deno.test("wholeNumber() returns a whole number in range and names the range when refusing", () => {
  assertEquals(wholeNumber("limit", 10, 1, 10), 10);
  const refused = (value: unknown, min: number, max?: number, unit?: string) =>
    assertThrows(() => wholeNumber("n", value, min, max, unit), ConfigError).message;
  assertEquals(
    refused(0, 1, 10),
    'Invalid option "n": must be a whole number from 1 to 10 (got 0)',
  );
  assertEquals(refused(1.5, 1), 'Invalid option "n": must be a whole number above 0 (got 1.5)');
  assertEquals(
    refused(-1, 0, Number.MAX_SAFE_INTEGER, "bytes"),
    'Invalid option "n": must be a whole number of bytes, 0 or more (got -1)',
  );
  assertEquals(refused("3", 1, 10).includes("from 1 to 10"), true);
});
