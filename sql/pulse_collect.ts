// What a unit of work publishes: the rows of its writes reduced, in one pass each, to the rows
// an event carries (the newest bar per series, the newest quote per vendor, every snapshot).
import type { PulseEvent, PulseStream } from "./pulse.ts";
import type { RowKind } from "./tables.ts";
import { PULSE_STREAMS } from "./pulse.ts";

type Row = Record<string, unknown>;

/**
 * For the streams whose events carry only the newest row of something: the columns naming that
 * something. Handing {@linkcode PulseCollector.add} only the newest row of each combination
 * (the later one on equal times) gives the same events as handing it every row. Option
 * snapshots are absent: their events carry every snapshot.
 */
export const PULSE_NEWEST_BY: Readonly<Partial<Record<RowKind, readonly string[]>>> = {
  bars: ["tenant_id", "vendor", "symbol", "timeframe"],
  quotes: ["tenant_id", "vendor", "symbol"],
};

const SEP = "\u0001";

function millis(value: unknown): number {
  return value instanceof Date ? value.getTime() : Date.parse(String(value));
}

/**
 * Gathers the rows of one unit of work's writes into {@linkcode PulseEvent}s: one event per
 * stream and symbol, whatever the number of writes. Per symbol it keeps, for `bars`, the newest
 * bar of each timeframe and vendor; for `quotes`, the newest quote of each vendor; for
 * `options`, every snapshot (one per key, the last written winning). Of two rows with the same
 * time the one added last wins, as in the upsert. Each `add` is one pass over its rows; rows are
 * held by reference and turned into JSON-ready objects only by {@linkcode PulseCollector.events}.
 *
 * @example
 * ```ts
 * import { PulseCollector } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const pulse = new PulseCollector();
 * const bar = (minute: number, close: number) => ({ ts: new Date(Date.UTC(2024, 0, 2, 14, minute)),
 *   vendor: "v", symbol: "AAPL", timeframe: "1m", open: 1, high: 2, low: 1, close });
 * pulse.add("bars", [bar(31, 2), bar(30, 1)]);
 * pulse.add("bars", [bar(29, 0)]);
 * const [event] = pulse.events("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001", 1704206000000);
 * assert.equal(pulse.size, 1);
 * assert.deepEqual(event?.rows.map((r) => [r.ts, r.close]), [["2024-01-02T14:31:00.000Z", 2]]);
 * ```
 */
export class PulseCollector {
  readonly #streams: Record<PulseStream, Map<string, Map<string, Row>>> = {
    bars: new Map(),
    quotes: new Map(),
    options: new Map(),
  };

  /** How many events {@linkcode PulseCollector.events} would return. */
  get size(): number {
    let n = 0;
    for (const stream of PULSE_STREAMS) n += this.#streams[stream].size;
    return n;
  }

  /**
   * Adds the rows of one write.
   *
   * @param stream Which kind of rows.
   * @param rows Validated rows of that kind (`symbol` upper-case, `ts` a `Date`).
   */
  add(stream: PulseStream, rows: readonly object[]): void {
    const symbols = this.#streams[stream];
    const list = rows as readonly Row[];
    if (stream === "options") {
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        const key = `${millis(r.ts)}${SEP}${r.vendor}${SEP}${r.expiry}${SEP}${r.option_type}${SEP}${
          Number(r.strike)
        }`;
        seriesOf(symbols, r.symbol as string).set(key, r);
      }
      return;
    }
    const bars = stream === "bars";
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!;
      const series = seriesOf(symbols, r.symbol as string);
      const key = bars ? `${r.timeframe}${SEP}${r.vendor}` : (r.vendor as string);
      const held = series.get(key);
      if (held === undefined || millis(r.ts) >= millis(held.ts)) series.set(key, r);
    }
  }

  /**
   * The events of everything added: bars first, then quotes, then options, symbols in the order
   * they were first added.
   *
   * @param tenant The writer's tenant.
   * @param at Commit time, epoch milliseconds.
   * @returns One event per stream and symbol; rows without `tenant_id`, times as ISO strings.
   */
  events(tenant: string, at: number): PulseEvent[] {
    const out: PulseEvent[] = [];
    for (const stream of PULSE_STREAMS) {
      for (const [symbol, series] of this.#streams[stream]) {
        const rows: Row[] = [];
        for (const row of series.values()) rows.push(jsonRow(row));
        out.push({ v: 1, tenant, stream, symbol, rows, at });
      }
    }
    return out;
  }
}

function seriesOf(symbols: Map<string, Map<string, Row>>, symbol: string): Map<string, Row> {
  let series = symbols.get(symbol);
  if (series === undefined) symbols.set(symbol, series = new Map());
  return series;
}

function jsonRow(row: Row): Row {
  const out: Row = {};
  for (const key in row) {
    if (key === "tenant_id") continue;
    const value = row[key];
    if (value === undefined) continue;
    out[key] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}
