// The macro-factor statements tested as data (their execution on both backends is tested in
// tests/macro_test.ts).
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped, squash } from "../testing/sql_query.ts";
import { parseMacroObservation, parseMacroSeries } from "./macro.ts";
import {
  buildListMacro,
  buildMacroHistory,
  buildMacroLatest,
  buildTrackMacro,
  buildUntrackMacro,
  buildUpsertMacroObservations,
} from "./macro_queries.ts";

Deno.test("every macro statement is tenant-scoped and uses exactly its parameters", () => {
  const obs = parseMacroObservation({
    key: "DGS10",
    date: "2024-01-02",
    value: null,
    realtime_start: "2024-01-03",
  });
  for (
    const q of [
      buildTrackMacro([parseMacroSeries("DGS10")]),
      buildUntrackMacro(["DGS10"], false),
      buildListMacro(null),
      buildUpsertMacroObservations([obs]),
      buildMacroLatest(["DGS10"]),
      buildMacroHistory({ key: "DGS10", start: null, end: null, vintage: "latest" }),
    ]
  ) {
    assertTenantScoped(q);
    assertPlaceholders(q);
  }
});

Deno.test("buildUpsertMacroObservations() sends the rows as JSON, missing values as null", () => {
  const rows = [
    { key: "GDP", date: "2023-10-01", value: 27_610.1, realtime_start: "2024-01-25" },
    { key: "GDP", date: "2023-10-01", value: null, realtime_start: "2024-02-28" },
  ];
  const q = buildUpsertMacroObservations(rows);
  assertEquals(JSON.parse(q.params[0] as string), rows);
  const text = squash(q.text);
  assertIncludes(text, "ON CONFLICT (tenant_id, key, date, realtime_start) DO UPDATE");
  // an unchanged row is not rewritten, and counts as neither inserted nor updated
  assertIncludes(text, "WHERE o.value IS DISTINCT FROM EXCLUDED.value");
  assertIncludes(text, "count(*) FILTER (WHERE p.key IS NULL)::int AS inserted");
});

Deno.test("buildTrackMacro() keeps stored metadata where the new series has none", () => {
  const q = buildTrackMacro([parseMacroSeries("DGS10", { title: "10-Year" })]);
  const text = squash(q.text);
  assertIncludes(text, "title = coalesce(EXCLUDED.title, s.title)");
  assertIncludes(text, "IS DISTINCT FROM");
  assertEquals(JSON.parse(q.params[0] as string), [
    { key: "DGS10", title: "10-Year", units: null, frequency: null, vendor: "fred" },
  ]);
});

Deno.test("buildMacroHistory() turns the vintage into a day bound and an ordering", () => {
  const at = (vintage: string) =>
    buildMacroHistory({ key: "GDP", start: "2020-01-01", end: "2020-12-31", vintage });
  assertEquals(at("latest").params, ["GDP", "2020-01-01", "2020-12-31", null, false]);
  assertEquals(at("first").params, ["GDP", "2020-01-01", "2020-12-31", null, true]);
  assertEquals(at("2021-03-01").params, ["GDP", "2020-01-01", "2020-12-31", "2021-03-01", false]);
  const text = squash(at("first").text);
  assertIncludes(text, "SELECT DISTINCT ON (o.date)");
  assertIncludes(text, "CASE WHEN $5::boolean THEN o.realtime_start END, o.realtime_start DESC");
  assert(/ORDER BY h\.date$/.test(text));
});

Deno.test("buildMacroLatest() skips missing values and keeps series without observations", () => {
  const text = squash(buildMacroLatest(null).text);
  assertIncludes(text, "LEFT JOIN LATERAL");
  assertIncludes(text, "WHERE v.value IS NOT NULL");
  assertIncludes(text, "ORDER BY o.date DESC, o.realtime_start DESC");
});
