import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { calendar24x7 } from "./calendar_24x7.ts";
import { tradingCalendar } from "./calendars.ts";
import { NYSE_YEARS, NyseCalendar } from "./nyse_calendar.ts";
import { ValidationError } from "../errors.ts";

const nyse = new NyseCalendar();
const dates = (days: readonly { date: string }[]) => days.map((d) => d.date);

// Full-day closures as the exchange published them.
const HOLIDAYS: Record<number, string[]> = {
  2001: [
    "2001-01-01",
    "2001-01-15",
    "2001-02-19",
    "2001-04-13",
    "2001-05-28",
    "2001-07-04",
    "2001-09-03",
    "2001-09-11",
    "2001-09-12",
    "2001-09-13",
    "2001-09-14",
    "2001-11-22",
    "2001-12-25",
  ],
  2004: [
    "2004-01-01",
    "2004-01-19",
    "2004-02-16",
    "2004-04-09",
    "2004-05-31",
    "2004-06-11", // Reagan
    "2004-07-05", // Independence Day on a Sunday
    "2004-09-06",
    "2004-11-25",
    "2004-12-24", // Christmas on a Saturday
  ],
  2007: [
    "2007-01-01",
    "2007-01-02", // Ford
    "2007-01-15",
    "2007-02-19",
    "2007-04-06",
    "2007-05-28",
    "2007-07-04",
    "2007-09-03",
    "2007-11-22",
    "2007-12-25",
  ],
  2012: [
    "2012-01-02", // New Year's Day on a Sunday
    "2012-01-16",
    "2012-02-20",
    "2012-04-06",
    "2012-05-28",
    "2012-07-04",
    "2012-09-03",
    "2012-10-29", // Sandy
    "2012-10-30",
    "2012-11-22",
    "2012-12-25",
  ],
  2018: [
    "2018-01-01",
    "2018-01-15",
    "2018-02-19",
    "2018-03-30",
    "2018-05-28",
    "2018-07-04",
    "2018-09-03",
    "2018-11-22",
    "2018-12-05", // George H. W. Bush
    "2018-12-25",
  ],
  2021: [
    "2021-01-01",
    "2021-01-18",
    "2021-02-15",
    "2021-04-02",
    "2021-05-31",
    "2021-07-05", // Sunday -> Monday
    "2021-09-06",
    "2021-11-25",
    "2021-12-24", // Saturday -> Friday
  ],
  2022: [
    // 2022-01-01 was a Saturday: not observed on Friday 2021-12-31
    "2022-01-17",
    "2022-02-21",
    "2022-04-15",
    "2022-05-30",
    "2022-06-20", // first Juneteenth, on a Sunday -> Monday
    "2022-07-04",
    "2022-09-05",
    "2022-11-24",
    "2022-12-26", // Sunday -> Monday
  ],
  2024: [
    "2024-01-01",
    "2024-01-15",
    "2024-02-19",
    "2024-03-29",
    "2024-05-27",
    "2024-06-19",
    "2024-07-04",
    "2024-09-02",
    "2024-11-28",
    "2024-12-25",
  ],
  2025: [
    "2025-01-01",
    "2025-01-09", // Carter
    "2025-01-20",
    "2025-02-17",
    "2025-04-18",
    "2025-05-26",
    "2025-06-19",
    "2025-07-04",
    "2025-09-01",
    "2025-11-27",
    "2025-12-25",
  ],
  2027: [
    "2027-01-01",
    "2027-01-18",
    "2027-02-15",
    "2027-03-26",
    "2027-05-31",
    "2027-06-18", // Juneteenth on a Saturday -> Friday
    "2027-07-05",
    "2027-09-06",
    "2027-11-25",
    "2027-12-24",
  ],
};

