// The generative market behind testing/fake_market.ts: NYSE sessions from the calendar, 1-minute
// prices that are a pure function of (symbol, time), longer bars aggregated from them, halts
// (holes), bars served broken and bars stamped in the future. Only tests import this file.
import { nyseCalendar, type TradingSession } from "@mds/client/calendar";

/** The timeframes the fake market serves. */
export const MARKET_TIMEFRAMES = ["1m", "5m", "15m", "30m", "1h", "1d"] as const;

/** One of {@linkcode MARKET_TIMEFRAMES}. */
export type MarketTimeframe = typeof MARKET_TIMEFRAMES[number];

/** Tells whether a value is one of {@linkcode MARKET_TIMEFRAMES}. */
export function isMarketTimeframe(value: unknown): value is MarketTimeframe {
  return typeof value === "string" && (MARKET_TIMEFRAMES as readonly string[]).includes(value);
}

/** How a bar is served broken: a negative low, or a high below the low. */
export type CorruptKind = "negative" | "high_below_low";

/** One bar as the market holds it. */
export interface MarketRow {
  /** The bar time the adapters yield, epoch ms: the open time; daily: the date 00:00 UTC. */
  ts: number;
  /** When the bar opened, epoch ms: `ts`, or for a daily bar its session's open. */
  openMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Set on a bar served broken. */
  corrupt?: CorruptKind;
  /** Set on a bar stamped after the end of the history (see {@linkcode MarketData.addFuture}). */
  future?: true;
}

/** The last trade before the end of the history, for the quote endpoints. */
export interface LastTrade {
  /** When the price was current, epoch ms: the end of the last 1-minute bar, at most `end`. */
  ms: number;
  price: number;
  /** The day so far: the daily bar of the last trade's session. */
  day: MarketRow;
  /** The close of the session before, where the market holds one. */
  previousClose: number | null;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const STEP: Readonly<Record<MarketTimeframe, number>> = {
  "1m": MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": HOUR,
  "1d": DAY,
};
/** Most sessions of 1-minute prices kept; about 16 KB each. */
const CACHE_SESSIONS = 2_048;
/** Noise octaves: scales of 1 minute times 4^k, up to about two years. */
const OCTAVES = Array.from({ length: 11 }, (_, k) => {
  const scaleSeconds = 60 * 4 ** k;
  // a random walk of about 2 % a day: amplitude grows with the square root of the scale
  return { scaleSeconds, amplitude: 0.014 * Math.sqrt(scaleSeconds / 86_400) };
});

/** A 32-bit mix of two integers (the finaliser of MurmurHash3). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1) ^ Math.imul((b / 4_294_967_296) | 0, 0x85ebca6b)) |
    0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A number in [0, 1) from two integers. */
const unit = (a: number, b: number) => mix(a, b) / 4_294_967_296;

function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h >>> 0, text.length);
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** The price process of one symbol. */
class Prices {
  readonly #seed: number;
  readonly #base: number;
  readonly #volume: number;

  constructor(symbol: string) {
    this.#seed = hashText(symbol);
    this.#base = 20 + (mix(this.#seed, 1) % 48_000) / 100;
    this.#volume = 500 + (mix(this.#seed, 2) % 20_000);
  }

  /**
   * The prices at `n` + 1 instants a minute apart from `fromSeconds`: the base price times the
   * exponential of a sum of value-noise octaves (smoothly interpolated hashes of the lattice
   * points). Each octave hashes a lattice point once per run, not once per minute.
   */
  #path(fromSeconds: number, n: number): Float64Array {
    const log = new Float64Array(n + 1);
    for (let k = 0; k < OCTAVES.length; k++) {
      const { scaleSeconds, amplitude } = OCTAVES[k]!;
      const salt = this.#seed ^ Math.imul(k + 3, 0x27d4eb2d);
      let at = NaN, a = 0, b = 0;
      for (let j = 0; j <= n; j++) {
        const x = (fromSeconds + j * 60) / scaleSeconds, i = Math.floor(x), f = x - i;
        if (i !== at) {
          a = i === at + 1 ? b : unit(salt, i) * 2 - 1;
          b = unit(salt, i + 1) * 2 - 1;
          at = i;
        }
        log[j] = log[j]! + amplitude * (a + (b - a) * f * f * (3 - 2 * f));
      }
    }
    for (let j = 0; j <= n; j++) log[j] = cents(this.#base * Math.exp(log[j]!));
    return log;
  }

