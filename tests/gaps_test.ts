// Gap detection over the backend matrix: the bars a trading calendar expects, minus the bars
// stored, as runs of missing bars. The NYSE week of 2024-07-01 has an early close (07-03, 13:00
// New York) and a holiday (07-04); a year of daily bars follows the NYSE sessions.
import { createClient, type Gap, type MdsClient, ValidationError } from "@mds/client";
import { NyseCalendar, type TradingCalendar } from "@mds/client/calendar";
import type { BarInput, Timeframe } from "@mds/sql";
import { assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

async function clientFor(db: TestDb): Promise<MdsClient> {
  return await createClient({ backend: db.backend, migrate: false });
}

function bar(ts: number, timeframe: Timeframe, symbol = "SPY", vendor = "v"): BarInput {
  return { ts, vendor, symbol, timeframe, open: 1, high: 1, low: 1, close: 1, volume: 1 };
}

/** Open times of every 1m bar of the NYSE sessions in [from, to). */
function nyseMinutes(from: string, to: string): number[] {
  const out: number[] = [];
  for (const s of new NyseCalendar().sessions(new Date(from), new Date(to))) {
    for (let t = s.open.getTime(); t < s.close.getTime(); t += 60_000) out.push(t);
  }
  return out;
}

const WEEK = { start: "2024-07-01T00:00:00Z", end: "2024-07-06T00:00:00Z" };
const gap = (start: string, end: string, missing_bars: number): Gap => ({
  start: new Date(start),
  end: new Date(end),
  missing_bars,
});

backendSuite("gaps", {
  "1m bars over a week with a holiday and an early close: exactly the three removed bars": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const minutes = nyseMinutes(WEEK.start, WEEK.end);
    assertEquals(minutes.length, 390 + 390 + 210 + 390, "07-03 closes at 13:00, 07-04 closed");
    const removed = [
      Date.parse("2024-07-01T13:30:00Z"), // the first bar of the week
      Date.parse("2024-07-03T16:59:00Z"), // the last bar before the early close
      Date.parse("2024-07-05T17:45:00Z"),
    ];
    await t.upsertBars(minutes.filter((m) => !removed.includes(m)).map((m) => bar(m, "1m")));
    const started = performance.now();
    const gaps = await t.findGaps({ symbol: "spy", timeframe: "1m", ...WEEK });
    const ms = performance.now() - started;
    assertEquals(gaps, [
      gap("2024-07-01T13:30:00Z", "2024-07-01T13:31:00Z", 1),
      gap("2024-07-03T16:59:00Z", "2024-07-03T17:00:00Z", 1),
      gap("2024-07-05T17:45:00Z", "2024-07-05T17:46:00Z", 1),
    ]);
    console.log(`findGaps, 1,380 expected 1m bars [${db.name}]: ${ms.toFixed(1)} ms`);
    // The same week complete has no gap; bars outside the sessions do not matter.
    await t.upsertBars([...removed, Date.parse("2024-07-04T15:00:00Z")].map((m) => bar(m, "1m")));
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1m", ...WEEK }), []);
  },

  "consecutive missing bars form one gap, also across a closed day": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const removed = new Set([
      Date.parse("2024-07-01T14:00:00Z"),
      Date.parse("2024-07-01T14:01:00Z"),
      Date.parse("2024-07-01T14:02:00Z"),
      Date.parse("2024-07-03T16:59:00Z"), // last before the holiday
      Date.parse("2024-07-05T13:30:00Z"), // first after it
    ]);
    await t.upsertBars(
      nyseMinutes(WEEK.start, WEEK.end).filter((m) => !removed.has(m)).map((m) => bar(m, "1m")),
    );
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1m", ...WEEK }), [
      gap("2024-07-01T14:00:00Z", "2024-07-01T14:03:00Z", 3),
      gap("2024-07-03T16:59:00Z", "2024-07-05T13:31:00Z", 2),
    ]);
    // A window that starts inside a session counts from its own start.
    assertEquals(
      await t.findGaps({
        symbol: "SPY",
        timeframe: "1m",
        start: "2024-07-01T14:01:00Z",
        end: "2024-07-01T14:05:00Z",
      }),
      [gap("2024-07-01T14:01:00Z", "2024-07-01T14:03:00Z", 2)],
    );
  },

  "a vendor filter counts only that vendor's bars; another tenant's bars never count": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const t = client.tenant(tenant);
    const day = { start: "2024-07-02T00:00:00Z", end: "2024-07-03T00:00:00Z" };
    await t.upsertBars(nyseMinutes(day.start, day.end).map((m) => bar(m, "1m", "SPY", "a")));
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1m", ...day }), []);
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1m", ...day, vendor: "A" }), []);
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1m", ...day, vendor: "b" }), [
      gap("2024-07-02T13:30:00Z", "2024-07-02T20:00:00Z", 390),
    ]);
    const other = client.tenant(newTenant());
    assertEquals(await other.findGaps({ symbol: "SPY", timeframe: "1m", ...day }), [
      gap("2024-07-02T13:30:00Z", "2024-07-02T20:00:00Z", 390),
    ]);
  },

  "daily bars over a year of NYSE sessions have no gap; a removed day is one": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const year = { start: "2024-01-01T00:00:00Z", end: "2025-01-01T00:00:00Z" };
    const days = new NyseCalendar().sessions(new Date(year.start), new Date(year.end))
      .map((s) => Date.parse(`${s.date}T00:00:00Z`));
    assertEquals(days.length, 252);
    await t.upsertBars(days.map((d) => bar(d, "1d")));
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1d", ...year }), []);
    await db.backend.query(
      "DELETE FROM mds_core.bars WHERE symbol = 'SPY' AND timeframe = '1d' AND ts = '2024-07-03T00:00:00Z'",
    );
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1d", ...year }), [
      gap("2024-07-03T00:00:00Z", "2024-07-04T00:00:00Z", 1),
    ]);
    // 1h bars are anchored at the session open: 09:30, 10:30 ... 15:30 New York.
    const hours = new NyseCalendar().sessions(new Date(WEEK.start), new Date(WEEK.end)).flatMap((
      s,
    ) => {
      const out = [];
      for (let h = s.open.getTime(); h < s.close.getTime(); h += 3_600_000) out.push(h);
      return out;
    });
    assertEquals(hours.length, 7 + 7 + 4 + 7);
    await t.upsertBars(hours.slice(1).map((h) => bar(h, "1h")));
    assertEquals(await t.findGaps({ symbol: "SPY", timeframe: "1h", ...WEEK }), [
      gap("2024-07-01T13:30:00Z", "2024-07-01T14:30:00Z", 1),
    ]);
    // Weekly bars sit on the Monday of each week with a session.
    await t.upsertBars([Date.parse("2024-07-01T00:00:00Z")].map((w) => bar(w, "1w")));
    assertEquals(
      await t.findGaps({
        symbol: "SPY",
        timeframe: "1w",
        start: "2024-06-24T00:00:00Z",
        end: "2024-07-15T00:00:00Z",
      }),
      [
        gap("2024-06-24T00:00:00Z", "2024-07-01T00:00:00Z", 1),
        gap("2024-07-08T00:00:00Z", "2024-07-15T00:00:00Z", 1),
      ],
    );
  },

  "the 24x7 calendar expects every step; a custom calendar its own sessions": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const start = Date.parse("2024-03-09T00:00:00Z"); // a weekend: closed on the NYSE
    const hours = Array.from({ length: 48 }, (_, i) => start + i * 3_600_000);
    await t.upsertBars(hours.filter((_, i) => i !== 5 && i !== 30).map((h) => bar(h, "1h", "BTC")));
    const window = { symbol: "BTC", timeframe: "1h" as const, start, end: start + 48 * 3_600_000 };
    assertEquals(await t.findGaps({ ...window, calendar: "24x7" }), [
      gap("2024-03-09T05:00:00Z", "2024-03-09T06:00:00Z", 1),
      gap("2024-03-10T06:00:00Z", "2024-03-10T07:00:00Z", 1),
    ]);
    assertEquals(await t.findGaps({ ...window, calendar: "nyse" }), []);
    const nightOnly: TradingCalendar = {
      name: "night",
      sessions: () => [{
        open: new Date("2024-03-10T04:00:00Z"),
        close: new Date("2024-03-10T08:00:00Z"),
      }],
    };
    assertEquals(await t.findGaps({ ...window, calendar: nightOnly }), [
      gap("2024-03-10T06:00:00Z", "2024-03-10T07:00:00Z", 1),
    ]);
    assertEquals(await t.findGaps({ ...window, timeframe: "1d", calendar: "24x7" }), [
      gap("2024-03-09T00:00:00Z", "2024-03-11T00:00:00Z", 2),
    ]);
  },

  "findGaps() validates its arguments before any I/O": async (db) => {
    await using client = await clientFor(db);
    const t = client.tenant(newTenant());
    const ok = { symbol: "SPY", timeframe: "1m" as const, ...WEEK };
    const bad: Record<string, unknown>[] = [
      { timeframe: "2m" },
      { end: WEEK.start },
      { start: "2024-07-01" }, // a date is not an instant
      { calendar: "lse" },
      { symbol: "" },
      { vendor: "no spaces" },
      { start: "1999-01-04T00:00:00Z" }, // outside the NYSE calendar
      { start: "2000-01-01T00:00:00Z", end: "2030-12-31T00:00:00Z" }, // too many bars
    ];
    for (const over of bad) {
      await assertRejects(() => t.findGaps({ ...ok, ...over } as never), ValidationError);
    }
    const holiday = { start: "2024-07-04T00:00:00Z", end: "2024-07-05T00:00:00Z" };
    assertEquals(await t.findGaps({ ...ok, ...holiday }), [], "no session, no gap");
  },
});
