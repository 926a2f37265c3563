import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { blackScholes } from "./black_scholes.ts";
import type { OptionChain, OptionContract } from "./chain.ts";
import {
  atmVolatility,
  chainMetrics,
  gammaExposure,
  maxPain,
  putCallRatio,
  riskReversal25,
} from "./chain_metrics.ts";
import { AnalyticsError } from "./errors.ts";

function near(actual: number | null | undefined, expected: number, tolerance = 1e-12): void {
  assert(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `${actual} is not within ${tolerance} of ${expected}`,
  );
}

const A = "2024-01-19"; // 17 days after asOf
const B = "2024-02-16"; // 45 days
const TODAY = "2024-01-02"; // expires on the asOf date: 0 days
const c = (
  expiry: string,
  type: "C" | "P",
  strike: number,
  rest: Partial<OptionContract> = {},
): OptionContract => ({ expiry, type, strike, ...rest });

// A hand-sized chain: spot 102, expiry A fully populated, expiry B with implied volatilities
// only (its deltas and gammas must be computed), one contract expiring today and one expired.
const chain: OptionChain = {
  spot: 102,
  asOf: new Date("2024-01-02T15:00:00Z"),
  rate: 0.05,
  dividendYield: 0,
  contracts: [
    c("2023-12-29", "C", 100, {
      volume: 9999,
      openInterest: 9999,
      impliedVolatility: 0.2,
      gamma: 1,
    }),
    c(TODAY, "C", 100, { volume: 0, openInterest: 50, impliedVolatility: 0.5 }),
    c(A, "C", 95, {
      volume: 100,
      openInterest: 500,
      impliedVolatility: 0.3,
      delta: 0.8,
      gamma: 0.02,
    }),
    c(A, "C", 100, {
      volume: 300,
      openInterest: 1000,
      impliedVolatility: 0.24,
      delta: 0.6,
      gamma: 0.04,
    }),
    c(A, "C", 105, {
      volume: 200,
      openInterest: 1500,
      impliedVolatility: 0.22,
      delta: 0.35,
      gamma: 0.035,
    }),
    c(A, "C", 110, {
      volume: 100,
      openInterest: 2000,
      impliedVolatility: 0.21,
      delta: 0.15,
      gamma: 0.015,
    }),
    c(A, "P", 95, {
      volume: 400,
      openInterest: 2500,
      impliedVolatility: 0.32,
      delta: -0.2,
      gamma: 0.02,
    }),
    c(A, "P", 100, {
      volume: 300,
      openInterest: 1500,
      impliedVolatility: 0.26,
      delta: -0.4,
      gamma: 0.04,
    }),
    c(A, "P", 105, {
      volume: null,
      openInterest: 500,
      impliedVolatility: 0.24,
      delta: -0.65,
      gamma: 0.035,
    }),
    c(A, "P", 110, { volume: 50, openInterest: null }),
    c(B, "C", 100, { volume: 10, openInterest: 100, impliedVolatility: 0.25 }),
    c(B, "C", 105, { impliedVolatility: 0.23 }),
    c(B, "C", 110, { impliedVolatility: 0.22 }),
    c(B, "C", 115, { impliedVolatility: 0.22 }),
    c(B, "P", 100, { volume: 30, impliedVolatility: 0.27 }),
    c(B, "P", 95, { impliedVolatility: 0.29 }),
    c(B, "P", 90, { impliedVolatility: 0.31 }),
  ],
};

Deno.test("putCallRatio() sums the known volumes and open interests of unexpired contracts", () => {
  // volume: calls 0 + 100 + 300 + 200 + 100 + 10 = 710; puts 400 + 300 + 50 + 30 = 780
  // (the A 105 put has no volume); open interest: calls 50 + 500 + 1000 + 1500 + 2000 + 100 =
  // 5150; puts 2500 + 1500 + 500 = 4500; the expired contract's 9999 counts for neither
  assertEquals(putCallRatio(chain), {
    callVolume: 710,
    putVolume: 780,
    volumeRatio: 780 / 710,
    callOpenInterest: 5150,
    putOpenInterest: 4500,
    openInterestRatio: 4500 / 5150,
  });
});

Deno.test("putCallRatio() is null when the call side is 0 or unknown", () => {
  const r = putCallRatio({
    ...chain,
    contracts: [c(A, "C", 100, { volume: 0 }), c(A, "P", 100, { volume: 5, openInterest: 7 })],
  });
  assertEquals([r.volumeRatio, r.openInterestRatio], [null, null]);
  assertEquals([r.putVolume, r.putOpenInterest], [5, 7]);
});