  /** The 1-minute bars of `[fromMs, toMs)`, five numbers each: o, h, l, c, v. */
  minutes(fromMs: number, toMs: number): Float64Array {
    const n = Math.max(0, Math.round((toMs - fromMs) / MINUTE));
    const from = fromMs / 1_000;
    const price = this.#path(from, n);
    const out = new Float64Array(n * 5);
    const salt = this.#seed ^ 0x5bd1e995;
    for (let i = 0; i < n; i++) {
      const s = from + i * 60, open = price[i]!, close = price[i + 1]!;
      const wick = open * 0.0008;
      out[i * 5] = open;
      out[i * 5 + 1] = cents(Math.max(open, close) + wick * unit(salt, s));
      out[i * 5 + 2] = cents(Math.min(open, close) - wick * unit(salt + 1, s));
      out[i * 5 + 3] = close;
      out[i * 5 + 4] = Math.round(this.#volume * (0.2 + 1.6 * unit(salt + 2, s)));
    }
    return out;
  }
}

/** Adds the 1-minute bar `i` of `m` to an aggregate, or starts one. */
function fold(
  row: MarketRow | undefined,
  ts: number,
  openMs: number,
  m: Float64Array,
  i: number,
): MarketRow {
  const k = i * 5, h = m[k + 1]!, l = m[k + 2]!;
  if (row === undefined) {
    return { ts, openMs, open: m[k]!, high: h, low: l, close: m[k + 3]!, volume: m[k + 4]! };
  }
  if (h > row.high) row.high = h;
  if (l < row.low) row.low = l;
  row.close = m[k + 3]!;
  row.volume += m[k + 4]!;
  return row;
}

const dateMs = (s: TradingSession) => Date.parse(`${s.date}T00:00:00Z`);

/** The market's state: its history window, holes, broken bars and bars in the future. */
export class MarketData {
  /** First session open included, epoch ms: `end - days`. */
  readonly startMs: number;
  /** Bars exist for times before this, epoch ms. */
  readonly endMs: number;
  /** The NYSE sessions that open in `[startMs, endMs)`, oldest first. */
  readonly sessions: readonly TradingSession[];
  readonly #symbols: ReadonlySet<string> | undefined;
  readonly #prices = new Map<string, Prices>();
  readonly #cache = new Map<string, Float64Array>();
  readonly #holes = new Map<string, Array<[number, number]>>();
  /** By `symbol|timeframe`, then bar time. */
  readonly #corrupt = new Map<string, Map<number, CorruptKind>>();
  readonly #future = new Map<string, MarketRow[]>();

  constructor(end: Date, days: number, symbols: readonly string[] | undefined) {
    this.endMs = end.getTime();
    this.startMs = this.endMs - days * DAY;
    this.sessions = nyseCalendar().sessions(new Date(this.startMs), end)
      .filter((s) => s.open.getTime() >= this.startMs);
    this.#symbols = symbols === undefined
      ? undefined
      : new Set(symbols.map((s) => s.toUpperCase()));
  }

  /** Whether the market lists the symbol at all. */
  has(symbol: string): boolean {
    return this.#symbols === undefined || this.#symbols.has(symbol.toUpperCase());
  }

  /** No bar of any timeframe with a time in `[fromMs, toMs)`; no minute of it in an aggregate. */
  addHole(symbol: string, fromMs: number, toMs: number): void {
    const holes = this.#holes.get(symbol) ?? [];
    holes.push([fromMs, toMs]);
    this.#holes.set(symbol, holes);
  }

  /** Serves the bar of `timeframe` at `ts` broken; throws RangeError when there is none. */
  addCorrupt(symbol: string, timeframe: MarketTimeframe, ts: number, kind: CorruptKind): void {
    const held = this.rows(symbol, timeframe, ts, ts + 1).some((r) => r.ts === ts);
    if (!held) {
      throw new RangeError(
        `Cannot corrupt a bar: the market holds no "${timeframe}" bar of "${symbol}" at ${
          new Date(ts).toISOString()
        }`,
      );
    }
    const key = `${symbol}|${timeframe}`;
    const marks = this.#corrupt.get(key) ?? new Map<number, CorruptKind>();
    marks.set(ts, kind);
    this.#corrupt.set(key, marks);
  }

  /**
   * Appends `count` bars of `timeframe` from `end` + 1 hour on: intraday at consecutive steps,
   * daily at the next NYSE sessions whose date (00:00 UTC) is that late.
   */
  addFuture(symbol: string, timeframe: MarketTimeframe, count: number): void {
    const key = `${symbol}|${timeframe}`;
    const rows = this.#future.get(key) ?? [];
    const after = rows.at(-1)?.ts ?? -Infinity;
    const from = Math.max(this.endMs + HOUR, after + 1);
    const prices = this.#pricesOf(symbol);
    if (timeframe === "1d") {
      const first = Math.ceil(from / DAY) * DAY;
      const sessions = nyseCalendar().sessions(
        new Date(first),
        new Date(first + (count + 5) * 2 * DAY),
      )
        .filter((s) => dateMs(s) >= from).slice(0, count);
      for (const s of sessions) {
        const m = this.#minutes(symbol, s);
        let row: MarketRow | undefined;
        for (let i = 0; i < m.length / 5; i++) row = fold(row, dateMs(s), s.open.getTime(), m, i);
        if (row) rows.push({ ...row, future: true });
      }
    } else {
      const step = STEP[timeframe];
      // the grid of the sessions: steps from a half hour
      let t = Math.ceil((from - 30 * MINUTE) / step) * step + 30 * MINUTE;
      for (let k = 0; k < count; k++, t += step) {
        const m = prices.minutes(t, t + step);
        let row: MarketRow | undefined;
        for (let i = 0; i < m.length / 5; i++) row = fold(row, t, t, m, i);
        rows.push({ ...row!, future: true });
      }
    }
    this.#future.set(key, rows);
  }