const EARLY_CLOSES: Record<number, string[]> = {
  2004: ["2004-11-26"], // July 3 a Saturday; Christmas Eve the observed holiday
  2012: ["2012-07-03", "2012-11-23", "2012-12-24"],
  2019: ["2019-07-03", "2019-11-29", "2019-12-24"],
  2020: ["2020-11-27", "2020-12-24"], // July 3 was the observed Independence Day
  2021: ["2021-11-26"],
  2023: ["2023-07-03", "2023-11-24"],
  2024: ["2024-07-03", "2024-11-29", "2024-12-24"],
  2025: ["2025-07-03", "2025-11-28", "2025-12-24"],
};

// Trading days per year, as published.
const TRADING_DAYS: Record<number, number> = {
  2000: 252,
  2001: 248,
  2012: 250,
  2018: 251,
  2019: 252,
  2020: 253,
  2021: 252,
  2022: 251,
  2023: 250,
  2024: 252,
  2025: 250,
};

Deno.test("NyseCalendar.holidays() lists the published full-day closures, one-offs included", () => {
  for (const [year, expected] of Object.entries(HOLIDAYS)) {
    assertEquals(dates(nyse.holidays(Number(year))), expected, `holidays of ${year}`);
  }
  const kinds = nyse.holidays(2012).filter((d) => d.kind === "closure").map((d) => d.name);
  assertEquals(kinds, ["Hurricane Sandy", "Hurricane Sandy"]);
});

Deno.test("NyseCalendar.earlyCloses() lists the 13:00 closes on trading weekdays only", () => {
  for (const [year, expected] of Object.entries(EARLY_CLOSES)) {
    assertEquals(dates(nyse.earlyCloses(Number(year))), expected, `early closes of ${year}`);
    for (const d of nyse.earlyCloses(Number(year))) assertEquals(d.close, "13:00");
  }
});

Deno.test("NyseCalendar sessions count the published trading days of each year", () => {
  for (const [year, expected] of Object.entries(TRADING_DAYS)) {
    const y = Number(year);
    const sessions = nyse.sessions(new Date(Date.UTC(y, 0, 1)), new Date(Date.UTC(y + 1, 0, 1)));
    assertEquals(sessions.length, expected, `trading days of ${year}`);
  }
});

Deno.test("NyseCalendar.session() opens 09:30 and closes 16:00 New York across DST changes", () => {
  const cases: [string, string | null, string | null][] = [
    // [date, open UTC, close UTC]
    ["2024-03-08", "2024-03-08T14:30:00.000Z", "2024-03-08T21:00:00.000Z"], // EST
    ["2024-03-10", null, null], // Sunday of the change
    ["2024-03-11", "2024-03-11T13:30:00.000Z", "2024-03-11T20:00:00.000Z"], // EDT
    ["2024-11-01", "2024-11-01T13:30:00.000Z", "2024-11-01T20:00:00.000Z"], // EDT
    ["2024-11-04", "2024-11-04T14:30:00.000Z", "2024-11-04T21:00:00.000Z"], // EST
    ["2006-03-13", "2006-03-13T14:30:00.000Z", "2006-03-13T21:00:00.000Z"], // DST from April
    ["2007-03-12", "2007-03-12T13:30:00.000Z", "2007-03-12T20:00:00.000Z"], // DST from March
    ["2024-07-03", "2024-07-03T13:30:00.000Z", "2024-07-03T17:00:00.000Z"], // early, EDT
    ["2024-11-29", "2024-11-29T14:30:00.000Z", "2024-11-29T18:00:00.000Z"], // early, EST
    ["2024-12-24", "2024-12-24T14:30:00.000Z", "2024-12-24T18:00:00.000Z"], // early, EST
    ["2024-07-04", null, null],
    ["2018-12-05", null, null],
    ["2025-01-09", null, null],
    ["2001-09-14", null, null],
    ["2001-09-17", "2001-09-17T13:30:00.000Z", "2001-09-17T20:00:00.000Z"], // reopened
    ["2021-12-31", "2021-12-31T14:30:00.000Z", "2021-12-31T21:00:00.000Z"], // not observed
  ];
  for (const [date, open, close] of cases) {
    const s = nyse.session(date);
    assertEquals(
      [s?.open.toISOString() ?? null, s?.close.toISOString() ?? null],
      [open, close],
      date,
    );
    if (s) assertEquals(s.date, date);
  }
});

