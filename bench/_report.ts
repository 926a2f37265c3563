// The printed result: a table of figures (median, min, max), a table of targets with PASS or
// MISS, and one JSON line with everything.
import type { Spread } from "./_stats.ts";

/** One measured figure. */
export interface Figure {
  /** Stable key, used in the JSON line. */
  key: string;
  /** What was measured. */
  label: string;
  unit: string;
  value: Spread;
}

/** One target: a measured value compared with a bound. */
export interface Target {
  key: string;
  label: string;
  /** The measured value, undefined when its section did not run. */
  value: number | undefined;
  op: ">=" | "<" | "<=" | "==";
  bound: number;
  unit: string;
  /** Why the value is missing. */
  skipped?: string;
}

/** PASS, MISS or SKIP. */
export type Status = "PASS" | "MISS" | "SKIP";

/** Judges one target. */
export function judge(t: Target): Status {
  if (t.value === undefined || Number.isNaN(t.value)) return "SKIP";
  switch (t.op) {
    case ">=":
      return t.value >= t.bound ? "PASS" : "MISS";
    case "<":
      return t.value < t.bound ? "PASS" : "MISS";
    case "<=":
      return t.value <= t.bound ? "PASS" : "MISS";
    case "==":
      return t.value === t.bound ? "PASS" : "MISS";
  }
}

function fmt(n: number, unit: string): string {
  if (unit === "MiB" || unit === "ms" || unit === "x" || unit === "%") {
    return n.toFixed(unit === "x" ? 2 : 1);
  }
  return Math.round(n).toLocaleString("en-US");
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    "| " +
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ") +
    " |";
  return [
    line(head),
    "|" +
    widths.map((w, i) => (i === 0 ? "-" : "") + "-".repeat(w + 1) + (i === 0 ? "" : ":")).join(
      "|",
    ) + "|",
    ...rows.map(line),
  ]
    .join("\n");
}

/** The figures as a Markdown table. */
export function figureTable(figures: readonly Figure[]): string {
  return table(
    ["figure", "median", "min", "max", "unit", "runs"],
    figures.map((f) => [
      f.label,
      fmt(f.value.median, f.unit),
      fmt(f.value.min, f.unit),
      fmt(f.value.max, f.unit),
      f.unit,
      String(f.value.runs),
    ]),
  );
}

/** The targets as a Markdown table. */
export function targetTable(targets: readonly Target[]): string {
  return table(
    ["target", "measured", "goal", "status"],
    targets.map((t) => [
      t.label,
      t.value === undefined ? (t.skipped ?? "not run") : `${fmt(t.value, t.unit)} ${t.unit}`,
      `${t.op} ${fmt(t.bound, t.unit)} ${t.unit}`,
      judge(t),
    ]),
  );
}