  /**
   * The bars of a timeframe that may fall in `[loMs, hiMs)` by either of their times (a daily
   * bar's `ts` and `openMs` differ by less than a day): held ones, then future ones, broken ones
   * marked. Callers filter on the time their vendor stamps.
   */
  rows(symbol: string, timeframe: MarketTimeframe, loMs: number, hiMs: number): MarketRow[] {
    if (!this.has(symbol)) return [];
    const out: MarketRow[] = [];
    const step = STEP[timeframe];
    const holes = this.#holes.get(symbol) ?? [];
    const inHole = (ms: number) => holes.some(([a, b]) => ms >= a && ms < b);
    const marks = this.#corrupt.get(`${symbol}|${timeframe}`);
    const mark = (row: MarketRow) => {
      const corrupt = marks?.get(row.ts);
      return corrupt === undefined ? row : { ...row, corrupt };
    };
    for (const s of this.#sessionsNear(loMs - DAY, hiMs + DAY)) {
      const m = this.#minutes(symbol, s);
      const open = s.open.getTime();
      let row: MarketRow | undefined;
      const flush = () => {
        if (row !== undefined && !inHole(row.ts)) out.push(mark(row));
        row = undefined;
      };
      const n = m.length / 5;
      for (let i = 0; i < n; i++) {
        const t = open + i * MINUTE;
        if (t >= this.endMs) break;
        if (holes.length > 0 && inHole(t)) continue;
        if (timeframe === "1d") {
          row = fold(row, dateMs(s), open, m, i);
          continue;
        }
        const bucket = open + Math.floor((i * MINUTE) / step) * step;
        if (row !== undefined && row.ts !== bucket) flush();
        row = fold(row, bucket, bucket, m, i);
      }
      flush();
    }
    for (const r of this.#future.get(`${symbol}|${timeframe}`) ?? []) {
      if (inHole(r.ts)) continue;
      if (r.ts + DAY >= loMs && r.ts - DAY < hiMs) out.push(mark(r));
    }
    return out;
  }

  /** The last trade before the end, or `undefined` when the market holds none for the symbol. */
  lastTrade(symbol: string): LastTrade | undefined {
    for (let k = this.sessions.length - 1; k >= 0; k--) {
      const s = this.sessions[k]!;
      const day = this.rows(symbol, "1d", dateMs(s), dateMs(s) + 1).find((r) =>
        r.openMs === s.open.getTime()
      );
      if (day === undefined) continue;
      const minutes = this.rows(symbol, "1m", s.open.getTime(), s.close.getTime())
        .filter((r) => r.ts >= s.open.getTime() && r.ts < s.close.getTime());
      const last = minutes.at(-1)!;
      return {
        ms: Math.min(last.ts + MINUTE, this.endMs),
        price: last.close,
        day,
        previousClose: this.closeBefore(symbol, s.open.getTime()),
      };
    }
    return undefined;
  }

  /** The close of the last session that opened before `ms`, where the market holds one. */
  closeBefore(symbol: string, ms: number): number | null {
    for (let k = this.sessions.length - 1; k >= 0; k--) {
      const s = this.sessions[k]!;
      if (s.open.getTime() >= ms) continue;
      const day = this.rows(symbol, "1d", dateMs(s), dateMs(s) + 1)
        .find((r) => r.openMs === s.open.getTime());
      if (day !== undefined) return day.close;
    }
    return null;
  }

  /** The held sessions whose `[open, close)` overlaps `[loMs, hiMs)`. */
  #sessionsNear(loMs: number, hiMs: number): TradingSession[] {
    const all = this.sessions;
    let a = 0, b = all.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (all[mid]!.close.getTime() <= loMs) a = mid + 1;
      else b = mid;
    }
    const out: TradingSession[] = [];
    for (let i = a; i < all.length && all[i]!.open.getTime() < hiMs; i++) out.push(all[i]!);
    return out;
  }

  #pricesOf(symbol: string): Prices {
    let p = this.#prices.get(symbol);
    if (p === undefined) {
      p = new Prices(symbol);
      this.#prices.set(symbol, p);
    }
    return p;
  }

  /** A whole session's 1-minute bars, cached (least recently used out first). */
  #minutes(symbol: string, session: TradingSession): Float64Array {
    const key = `${symbol}|${session.date}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const m = this.#pricesOf(symbol).minutes(session.open.getTime(), session.close.getTime());
    this.#cache.set(key, m);
    if (this.#cache.size > CACHE_SESSIONS) this.#cache.delete(this.#cache.keys().next().value!);
    return m;
  }
}