Deno.test("NyseCalendar.sessions() returns the sessions overlapping a window, in order", () => {
  const from = new Date("2024-07-03T16:00:00Z"), to = new Date("2024-07-08T13:31:00Z");
  const sessions = nyse.sessions(from, to);
  assertEquals(sessions.map((s) => s.date), ["2024-07-03", "2024-07-05", "2024-07-08"]);
  assertEquals(nyse.sessions(new Date("2024-07-03T17:00:00Z"), to).length, 2, "close excluded");
  assertEquals(nyse.sessions(to, from), []);
});

Deno.test("NyseCalendar refuses dates and windows outside 2000-2030 with ValidationError", () => {
  assertEquals([NYSE_YEARS.first, NYSE_YEARS.last], [2000, 2030]);
  assertThrows(() => nyse.holidays(1999), ValidationError);
  assertThrows(() => nyse.earlyCloses(2031), ValidationError);
  assertThrows(() => nyse.session("2031-01-02"), ValidationError);
  assertThrows(() => nyse.session("2024-02-30"), ValidationError);
  const err = assertThrows(
    () => nyse.sessions(new Date("1999-06-01T00:00:00Z"), new Date("2000-02-01T00:00:00Z")),
    ValidationError,
  );
  assertEquals(err.field, "start");
  assertThrows(
    () => nyse.sessions(new Date("2030-12-01T00:00:00Z"), new Date("2031-02-01T00:00:00Z")),
    ValidationError,
  );
  // The edges themselves are covered.
  const first = nyse.sessions(new Date("2000-01-01T00:00:00Z"), new Date("2000-01-05T00:00:00Z"));
  assertEquals(first.map((s) => s.date), ["2000-01-03", "2000-01-04"]);
  const last = nyse.sessions(new Date("2030-12-30T00:00:00Z"), new Date("2031-01-01T00:00:00Z"));
  assertEquals(last.map((s) => s.date), ["2030-12-30", "2030-12-31"]);
});

Deno.test("every NYSE year 2000-2030 has 8 to 10 weekday holidays and a Thanksgiving early close", () => {
  for (let y = NYSE_YEARS.first; y <= NYSE_YEARS.last; y++) {
    const holidays = nyse.holidays(y).filter((d) => d.kind === "holiday");
    assert(holidays.length >= 8 && holidays.length <= 10, `${y}: ${holidays.length} holidays`);
    for (const h of nyse.holidays(y)) {
      const wd = new Date(`${h.date}T00:00:00Z`).getUTCDay();
      assert(wd >= 1 && wd <= 5, `${h.date} (${h.name}) falls on a weekend`);
    }
    assert(nyse.earlyCloses(y).some((d) => d.name === "Day after Thanksgiving"), String(y));
  }
});

Deno.test("calendar24x7() has one UTC day per session and tradingCalendar() resolves names", () => {
  const days = [
    ...calendar24x7().sessions(new Date("2024-03-09T12:00:00Z"), new Date("2024-03-11T00:00:00Z")),
  ];
  assertEquals(days.map((s) => [s.open.toISOString(), s.close.toISOString()]), [
    ["2024-03-09T00:00:00.000Z", "2024-03-10T00:00:00.000Z"],
    ["2024-03-10T00:00:00.000Z", "2024-03-11T00:00:00.000Z"],
  ]);
  assertEquals(tradingCalendar("nyse").name, "nyse");
  assertEquals(tradingCalendar("24x7").name, "24x7");
  const own = { name: "own", sessions: () => [] };
  assertEquals(tradingCalendar(own), own);
  assertThrows(() => tradingCalendar({} as never), ValidationError);
});
