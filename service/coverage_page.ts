// The coverage page: one self-contained HTML document (inline CSS and SVG, nothing fetched) with
// a heatmap of the share of expected bars each symbol has per trading day, the gaps, queued
// backfills and unfillable ranges marked, and the ingestion lag per tier. Pure: data in, text
// out; `mds coverage --html` and `GET /coverage` both render it.

/** One cell of the heatmap: a symbol on a trading day. */
export interface CoverageCell {
  /** Bars stored on the day's grid. */
  present: number;
  /** Bars the calendar expects that day (by the time of the report). */
  expected: number;
  /** A queued or running backfill of the symbol overlaps the day. */
  backfill: boolean;
  /** A recorded unfillable range of the symbol overlaps the day. */
  unfillable: boolean;
}

/** One row of the heatmap. */
export interface CoverageRow {
  /** Ticker. */
  symbol: string;
  /** Its tier in the universe, or `null` when it is not in the universe. */
  tier: string | null;
  /** One cell per day of {@linkcode CoverageReport.days}, in the same order. */
  cells: CoverageCell[];
}

/** Ingestion lag of one tier at one timeframe, from the series cursors. */
export interface TierLag {
  /** Tier (`T0`, `T1`, `T2`), or `none` for symbols outside the universe. */
  tier: string;
  /** Bar timeframe. */
  timeframe: string;
  /** Series of the tier at the timeframe. */
  series: number;
  /** Series with no bar stored. */
  empty: number;
  /** Open time of the newest bar over the tier's series, or `null` when none has a bar. */
  newest: Date | null;
  /** The series whose newest bar is the oldest (the stalest), or `null` when none has a bar. */
  stalest: { symbol: string; last_ts: Date } | null;
}

/** What {@linkcode renderCoveragePage} draws. */
export interface CoverageReport {
  /** The tenant. */
  tenant: string;
  /** Bar timeframe of the heatmap. */
  timeframe: string;
  /** The trading calendar's name. */
  calendar: string;
  /** The tier shown, or `null` for every tier. */
  tier: string | null;
  /** When the report was made; lags are measured to it. */
  generatedAt: Date;
  /** The trading days, oldest first, with the bars each expects. */
  days: { date: string; expected: number }[];
  /** The symbols, in display order. */
  rows: CoverageRow[];
  /** The lag table. */
  lags: TierLag[];
}

const CELL_W = 42;
const CELL_H = 22;
const LABEL_W = 96;
const HEAD_H = 44;
const GAP = 2;

/** The colour buckets of the legend, fullest first. */
const BUCKETS: readonly { min: number; label: string; fill: string }[] = [
  { min: 1, label: "100%", fill: "#1a9850" },
  { min: 0.99, label: "99% to under 100%", fill: "#91cf60" },
  { min: 0.9, label: "90% to under 99%", fill: "#d9ef8b" },
  { min: 0.5, label: "50% to under 90%", fill: "#fdae61" },
  { min: Number.MIN_VALUE, label: "above 0% to under 50%", fill: "#f46d43" },
  { min: 0, label: "0%", fill: "#a50026" },
];
const NOT_EXPECTED = "#d9d9d9";
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

function fillOf(share: number): string {
  return (BUCKETS.find((b) => share >= b.min) ?? BUCKETS[BUCKETS.length - 1]!).fill;
}

function percent(share: number): string {
  const p = share * 100;
  return `${p === 100 || p === 0 ? p.toFixed(0) : p >= 99.95 ? "99.9" : p.toFixed(1)}%`;
}

