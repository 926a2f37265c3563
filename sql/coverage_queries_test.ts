// The coverage statements tested as data: their text and parameters, without a database (the
// execution is tested in tests/coverage_page_test.ts on a real store).
import { assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped } from "../testing/sql_query.ts";
import {
  buildBarCountsByDay,
  buildPendingBackfills,
  MAX_PENDING_BACKFILLS,
} from "./coverage_queries.ts";

Deno.test("buildBarCountsByDay() counts distinct on-grid bar times per symbol and day in one statement", () => {
  const q = buildBarCountsByDay({
    symbols: ["AAPL", "MSFT"],
    timeframe: "1m",
    stepSeconds: 60,
    days: [
      {
        day: "2024-07-09",
        start: new Date("2024-07-09T13:30:00Z"),
        end: new Date("2024-07-09T20:00:00Z"),
      },
      {
        day: "2024-07-03",
        start: new Date("2024-07-03T13:30:00Z"),
        end: new Date("2024-07-03T17:00:00Z"),
      },
    ],
  });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [
    ["AAPL", "MSFT"],
    "1m",
    ["2024-07-09", "2024-07-03"],
    ["2024-07-09T13:30:00.000Z", "2024-07-03T13:30:00.000Z"],
    ["2024-07-09T20:00:00.000Z", "2024-07-03T17:00:00.000Z"],
    60,
    // the range scan spans the earliest start to the latest end, whatever the days' order
    new Date("2024-07-03T13:30:00Z"),
    new Date("2024-07-09T20:00:00Z"),
  ]);
  assertIncludes(q.text, "FROM mds.bars b JOIN days ON b.ts >= days.f AND b.ts < days.t");
  assertIncludes(q.text, "date_bin(make_interval(secs => $6), b.ts, days.f) = b.ts");
  assertIncludes(q.text, "GROUP BY b.symbol, days.d");
});

Deno.test("buildBarCountsByDay() with no day scans an empty range", () => {
  const q = buildBarCountsByDay({ symbols: ["A"], timeframe: "1d", stepSeconds: 86_400, days: [] });
  assertPlaceholders(q);
  assertEquals(q.params.slice(6), [new Date(0), new Date(0)]);
});

Deno.test("buildPendingBackfills() reads queued and running backfills of the symbols, bounded", () => {
  const q = buildPendingBackfills(["SPY"], "5m");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["backfill", "5m", ["SPY"], MAX_PENDING_BACKFILLS]);
  assertIncludes(q.text, "state IN ('queued', 'running')");
  assertIncludes(q.text, "payload->>'symbol' = ANY($3::text[])");
  assertIncludes(q.text, "LIMIT $4");
});
