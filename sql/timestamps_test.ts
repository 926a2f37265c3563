// Timestamp parsing, exercised through the `ts` field of parseBar, where users meet it.
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { type BarInput, parseBar } from "./bar.ts";
import { ValidationError } from "./errors.ts";
import { parseInstant, refuseZonelessTimestamps } from "./fields.ts";

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

const sameInstant = new Date("2024-01-02T14:30:00.123Z");

const accepted: Array<[string, string | number | Date, string]> = [
  ["Z", "2024-01-02T14:30:00Z", "2024-01-02T14:30:00.000Z"],
  ["a lower-case z", "2024-01-02T14:30:00z", "2024-01-02T14:30:00.000Z"],
  ["a lower-case t", "2024-01-02t14:30:00Z", "2024-01-02T14:30:00.000Z"],
  ["a space instead of T", "2024-01-02 14:30:00Z", "2024-01-02T14:30:00.000Z"],
  ["an offset of +00:00", "2024-01-02T14:30:00+00:00", "2024-01-02T14:30:00.000Z"],
  ["an offset of -00:00", "2024-01-02T14:30:00-00:00", "2024-01-02T14:30:00.000Z"],
  ["an offset of +05:30", "2024-01-02T20:00:00+05:30", "2024-01-02T14:30:00.000Z"],
  ["an offset of -0800 without colon", "2024-01-02T06:30:00-0800", "2024-01-02T14:30:00.000Z"],
  ["an offset of +0545 without colon", "2024-01-02T20:15:00+0545", "2024-01-02T14:30:00.000Z"],
  ["an offset of hours only", "2024-01-02T06:30:00-08", "2024-01-02T14:30:00.000Z"],
  ["an offset of +14:00", "2024-01-03T04:30:00+14:00", "2024-01-02T14:30:00.000Z"],
  ["a time without seconds", "2024-01-02T14:30Z", "2024-01-02T14:30:00.000Z"],
  ["milliseconds", "2024-01-02T14:30:00.123Z", "2024-01-02T14:30:00.123Z"],
  ["milliseconds with an offset", "2024-01-02T09:30:00.250-05:00", "2024-01-02T14:30:00.250Z"],
  ["tenths of a second", "2024-01-02T14:30:00.1Z", "2024-01-02T14:30:00.100Z"],
  ["hundredths of a second", "2024-01-02T14:30:00.12Z", "2024-01-02T14:30:00.120Z"],
  ["trailing zero microseconds", "2024-01-02T14:30:00.123000Z", "2024-01-02T14:30:00.123Z"],
  ["trailing zero nanoseconds", "2024-01-02T14:30:00.123000000Z", "2024-01-02T14:30:00.123Z"],
  ["an offset crossing midnight", "2024-01-01T23:30:00-05:00", "2024-01-02T04:30:00.000Z"],
  ["an offset crossing new year", "2024-01-01T01:00:00+02:00", "2023-12-31T23:00:00.000Z"],
  ["a leap day", "2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"],
  ["a leap day of a 400-year", "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000Z"],
  ["23:59:59", "2024-01-02T23:59:59Z", "2024-01-02T23:59:59.000Z"],
  ["00:00:00", "2024-01-02T00:00:00Z", "2024-01-02T00:00:00.000Z"],
  ["the last millisecond of 9999", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
  ["epoch milliseconds", 1704205800000, "2024-01-02T14:30:00.000Z"],
  ["epoch 0", 0, "1970-01-01T00:00:00.000Z"],
  ["negative epoch milliseconds", -86_400_000, "1969-12-31T00:00:00.000Z"],
  ["a Date", sameInstant, "2024-01-02T14:30:00.123Z"],
  // The original mds documented zone-less timestamps as UTC: read so unless strict.
  ["no time zone (UTC)", "2024-01-02T14:30:00", "2024-01-02T14:30:00.000Z"],
  ["no time zone and milliseconds (UTC)", "2024-01-02T14:30:00.5", "2024-01-02T14:30:00.500Z"],
  ["no time zone and no seconds (UTC)", "2024-01-02 14:30", "2024-01-02T14:30:00.000Z"],
];

for (const [name, ts, iso] of accepted) {
  Deno.test(`parseBar() accepts a timestamp with ${name}`, () => {
    const bar = parseBar({ ...ok, ts });
    assertEquals(bar.ts instanceof Date, true);
    assertEquals(bar.ts.toISOString(), iso);
  });
}

Deno.test("parseBar() returns a Date that later changes to the input cannot move", () => {
  const input = new Date("2024-01-02T14:30:00Z");
  const bar = parseBar({ ...ok, ts: input });
  input.setUTCFullYear(2000);
  assertEquals(bar.ts.toISOString(), "2024-01-02T14:30:00.000Z");
});

const beyond9999 = new Date(Date.UTC(10000, 0, 1));
const plainObject = {};

const refused: Array<[string, unknown, string]> = [
  ["non-zero microseconds", "2024-01-02T14:30:00.123400Z", "has sub-millisecond precision"],
  ["a non-zero ten-thousandth", "2024-01-02T14:30:00.0001Z", "sub-millisecond"],
  ["non-zero nanoseconds", "2024-01-02T14:30:00.000000001Z", "sub-millisecond"],
  ["ten fractional digits", "2024-01-02T14:30:00.1230000000Z", "expected ISO 8601 text"],
  ["year 0000", "0000-01-01T00:00:00Z", "is outside the years 0001 to 9999"],
  ["year 10000", "10000-01-01T00:00:00Z", "expected ISO 8601 text"],
  ["a Date beyond 9999", beyond9999, "is outside the years 0001 to 9999"],
  ["epoch milliseconds beyond 9999", 253402300800000, "is outside the years 0001 to 9999"],
  ["an offset pushing 9999 past the range", "9999-12-31T23:59:59.999-00:01", "outside the years"],
  ["an offset pushing 0001 below the range", "0001-01-01T00:00:00+00:01", "outside the years"],
  ["February 29 of 2023", "2023-02-29T00:00:00Z", "is not a calendar date"],
  ["February 29 of 1900", "1900-02-29T00:00:00Z", "is not a calendar date"],
  ["February 30", "2024-02-30T00:00:00Z", "is not a calendar date"],
  ["month 13", "2024-13-01T00:00:00Z", "is not a calendar date"],
  ["month 0", "2024-00-10T00:00:00Z", "is not a calendar date"],
  ["day 0", "2024-01-00T00:00:00Z", "is not a calendar date"],
  ["April 31", "2024-04-31T00:00:00Z", "is not a calendar date"],
  ["24:00", "2024-01-02T24:00:00Z", "is not a time of day"],
  ["minute 60", "2024-01-02T23:60:00Z", "is not a time of day"],
  ["second 60", "2024-01-02T23:59:60Z", "is not a time of day"],
  ["an offset of +16:00", "2024-01-02T14:30:00+16:00", "has an invalid UTC offset"],
  ["an offset of +05:60", "2024-01-02T14:30:00+05:60", "has an invalid UTC offset"],
  ["a one-digit offset minute", "2024-01-02T14:30:00+05:3", "expected ISO 8601 text"],
  ["a date only", "2024-01-02", "expected ISO 8601 text such as 2024-01-02T15:30:00Z"],
  ["unpadded fields", "2024-1-2T14:30:00Z", "expected ISO 8601 text"],
  ["leading white space", " 2024-01-02T14:30:00Z", "expected ISO 8601 text"],
  ["a space before Z", "2024-01-02T14:30:00 Z", "expected ISO 8601 text"],
  ["a zone name", "2024-01-02T14:30:00 UTC", "expected ISO 8601 text"],
  ["an empty string", "", "expected ISO 8601 text"],
  ["fractional epoch milliseconds", 1704205800000.5, "expected epoch milliseconds as a whole"],
  ["NaN", NaN, "expected epoch milliseconds as a whole number"],
  ["Infinity", Infinity, "expected epoch milliseconds as a whole number"],
  ["a boolean", true, "epoch milliseconds, got a boolean"],
  ["null", null, "epoch milliseconds, got null"],
  ["an object", plainObject, "expected ISO 8601 text or epoch milliseconds"],
  ["a missing value", undefined, "is required"],
];

for (const [name, ts, reason] of refused) {
  Deno.test(`parseBar() rejects a timestamp with ${name}, naming "ts"`, () => {
    const err = assertThrows(() => parseBar({ ...ok, ts }, 7), ValidationError);
    assertEquals(err.field, "ts");
    assertEquals(err.kind, "bar");
    assertEquals(err.index, 7);
    assertEquals(Object.is(err.value, ts) || err.value === ts, true, `value ${String(err.value)}`);
    assertEquals(err.reason.includes(reason), true, `reason "${err.reason}" lacks "${reason}"`);
    assertEquals(err.message.startsWith(`Invalid bar at row 7: "ts" is `), true, err.message);
  });
}

Deno.test("parseBar() quotes a refused Date as ISO text in its message", () => {
  const err = assertThrows(() => parseBar({ ...ok, ts: beyond9999 }), ValidationError);
  assertEquals(
    err.message,
    'Invalid bar: "ts" is +010000-01-01T00:00:00.000Z: is outside the years 0001 to 9999',
  );
});

Deno.test("strict timestamps refuse exactly the zone-less texts, naming the field of each row kind", () => {
  for (const ts of ["2024-01-02T14:30:00", "2024-01-02T14:30:00.5", "2024-01-02 14:30"]) {
    const err = assertThrows(
      () => refuseZonelessTimestamps("bars", { ...ok, ts }, 2),
      ValidationError,
    );
    assertEquals([err.kind, err.field, err.value, err.index], ["bar", "ts", ts, 2]);
    assertEquals(err.reason, "has no time zone; add Z or an offset such as +00:00");
    assertThrows(() => parseInstant(ts, "start", { strictTimestamps: true }), ValidationError);
  }
  for (const ts of ["2024-01-02T14:30:00Z", "2024-01-02T14:30:00+01:00", 0, new Date(0), "junk"]) {
    refuseZonelessTimestamps("bars", { ...ok, ts }); // the model judges everything else
    if (typeof ts !== "string" || ts !== "junk") {
      parseInstant(ts, "start", { strictTimestamps: true });
    }
  }
  const cases = [
    ["news", "published_at", "news"],
    ["options", "ts", "option"],
    ["quotes", "ts", "quote"],
  ] as const;
  for (const [kind, field, name] of cases) {
    const err = assertThrows(
      () => refuseZonelessTimestamps(kind, { [field]: "2024-01-02T14:30:00" }),
      ValidationError,
    );
    assertEquals([err.kind, err.field], [name, field]);
  }
  refuseZonelessTimestamps("fundamentals", { asof: "2024-01-02T14:30:00" }); // a date, no instant
});