/** A duration in milliseconds as people read it: `45 s`, `12 min`, `3.2 h`, `4.0 d`. */
export function formatLag(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3_600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;
const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");

function heatmap(report: CoverageReport): string {
  const { days, rows } = report;
  const width = LABEL_W + days.length * (CELL_W + GAP) + 8;
  const height = HEAD_H + rows.length * (CELL_H + GAP) + 4;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="heatmap-title heatmap-desc">`,
    `<title id="heatmap-title">Share of expected ${escapeHtml(report.timeframe)} bars per ` +
      `symbol and trading day</title>`,
    `<desc id="heatmap-desc">${rows.length} symbols by ${days.length} trading days of the ` +
      `${escapeHtml(report.calendar)} calendar; each cell's colour is the share of expected ` +
      `bars stored; outlined cells have gaps, a blue dot marks a queued backfill, hatching an ` +
      `unfillable range.</desc>`,
    `<defs><pattern id="unfillable-hatch" width="6" height="6" patternUnits="userSpaceOnUse" ` +
      `patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#222" ` +
      `stroke-width="2"/></pattern></defs>`,
  );
  days.forEach((d, j) => {
    const x = LABEL_W + j * (CELL_W + GAP) + CELL_W / 2;
    out.push(
      `<text class="day" x="${x}" y="${HEAD_H - 22}" text-anchor="middle">${
        escapeHtml(d.date.slice(5))
      }</text>`,
      `<text class="weekday" x="${x}" y="${HEAD_H - 8}" text-anchor="middle">${
        WEEKDAYS[new Date(`${d.date}T00:00:00Z`).getUTCDay()] ?? ""
      }</text>`,
    );
  });
  rows.forEach((row, i) => {
    const y = HEAD_H + i * (CELL_H + GAP);
    out.push(
      `<text class="symbol" x="${LABEL_W - 8}" y="${y + CELL_H / 2 + 4}" text-anchor="end">${
        escapeHtml(row.symbol)
      }</text>`,
    );
    days.forEach((d, j) => {
      const cell = row.cells[j] ??
        { present: 0, expected: d.expected, backfill: false, unfillable: false };
      const x = LABEL_W + j * (CELL_W + GAP);
      const expected = cell.expected;
      const share = expected > 0 ? Math.min(1, cell.present / expected) : undefined;
      const gap = share !== undefined && share < 1;
      const notes = [
        share === undefined ? "no bars expected yet" : gap ? "gap" : "complete",
        ...(cell.backfill ? ["backfill queued"] : []),
        ...(cell.unfillable ? ["unfillable range recorded"] : []),
      ];
      const attrs = [
        `class="cell${gap ? " gap" : ""}${share === undefined ? " none" : ""}"`,
        `data-symbol="${escapeHtml(row.symbol)}"`,
        `data-day="${escapeHtml(d.date)}"`,
        `data-share="${share === undefined ? "" : String(share)}"`,
        `data-present="${cell.present}"`,
        `data-expected="${expected}"`,
        ...(cell.backfill ? [`data-backfill="true"`] : []),
        ...(cell.unfillable ? [`data-unfillable="true"`] : []),
        `x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}"`,
        `fill="${share === undefined ? NOT_EXPECTED : fillOf(share)}"`,
      ];
      out.push(
        `<rect ${attrs.join(" ")}><title>${escapeHtml(row.symbol)} ${
          escapeHtml(d.date)
        }: ${cell.present}/${expected} bars${share === undefined ? "" : ` (${percent(share)})`}; ${
          notes.join(", ")
        }</title></rect>`,
      );
      if (cell.unfillable) {
        out.push(
          `<rect class="unfillable-mark" x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" ` +
            `fill="url(#unfillable-hatch)" opacity="0.45" pointer-events="none"/>`,
        );
      }
      if (gap) {
        out.push(
          `<rect class="gap-mark" x="${x + 1}" y="${y + 1}" width="${CELL_W - 2}" ` +
            `height="${CELL_H - 2}" fill="none" stroke="#111" stroke-width="2" ` +
            `pointer-events="none"/>`,
        );
      }
      if (cell.backfill) {
        out.push(
          `<circle class="backfill-mark" cx="${x + CELL_W - 6}" cy="${y + 6}" r="4" ` +
            `fill="#2b6cb0" stroke="#fff" stroke-width="1" pointer-events="none"/>`,
        );
      }
    });
  });
  out.push("</svg>");
  return out.join("\n");
}

function legend(): string {
  const swatch = (fill: string, extra = "") =>
    `<svg class="swatch" width="18" height="14" aria-hidden="true"><rect width="18" height="14" ` +
    `fill="${fill}"/>${extra}</svg>`;
  const items = [
    ...BUCKETS.map((b) => `<li>${swatch(b.fill)} ${escapeHtml(b.label)} of expected bars</li>`),
    `<li>${swatch(NOT_EXPECTED)} no bars expected yet</li>`,
    `<li>${
      swatch(
        "#fdae61",
        `<rect x="1" y="1" width="16" height="12" fill="none" stroke="#111" stroke-width="2"/>`,
      )
    } outlined: a gap (under 100%)</li>`,
    `<li>${
      swatch("#fdae61", `<circle cx="12" cy="5" r="4" fill="#2b6cb0" stroke="#fff"/>`)
    } dot: a backfill is queued or running</li>`,
    `<li>${
      swatch(
        "#fdae61",
        `<g stroke="#222" stroke-width="2" opacity="0.5"><line x1="0" y1="14" x2="14" y2="0"/>` +
          `<line x1="6" y1="14" x2="18" y2="2"/></g>`,
      )
    } hatched: an unfillable range is recorded</li>`,
  ];
  return `<ul class="legend" aria-label="Legend">\n${items.join("\n")}\n</ul>`;
}

