// Market data for the fake vendor server (testing/fake_vendors.ts), shaped after what Yahoo
// Finance and Finnhub really send. Only tests import this file.
//
// AAPL around its 4:1 split of 2020-08-31, as Yahoo's v8 chart reports it today: open, high,
// low and close already split-adjusted by Yahoo (so the series is continuous), volumes scaled by
// 4, `adjclose` additionally dividend-adjusted. Timestamps are the regular-session open in UTC
// (13:30Z under EDT), the exchange offset -14400.

/** One daily row. */
export interface DailyRow {
  /** Session open, epoch seconds. */
  t: number;
  o: number | null;
  h: number | null;
  l: number | null;
  c: number | null;
  v: number | null;
  adj: number | null;
}

const open = (date: string, utcHour: number, utcMinute: number) =>
  Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(5, 7)) - 1,
    Number(date.slice(8, 10)),
    utcHour,
    utcMinute,
  ) / 1_000;

const row = (
  date: string,
  o: number | null,
  h: number | null,
  l: number | null,
  c: number | null,
  v: number | null,
  adj: number | null,
  utc: [number, number] = [13, 30],
): DailyRow => ({ t: open(date, utc[0], utc[1]), o, h, l, c, v, adj });

/** A symbol's daily series and events, as Yahoo describes them. */
export interface Dataset {
  gmtoffset: number;
  timezone: string;
  exchangeTimezoneName: string;
  exchangeName: string;
  currency: string;
  rows: DailyRow[];
  splits: Array<{ date: number; numerator: number; denominator: number; splitRatio: string }>;
  dividends: Array<{ date: number; amount: number }>;
}

/** Daily data per symbol. */
export const DAILY: Readonly<Record<string, Dataset>> = {
  AAPL: {
    gmtoffset: -14400,
    timezone: "EDT",
    exchangeTimezoneName: "America/New_York",
    exchangeName: "NMS",
    currency: "USD",
    rows: [
      row("2020-08-24", 128.6975, 128.785, 123.9375, 125.8575, 345937600, 122.7312),
      row("2020-08-25", 124.6975, 125.18, 123.0525, 124.825, 211495600, 121.7254),
      row("2020-08-26", 126.18, 126.9925, 125.0825, 126.5225, 163022400, 123.3807),
      row("2020-08-27", 127.1425, 127.485, 123.8325, 125.01, 155552400, 121.9056),
      row("2020-08-28", 126.0125, 126.4425, 124.5775, 124.8075, 187630000, 121.7082),
      row("2020-08-31", 127.58, 131.0, 126.0, 129.04, 225702700, 125.8356),
      row("2020-09-01", 132.76, 134.8, 130.53, 134.18, 151948100, 130.8480),
      row("2020-09-02", 137.59, 137.98, 127.0, 131.4, 200119000, 128.1370),
      row("2020-09-03", 126.91, 128.84, 120.5, 120.88, 257599600, 117.8784),
      row("2020-09-04", 120.07, 123.7, 110.89, 120.96, 332607200, 117.9564),
      // winter 2024 (EST: the session opens 14:30Z)
      row("2024-01-02", 187.15, 188.44, 183.89, 185.64, 82488700, 184.7347, [14, 30]),
      row("2024-01-03", 184.22, 185.88, 183.43, 184.25, 58414500, 183.3515, [14, 30]),
      row("2024-01-04", 182.15, 183.0872, 180.88, 181.91, 71983600, 181.0230, [14, 30]),
      row("2024-01-05", 181.99, 182.76, 180.17, 181.18, 62303300, 180.2965, [14, 30]),
    ],
    splits: [{ date: open("2020-08-31", 13, 30), numerator: 4, denominator: 1, splitRatio: "4:1" }],
    dividends: [
      { date: open("2020-08-07", 13, 30), amount: 0.205 },
      { date: open("2020-11-06", 14, 30), amount: 0.205 },
    ],
  },
  // A thinly traded listing where Yahoo sends null for a session it has no prices for.
  GAPPY: {
    gmtoffset: -18000,
    timezone: "EST",
    exchangeTimezoneName: "America/New_York",
    exchangeName: "NYQ",
    currency: "USD",
    rows: [
      row("2024-01-02", 10.12, 10.4, 10.01, 10.33, 120300, 10.33, [14, 30]),
      row("2024-01-03", null, null, null, null, null, null, [14, 30]),
      row("2024-01-04", 10.35, 10.52, 10.2, 10.47, 98100, 10.47, [14, 30]),
      row("2024-01-05", 10.5, 10.61, null, 10.55, 87000, 10.55, [14, 30]),
    ],
    splits: [],
    dividends: [],
  },
};

/**
 * Synthetic but well-formed 1-minute bars of the regular session (14:30Z to 21:00Z on weekdays)
 * with timestamps in `[from, to)` epoch seconds.
 */
export function minuteRows(from: number, to: number): DailyRow[] {
  const out: DailyRow[] = [];
  const first = Math.ceil(from / 60) * 60;
  // bounded: at most 60 days of minutes
  const last = Math.min(to, first + 60 * 86_400);
  for (let t = first; t < last; t += 60) {
    const d = new Date(t * 1_000);
    const minuteOfDay = d.getUTCHours() * 60 + d.getUTCMinutes();
    const day = d.getUTCDay();
    if (day === 0 || day === 6 || minuteOfDay < 870 || minuteOfDay >= 1260) continue;
    const base = 185 + Math.round(Math.sin(t / 3_600) * 200) / 100;
    const c = Math.round((base + ((t / 60) % 7 - 3) / 100) * 100) / 100;
    out.push({
      t,
      o: base,
      h: Math.max(base, c) + 0.05,
      l: Math.min(base, c) - 0.05,
      c,
      v: 1_000 + (t / 60) % 500,
      adj: c,
    });
  }
  return out;
}