Deno.test("atmVolatility() interpolates in strike between the strikes around spot, averaging call and put", () => {
  const atm = atmVolatility(chain);
  assertEquals(atm.map((e) => [e.expiry, e.days]), [[TODAY, 0], [A, 17], [B, 45]]);
  // today: the only strike with an IV is 100, below spot 102: not bracketed, no extrapolation
  assertEquals(atm[0]!.volatility, null);
  // A: IV(100) = (0.24 + 0.26)/2 = 0.25, IV(105) = (0.22 + 0.24)/2 = 0.23;
  // at 102: 0.25 + (0.23 - 0.25)·(102 - 100)/(105 - 100) = 0.242
  near(atm[1]!.volatility, 0.242);
  // B: IV(100) = (0.25 + 0.27)/2 = 0.26, IV(105) = 0.23 (call only): 0.26 - 0.03·0.4 = 0.248
  near(atm[2]!.volatility, 0.248);
  assertEquals(atm[1]!.years, 17 / 365);
  // spot on a listed strike takes that strike's IV
  near(atmVolatility({ ...chain, spot: 105 })[1]!.volatility, 0.23);
});

Deno.test("riskReversal25() interpolates IV in delta, with given deltas", () => {
  const [today, a] = riskReversal25(chain);
  // A calls by delta: (0.15, 0.21), (0.35, 0.22): at 0.25, 0.21 + 0.01·(0.10/0.20) = 0.215
  near(a!.call25Volatility, 0.215);
  // A puts by delta: (-0.40, 0.26), (-0.20, 0.32): at -0.25, 0.26 + 0.06·(0.15/0.20) = 0.305
  near(a!.put25Volatility, 0.305);
  near(a!.riskReversal, 0.215 - 0.305);
  // today: deltas are not computed on the expiry date, so nothing to interpolate
  assertEquals([today!.call25Volatility, today!.put25Volatility, today!.riskReversal], [
    null,
    null,
    null,
  ]);
});

Deno.test("riskReversal25() computes missing deltas with BSM from each contract's IV", () => {
  const b = riskReversal25(chain)[2]!;
  const delta = (strike: number, volatility: number, type: "C" | "P") =>
    blackScholes({
      spot: 102,
      strike,
      years: 45 / 365,
      rate: 0.05,
      dividendYield: 0,
      volatility,
      type,
    })
      .delta;
  // the 110 call (delta ≈ 0.195) and the 105 call (≈ 0.404) bracket 0.25
  const d110 = delta(110, 0.22, "C");
  const d105 = delta(105, 0.23, "C");
  assert(d110 < 0.25 && 0.25 < d105);
  near(b.call25Volatility, 0.22 + ((0.23 - 0.22) * (0.25 - d110)) / (d105 - d110));
  // the 100 put (≈ -0.374) and the 95 put (≈ -0.209) bracket -0.25
  const d100 = delta(100, 0.27, "P");
  const d95 = delta(95, 0.29, "P");
  assert(d100 < -0.25 && -0.25 < d95);
  near(b.put25Volatility, 0.27 + ((0.29 - 0.27) * (-0.25 - d100)) / (d95 - d100));
  near(b.riskReversal, b.call25Volatility! - b.put25Volatility!);
});

Deno.test("maxPain() picks the strike with the least intrinsic payout, ties to the lowest", () => {
  const [today, a, b] = maxPain(chain);
  // A, payout per settlement price (OI × intrinsic, × 100 shares):
  //  95: puts 100 (1500·5) + 105 (500·10) = 12 500                      -> 1 250 000
  // 100: calls 95 (500·5) = 2 500; puts 105 (500·5) = 2 500 -> 5 000    ->   500 000
  // 105: calls 95 (500·10) + 100 (1000·5) = 10 000; the 110 put has no OI -> 1 000 000
  // 110: calls 95 (500·15) + 100 (1000·10) + 105 (1500·5) = 25 000      -> 2 500 000
  assertEquals([a!.strike, a!.payout], [100, 500_000]);
  // B: only the 100 call has open interest, so every strike up to 100 pays 0: the lowest wins
  assertEquals([b!.strike, b!.payout], [90, 0]);
  assertEquals([today!.strike, today!.payout], [100, 0]);
  // no open interest at all: null
  const none = maxPain({
    ...chain,
    contracts: [c(A, "C", 100), c(A, "P", 100, { openInterest: 0 })],
  });
  assertEquals([none[0]!.strike, none[0]!.payout], [null, null]);
});