function lagTable(report: CoverageReport): string {
  const now = report.generatedAt.getTime();
  const body = report.lags.map((l) => {
    const cells = [
      l.tier,
      l.timeframe,
      String(l.series),
      l.newest === null ? "none" : iso(l.newest),
      l.newest === null ? "n/a" : formatLag(now - l.newest.getTime()),
      l.stalest === null
        ? "n/a"
        : `${l.stalest.symbol}: ${formatLag(now - l.stalest.last_ts.getTime())}`,
      String(l.empty),
    ];
    return `<tr data-tier="${escapeHtml(l.tier)}" data-timeframe="${escapeHtml(l.timeframe)}" ` +
      `data-lag-seconds="${
        l.newest === null ? "" : Math.round((now - l.newest.getTime()) / 1000)
      }">${
        cells.map((c, i) =>
          i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`
        ).join("")
      }</tr>`;
  });
  return `<table class="lags">
<caption>Ingestion lag per tier and timeframe: now minus the newest bar, from the series cursors</caption>
<thead><tr><th scope="col">tier</th><th scope="col">timeframe</th><th scope="col">series</th><th scope="col">newest bar</th><th scope="col">lag</th><th scope="col">stalest series</th><th scope="col">series without bars</th></tr></thead>
<tbody>
${body.length === 0 ? `<tr><td colspan="7">no series</td></tr>` : body.join("\n")}
</tbody>
</table>`;
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem;
  color: #1b1b1b; background: #fff; }
h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
p.meta { margin: 0 0 1rem; color: #555; font-size: .9rem; }
figure { margin: 0 0 1rem; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: .5rem; }
svg.heatmap text { font-size: 11px; fill: #333; }
svg.heatmap text.symbol { font-size: 12px; font-weight: 600; }
svg.heatmap text.weekday { fill: #777; font-size: 10px; }
ul.legend { list-style: none; padding: 0; margin: .5rem 0 1.25rem; display: flex;
  flex-wrap: wrap; gap: .35rem 1.2rem; font-size: .85rem; }
ul.legend li { display: flex; align-items: center; gap: .35rem; }
ul.summary { font-size: .9rem; margin: 0 0 1rem; padding-left: 1.2rem; }
table.lags { border-collapse: collapse; font-size: .85rem; }
table.lags caption { text-align: left; font-weight: 600; margin-bottom: .4rem; }
table.lags th, table.lags td { border: 1px solid #ccc; padding: .25rem .6rem; text-align: left; }
table.lags thead th { background: #f2f2f2; }
`;

/**
 * Renders the coverage page: a self-contained HTML document (inline CSS and SVG; no script,
 * font, image or stylesheet is fetched) with a heatmap of symbols by trading days, each cell
 * coloured by the share of expected bars stored and carrying a `<title>` tooltip and the
 * attributes `data-symbol`, `data-day`, `data-share` (present / expected, empty when no bar is
 * expected yet), `data-present` and `data-expected`; gaps outlined (`class="cell gap"`), queued
 * backfills dotted (`data-backfill`), unfillable ranges hatched (`data-unfillable`); a legend, a
 * summary and the lag table. Pure: the same report always gives the same text.
 *
 * @param report What to draw (see `gatherCoverage`).
 * @returns The HTML document.
 *
 * @example
 * ```ts
 * import { renderCoveragePage } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * const html = renderCoveragePage({
 *   tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", timeframe: "1m", calendar: "nyse", tier: null,
 *   generatedAt: new Date("2024-07-09T20:00:00Z"),
 *   days: [{ date: "2024-07-08", expected: 390 }, { date: "2024-07-09", expected: 390 }],
 *   rows: [{ symbol: "AAPL", tier: "T0", cells: [
 *     { present: 390, expected: 390, backfill: false, unfillable: false },
 *     { present: 360, expected: 390, backfill: true, unfillable: false },
 *   ] }],
 *   lags: [],
 * });
 * assert.match(html, /^<!doctype html>/);
 * assert.match(html, /data-day="2024-07-09" data-share="0\.923\d*" data-present="360"/);
 * assert.match(html, /<title>AAPL 2024-07-09: 360\/390 bars \(92\.3%\); gap, backfill queued/);
 * assert.doesNotMatch(html, /<script|<link|src=/);
 * ```
 */
export function renderCoveragePage(report: CoverageReport): string {
  const cells = report.rows.flatMap((r) => r.cells);
  const expected = cells.filter((c) => c.expected > 0);
  const complete = expected.filter((c) => c.present >= c.expected).length;
  const backfills = cells.filter((c) => c.backfill).length;
  const unfillable = cells.filter((c) => c.unfillable).length;
  const first = report.days[0]?.date, last = report.days[report.days.length - 1]?.date;
  const span = first === undefined ? "no trading day" : `${first} to ${last}`;
  const title = `Coverage of ${report.timeframe} bars, ${span}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Tenant ${escapeHtml(report.tenant)} · ${
    escapeHtml(report.tier === null ? "every tier" : `tier ${report.tier}`)
  } · calendar ${escapeHtml(report.calendar)} · generated ${iso(report.generatedAt)}</p>
<ul class="summary">
<li>${complete} of ${plural(expected.length, "symbol-day")} complete; ${
    expected.length - complete
  } with gaps</li>
<li>${
    plural(backfills, "symbol-day")
  } with a queued or running backfill; ${unfillable} with an unfillable range</li>
</ul>
<figure>
<figcaption id="heatmap-caption">Share of the ${escapeHtml(report.timeframe)} bars the ${
    escapeHtml(report.calendar)
  } calendar expects that are stored, per symbol (rows) and trading day (columns)</figcaption>
${
    report.rows.length === 0 || report.days.length === 0
      ? `<p class="empty">No symbols or no trading days to show.</p>`
      : heatmap(report)
  }
</figure>
${legend()}
${lagTable(report)}
</main>
</body>
</html>
`;
}