const YAHOO_CONTRACT = (
  symbol: string,
  expiration: number,
  type: "C" | "P",
  strike: number,
  bid: number,
  ask: number,
  last: number,
  volume: number,
  oi: number,
  iv: number,
) => ({
  contractSymbol: `${symbol}${
    new Date(expiration * 1_000).toISOString().slice(2, 10).replaceAll("-", "")
  }${type}${String(strike * 1000).padStart(8, "0")}`,
  strike,
  currency: "USD",
  lastPrice: last,
  change: 0,
  percentChange: 0,
  volume,
  openInterest: oi,
  bid,
  ask,
  contractSize: "REGULAR",
  expiration,
  lastTradeDate: expiration - 7 * 86_400,
  impliedVolatility: iv,
  inTheMoney: type === "C" ? strike < 185.64 : strike > 185.64,
});

/** Option expiries Yahoo lists for AAPL, epoch seconds (00:00 UTC of the expiry date). */
export const AAPL_EXPIRIES = [Date.UTC(2024, 0, 19) / 1_000, Date.UTC(2024, 0, 26) / 1_000];

/** The calls and puts of one AAPL expiry, in Yahoo's v7 shape. */
export function yahooOptionGroup(expiration: number) {
  const near = expiration === AAPL_EXPIRIES[0];
  return {
    expirationDate: expiration,
    hasMiniOptions: false,
    calls: [
      YAHOO_CONTRACT(
        "AAPL",
        expiration,
        "C",
        180,
        near ? 6.1 : 7.0,
        near ? 6.25 : 7.2,
        6.2,
        5120,
        23110,
        0.2431,
      ),
      YAHOO_CONTRACT(
        "AAPL",
        expiration,
        "C",
        185,
        near ? 2.62 : 3.5,
        near ? 2.68 : 3.6,
        2.65,
        40122,
        51230,
        0.2104,
      ),
      // a crossed quote (ask below bid), as vendors occasionally send: skipped and counted
      YAHOO_CONTRACT("AAPL", expiration, "C", 190, 0.9, 0.85, 0.88, 30100, 40200, 0.1987),
    ],
    puts: [
      YAHOO_CONTRACT("AAPL", expiration, "P", 180, 0.51, 0.53, 0.52, 20011, 30122, 0.2302),
      YAHOO_CONTRACT("AAPL", expiration, "P", 185, 1.95, 1.99, 1.97, 18876, 25011, 0.2051),
    ],
  };
}

/** Finnhub's option chain for AAPL: one expiry, with greeks and percent implied volatility. */
export const FINNHUB_CHAIN = {
  code: "AAPL",
  exchange: "NASDAQ NMS - GLOBAL MARKET",
  lastTradeDate: "2024-01-02",
  lastTradePrice: 185.64,
  data: [{
    expirationDate: "2024-01-19",
    impliedVolatility: 21.5,
    putVolume: 38887,
    callVolume: 45242,
    putCallVolumeRatio: 0.8595,
    putOpenInterest: 55133,
    callOpenInterest: 74340,
    putCallOpenInterestRatio: 0.7416,
    optionsCount: 3,
    options: {
      CALL: [
        {
          contractName: "AAPL240119C00185000",
          contractSize: "REGULAR",
          contractPeriod: "MONTHLY",
          currency: "USD",
          type: "CALL",
          inTheMoney: "TRUE",
          lastTradeDateTime: "2024-01-02 15:59:58",
          expirationDate: "2024-01-19",
          strike: 185,
          lastPrice: 2.65,
          bid: 2.62,
          ask: 2.68,
          change: -1.9,
          changePercent: -41.75,
          volume: 40122,
          openInterest: 51230,
          impliedVolatility: 21.04,
          delta: 0.5412,
          gamma: 0.0611,
          theta: -0.1593,
          vega: 0.1632,
          rho: 0.0412,
          theoretical: 2.66,
          intrinsicValue: 0.64,
          timeValue: 2.01,
          updatedSec: 1704229199,
          daysBeforeExpiration: 17,
        },
      ],
      PUT: [
        {
          contractName: "AAPL240119P00185000",
          contractSize: "REGULAR",
          contractPeriod: "MONTHLY",
          currency: "USD",
          type: "PUT",
          inTheMoney: "FALSE",
          lastTradeDateTime: "2024-01-02 15:59:59",
          expirationDate: "2024-01-19",
          strike: 185,
          lastPrice: 1.97,
          bid: 1.95,
          ask: 1.99,
          change: 0.71,
          changePercent: 56.35,
          volume: 18876,
          openInterest: 25011,
          impliedVolatility: 20.51,
          delta: -0.4588,
          gamma: 0.0611,
          theta: -0.1402,
          vega: 0.1632,
          rho: -0.0391,
          theoretical: 1.96,
          intrinsicValue: 0,
          timeValue: 1.97,
          updatedSec: 1704229199,
          daysBeforeExpiration: 17,
        },
      ],
    },
  }],
};
