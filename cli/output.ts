/** Where a command writes: data to `out`, diagnostics to `err`. */
export interface Io {
  /** Writes to standard output. */
  out(text: string): void;
  /** Writes to standard error. */
  err(text: string): void;
  /** Whether standard output is a terminal. */
  outIsTerminal: boolean;
  /** Whether standard error is a terminal. */
  errIsTerminal: boolean;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Prints rows: one JSON object per line with `json`, else an aligned table (numbers right-aligned).
 */
export function printRows(
  io: Io,
  rows: readonly Record<string, unknown>[],
  json: boolean,
  columns?: readonly string[],
): void {
  if (json) {
    for (const row of rows) io.out(JSON.stringify(row) + "\n");
    return;
  }
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (rows.length === 0) {
    io.err("(no rows)\n");
    return;
  }
  const table = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...table.map((row) => row[i]!.length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === "number" || r[c] === null));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ")
      .trimEnd() + "\n";
  io.out(line(cols));
  io.out(line(widths.map((w) => "-".repeat(w))));
  for (const row of table) io.out(line(row));
}

/** Prints one result object: JSON with `json`, else `key: value` lines. */
export function printObject(io: Io, value: Record<string, unknown>, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(value) + "\n");
    return;
  }
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) io.out(`${k.padEnd(width)}  ${cell(v)}\n`);
}
