// The gap statements tested as data: their text and parameters, without a database.
import { assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped } from "../testing/sql_query.ts";
import { buildGapRuns } from "./gap_queries.ts";

const SERIES = {
  symbol: "SPY",
  timeframe: "1m" as const,
  start: new Date("2024-01-02T14:30:00Z"),
  end: new Date("2024-01-02T21:00:00Z"),
  vendor: "polygon",
};

Deno.test("buildGapRuns() generates intraday slots from the sessions in SQL", () => {
  const q = buildGapRuns(SERIES, {
    kind: "sessions",
    sessions: [
      { open: new Date("2024-01-02T14:30:00Z"), close: new Date("2024-01-02T21:00:00Z") },
      { open: new Date("2024-01-03T14:30:00Z"), close: new Date("2024-01-03T18:00:00Z") },
    ],
    stepSeconds: 60,
  });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [
    "SPY",
    "1m",
    SERIES.start,
    SERIES.end,
    "polygon",
    ["2024-01-02T14:30:00.000Z", "2024-01-03T14:30:00.000Z"],
    ["2024-01-02T21:00:00.000Z", "2024-01-03T18:00:00.000Z"],
    60,
  ]);
  assertIncludes(q.text, "unnest($6::timestamptz[], $7::timestamptz[]) AS s(o, c)");
  assertIncludes(
    q.text,
    "generate_series(o, c - interval '1 microsecond', make_interval(secs => $8))",
  );
  assertIncludes(q.text, "WHERE t >= $3 AND t < $4");
});

Deno.test("buildGapRuns() takes daily and weekly slots as a list of ISO times", () => {
  const times = [new Date("2024-01-01T00:00:00Z"), new Date("2024-01-08T00:00:00Z")];
  const q = buildGapRuns({ ...SERIES, timeframe: "1w", vendor: null }, { kind: "times", times });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params.slice(4), [null, ["2024-01-01T00:00:00.000Z", "2024-01-08T00:00:00.000Z"]]);
  assertIncludes(
    q.text,
    "WITH expected AS (SELECT DISTINCT t FROM unnest($6::timestamptz[]) AS t)",
  );
});

Deno.test("buildGapRuns() groups missing slots into runs read from one scan of the bars", () => {
  const q = buildGapRuns(SERIES, { kind: "times", times: [] });
  assertEquals(q.params.slice(5), [[]]);
  assertIncludes(q.text, "SELECT DISTINCT ts FROM mds.bars");
  assertIncludes(q.text, "WHERE symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4");
  assertIncludes(q.text, "AND ($5::text IS NULL OR vendor = $5)");
  assertIncludes(q.text, "n - row_number() OVER (ORDER BY t) AS run");
  assertIncludes(q.text, "SELECT min(t) AS first, max(t) AS last, count(*)::int AS missing_bars");
  assertIncludes(q.text, "GROUP BY run ORDER BY 1");
});