Deno.test("gammaExposure() sums gamma × OI × 100 × spot² × 0.01 by strike, calls positive and puts negative", () => {
  const gex = gammaExposure(chain);
  const unit = 100 * 102 * 102 * 0.01; // 10 404 per unit of gamma × OI
  // B's 100 call has no gamma: BSM from its IV 0.25 over 45 days
  const gammaB = blackScholes({
    spot: 102,
    strike: 100,
    years: 45 / 365,
    rate: 0.05,
    dividendYield: 0,
    volatility: 0.25,
    type: "C",
  }).gamma;
  const expected = [
    // 95: call 0.02·500 = 10, put 0.02·2500 = 50
    { strike: 95, call: 10 * unit, put: -50 * unit },
    // 100: A call 0.04·1000 = 40, B call gammaB·100, today's call gamma 0 at expiry;
    // A put 0.04·1500 = 60
    { strike: 100, call: (40 + 100 * gammaB) * unit, put: -60 * unit },
    // 105: call 0.035·1500 = 52.5, put 0.035·500 = 17.5
    { strike: 105, call: 52.5 * unit, put: -17.5 * unit },
    // 110: call 0.015·2000 = 30; the put has no open interest
    { strike: 110, call: 30 * unit, put: 0 },
  ];
  assertEquals(gex.byStrike.map((r) => r.strike), [95, 100, 105, 110]);
  gex.byStrike.forEach((row, i) => {
    const e = expected[i]!;
    near(row.call, e.call, 1e-6);
    near(row.put, e.put, 1e-6);
    near(row.net, e.call + e.put, 1e-6);
  });
  near(gex.total, expected.reduce((s, e) => s + e.call + e.put, 0), 1e-6);
  // left out: A's 110 put (no OI), and B's 105/110/115 calls and 100/95/90 puts (no OI)
  assertEquals(gex.skipped, 7);
});

Deno.test("chainMetrics() gathers every metric per expiry with the same values", () => {
  const m = chainMetrics(chain);
  assertEquals(m.putCallRatio, putCallRatio(chain));
  assertEquals(m.gammaExposure, gammaExposure(chain));
  const atm = atmVolatility(chain);
  const rr = riskReversal25(chain);
  const pain = maxPain(chain);
  assertEquals(
    m.expiries,
    atm.map((e, i) => ({
      expiry: e.expiry,
      days: e.days,
      years: e.years,
      atmVolatility: e.volatility,
      call25Volatility: rr[i]!.call25Volatility,
      put25Volatility: rr[i]!.put25Volatility,
      riskReversal25: rr[i]!.riskReversal,
      maxPainStrike: pain[i]!.strike,
      maxPainPayout: pain[i]!.payout,
    })),
  );
  // JSON-friendly: no Infinity or NaN anywhere
  assert(!/Infinity|NaN/.test(JSON.stringify(m)));
});

Deno.test("chainMetrics() of an empty chain is empty, not an error", () => {
  const m = chainMetrics({ ...chain, contracts: [] });
  assertEquals(m.expiries, []);
  assertEquals(m.gammaExposure, { byStrike: [], total: 0, skipped: 0 });
  assertEquals(m.putCallRatio.volumeRatio, null);
});

Deno.test("chainMetrics() refuses a malformed chain with invalid_input naming the field", () => {
  const cases: [OptionChain, string][] = [
    [{ ...chain, spot: 0 }, "spot"],
    [{ ...chain, asOf: new Date(Number.NaN) }, "asOf"],
    [{ ...chain, rate: Number.NaN }, "rate"],
    [{ ...chain, contracts: [c("2024-02-30", "C", 100)] }, "contracts[0].expiry"],
    [{ ...chain, contracts: [c(A, "C", 100), c(A, "X" as "C", 100)] }, "contracts[1].type"],
    [{ ...chain, contracts: [c(A, "C", -1)] }, "contracts[0].strike"],
    [{ ...chain, contracts: [c(A, "C", 100, { volume: -1 })] }, "contracts[0].volume"],
    [{ ...chain, contracts: [c(A, "C", 100, { delta: 1.5 })] }, "contracts[0].delta"],
    [{ ...chain, contracts: [c(A, "C", 100, { bid: Number.NaN })] }, "contracts[0].bid"],
  ];
  for (const [bad, field] of cases) {
    const err = assertThrows(() => chainMetrics(bad), AnalyticsError);
    assertEquals([err.code, err.field], ["invalid_input", field]);
  }
});
