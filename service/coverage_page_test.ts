// The coverage page as text: one cell per symbol and day with its share, tooltip and marks, a
// legend, a caption, the lag table, escaping, and nothing that would fetch anything.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { type CoverageReport, formatLag, renderCoveragePage } from "./coverage_page.ts";

const cell = (
  present: number,
  expected = 390,
  marks: Partial<Record<"backfill" | "unfillable", boolean>> = {},
) => ({
  present,
  expected,
  backfill: marks.backfill ?? false,
  unfillable: marks.unfillable ?? false,
});

const REPORT: CoverageReport = {
  tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
  timeframe: "1m",
  calendar: "nyse",
  tier: null,
  generatedAt: new Date("2024-07-10T18:00:00Z"),
  days: [
    { date: "2024-07-08", expected: 390 },
    { date: "2024-07-09", expected: 390 },
    { date: "2024-07-10", expected: 270 },
  ],
  rows: [
    {
      symbol: "AAPL",
      tier: "T0",
      cells: [cell(390), cell(360, 390, { backfill: true }), cell(270, 270)],
    },
    {
      symbol: "MSFT",
      tier: "T1",
      cells: [cell(0, 390, { unfillable: true }), cell(390), cell(0, 0)],
    },
  ],
  lags: [{
    tier: "T0",
    timeframe: "1m",
    series: 2,
    empty: 0,
    newest: new Date("2024-07-10T17:59:00Z"),
    stalest: { symbol: "MSFT", last_ts: new Date("2024-07-09T19:59:00Z") },
  }],
};

/** The attributes of every heatmap cell, in document order. */
function cells(html: string): Record<string, string>[] {
  return [...html.matchAll(/<rect class="cell[^>]*>/g)].map((m) =>
    Object.fromEntries([...m[0].matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]))
  );
}

Deno.test("renderCoveragePage() draws one cell per symbol and day with its share, present and expected", () => {
  const html = renderCoveragePage(REPORT);
  assertEquals(
    cells(html).map((c) => [c["data-symbol"], c["data-day"], c["data-share"], c.class]),
    [
      ["AAPL", "2024-07-08", "1", "cell"],
      ["AAPL", "2024-07-09", String(360 / 390), "cell gap"],
      ["AAPL", "2024-07-10", "1", "cell"],
      ["MSFT", "2024-07-08", "0", "cell gap"],
      ["MSFT", "2024-07-09", "1", "cell"],
      // nothing expected yet: no share, not a gap
      ["MSFT", "2024-07-10", "", "cell none"],
    ],
  );
  const [, partial, , empty] = cells(html);
  assertEquals([partial!["data-present"], partial!["data-expected"]], ["360", "390"]);
  assertEquals([partial!["data-backfill"], empty!["data-unfillable"]], ["true", "true"]);
  assertIncludes(
    html,
    "<title>AAPL 2024-07-09: 360/390 bars (92.3%); gap, backfill queued</title>",
  );
  assertIncludes(
    html,
    "<title>MSFT 2024-07-08: 0/390 bars (0%); gap, unfillable range recorded</title>",
  );
  assertIncludes(html, "<title>AAPL 2024-07-08: 390/390 bars (100%); complete</title>");
  assertEquals(html.match(/class="gap-mark"/g)?.length, 2);
  assertEquals(html.match(/class="backfill-mark"/g)?.length, 1);
  assertEquals(html.match(/class="unfillable-mark"/g)?.length, 1);
});

Deno.test("renderCoveragePage() has a caption, a legend, a summary and the lag table", () => {
  const html = renderCoveragePage(REPORT);
  assertIncludes(html, '<figcaption id="heatmap-caption">');
  assertIncludes(html, 'role="img" aria-labelledby="heatmap-title heatmap-desc"');
  assertIncludes(html, '<ul class="legend" aria-label="Legend">');
  for (
    const label of ["100%", "0%", "outlined: a gap", "dot: a backfill", "hatched: an unfillable"]
  ) {
    assertIncludes(html, label);
  }
  assertIncludes(html, "<li>3 of 5 symbol-days complete; 2 with gaps</li>");
  assertIncludes(html, "<caption>Ingestion lag per tier and timeframe");
  assertIncludes(
    html,
    '<tr data-tier="T0" data-timeframe="1m" data-lag-seconds="60"><th scope="row">T0</th><td>1m</td><td>2</td><td>2024-07-10T17:59:00Z</td><td>60 s</td><td>MSFT: 22.0 h</td><td>0</td></tr>',
  );
});

Deno.test("renderCoveragePage() is self-contained: no script, link, image or external URL", () => {
  const html = renderCoveragePage(REPORT);
  assert(html.startsWith('<!doctype html>\n<html lang="en">'));
  for (
    const banned of [/<script/i, /<link/i, /<img/i, /<iframe/i, /\bsrc=/i, /@import/i, /url\(http/i]
  ) {
    assert(!banned.test(html), `the page matches ${banned}`);
  }
  // the only URL is the SVG namespace, which is never fetched
  assertEquals([...html.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]), [
    "http://www.w3.org/2000/svg",
  ]);
});

Deno.test("renderCoveragePage() escapes what it quotes", () => {
  const html = renderCoveragePage({
    ...REPORT,
    tenant: `<script>alert("x")</script>`,
    rows: [{ symbol: `A"&<B`, tier: null, cells: REPORT.rows[0]!.cells }],
  });
  assert(!html.includes("<script>"));
  assertIncludes(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  assertIncludes(html, 'data-symbol="A&quot;&amp;&lt;B"');
});

Deno.test("renderCoveragePage() says so when there is nothing to draw", () => {
  const html = renderCoveragePage({ ...REPORT, rows: [], lags: [] });
  assertIncludes(html, "No symbols or no trading days to show.");
  assertIncludes(html, '<td colspan="7">no series</td>');
  assertEquals(cells(html), []);
});

Deno.test("formatLag() reads as seconds, minutes, hours or days", () => {
  assertEquals(
    [45_000, 12 * 60_000, 3.2 * 3_600_000, 4 * 86_400_000, -5].map(formatLag),
    ["45 s", "12 min", "3.2 h", "4.0 d", "0 s"],
  );
});
