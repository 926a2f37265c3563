import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import type { OptionChain, OptionContract } from "./chain.ts";
import { AnalyticsError } from "./errors.ts";
import type { StrategyLeg } from "./payoff.ts";
import { buildStrategies, buildStrategy, STRATEGY_NAMES, type StrategyName } from "./strategies.ts";

const NEAR = "2024-01-05"; // 3 days: too near for the default minimum of 7 days
const EXP = "2024-02-16"; // 45 days
const quote = (bid: number, ask: number) => ({ bid, ask });
const c = (
  expiry: string,
  type: "C" | "P",
  strike: number,
  rest: Partial<OptionContract>,
): OptionContract => ({ expiry, type, strike, impliedVolatility: 0.2, ...rest });

// Mids are exact in binary so the hand computations below are exact too.
const chain: OptionChain = {
  spot: 100,
  asOf: new Date("2024-01-02T15:00:00Z"),
  rate: 0.05,
  dividendYield: 0.01,
  contracts: [
    c(NEAR, "C", 100, quote(1, 1.5)),
    c(NEAR, "C", 105, quote(0.25, 0.5)),
    c(NEAR, "P", 95, quote(0.25, 0.5)),
    c(EXP, "C", 90, quote(10.5, 11)), // 10.75
    c(EXP, "C", 95, quote(6.5, 7)), // 6.75
    c(EXP, "C", 100, { ...quote(3.5, 4), impliedVolatility: 0.21 }), // 3.75
    c(EXP, "C", 105, quote(1.5, 2)), // 1.75
    c(EXP, "C", 110, quote(0.5, 1)), // 0.75
    c(EXP, "C", 115, { bid: null, ask: 0.5, last: 0.25 }), // no bid: last 0.25
    c(EXP, "C", 120, { bid: null, ask: null, last: null }), // no price: never used
    c(EXP, "P", 85, { last: 0.25 }),
    c(EXP, "P", 90, quote(0.5, 1)), // 0.75
    c(EXP, "P", 95, quote(1.5, 2)), // 1.75
    c(EXP, "P", 100, { ...quote(3, 3.5), impliedVolatility: 0.19 }), // 3.25
    c(EXP, "P", 105, quote(6, 6.5)), // 6.25
  ],
};
// ATM IV of EXP: spot 100 is a strike: (0.21 + 0.19) / 2 = 0.20

type Expected = {
  legs: [string, string, number | null, number][]; // side, type, strike, price
  netDebit: number;
  maxProfit: number | null;
  maxLoss: number | null;
  breakEvens: number[];
};

// Spot 100; the OTM call is 105 and the OTM put 95 (the 45-day expiry is the first with 7 days).
const EXPECTED: Record<StrategyName, Expected> = {
  // long stock at 100, short 105 call for 1.75: debit 98.25; capped at 105 - 100 + 1.75 = 6.75;
  // the worst is the stock at 0: -98.25; break-even 100 - 1.75 = 98.25
  covered_call: {
    legs: [["long", "stock", null, 100], ["short", "C", 105, 1.75]],
    netDebit: 98.25,
    maxProfit: 6.75,
    maxLoss: 98.25,
    breakEvens: [98.25],
  },
  // short 95 put for 1.75: keep 1.75; at 0 lose 95 - 1.75 = 93.25; break-even 93.25
  cash_secured_put: {
    legs: [["short", "P", 95, 1.75]],
    netDebit: -1.75,
    maxProfit: 1.75,
    maxLoss: 93.25,
    breakEvens: [93.25],
  },
  // long 100 call 3.75, short 105 call 1.75: debit 2; max 5 - 2 = 3; loss 2; break-even 102
  bull_call_spread: {
    legs: [["long", "C", 100, 3.75], ["short", "C", 105, 1.75]],
    netDebit: 2,
    maxProfit: 3,
    maxLoss: 2,
    breakEvens: [102],
  },
  // long 100 put 3.25, short 95 put 1.75: debit 1.5; max 5 - 1.5 = 3.5; break-even 98.5
  bear_put_spread: {
    legs: [["short", "P", 95, 1.75], ["long", "P", 100, 3.25]],
    netDebit: 1.5,
    maxProfit: 3.5,
    maxLoss: 1.5,
    breakEvens: [98.5],
  },
  // short 105 call 1.75, long 110 call 0.75: credit 1; loss 5 - 1 = 4; break-even 106
  bear_call_spread: {
    legs: [["short", "C", 105, 1.75], ["long", "C", 110, 0.75]],
    netDebit: -1,
    maxProfit: 1,
    maxLoss: 4,
    breakEvens: [106],
  },
  // short 95 put 1.75, long 90 put 0.75: credit 1; loss 4; break-even 94
  bull_put_spread: {
    legs: [["long", "P", 90, 0.75], ["short", "P", 95, 1.75]],
    netDebit: -1,
    maxProfit: 1,
    maxLoss: 4,
    breakEvens: [94],
  },
  // long 100 put 3.25 and call 3.75: debit 7; unbounded up; break-evens 93 and 107
  long_straddle: {
    legs: [["long", "P", 100, 3.25], ["long", "C", 100, 3.75]],
    netDebit: 7,
    maxProfit: null,
    maxLoss: 7,
    breakEvens: [93, 107],
  },
  // long 95 put 1.75 and 105 call 1.75: debit 3.5; break-evens 91.5 and 108.5
  long_strangle: {
    legs: [["long", "P", 95, 1.75], ["long", "C", 105, 1.75]],
    netDebit: 3.5,
    maxProfit: null,
    maxLoss: 3.5,
    breakEvens: [91.5, 108.5],
  },
  // credit 1.75 + 1.75 - 0.75 - 0.75 = 2; loss 5 - 2 = 3; break-evens 95 - 2 and 105 + 2
  iron_condor: {
    legs: [
      ["long", "P", 90, 0.75],
      ["short", "P", 95, 1.75],
      ["short", "C", 105, 1.75],
      ["long", "C", 110, 0.75],
    ],
    netDebit: -2,
    maxProfit: 2,
    maxLoss: 3,
    breakEvens: [93, 107],
  },
};

/** Profit at expiry, written out independently of payoff.ts. */
function profit(legs: StrategyLeg[], x: number): number {
  let total = 0;
  for (const l of legs) {
    const value = l.type === "stock"
      ? x
      : l.type === "C"
      ? Math.max(x - l.strike!, 0)
      : Math.max(l.strike! - x, 0);
    total += (l.side === "long" ? 1 : -1) * l.quantity * (value - l.price);
  }
  return total;
}

/**
 * P(profit > 0) by direct integration over the standard normal z of ln S_T = ln S +
 * (r - q - σ²/2)T + σ√T·z: the midpoint rule on [-10, 10] with 400 000 steps. The indicator's
 * jumps cost at most a step times the density each, about 2e-5 in all.
 */
function integrated(legs: StrategyLeg[], sigma: number, years: number): number {
  const { spot, rate, dividendYield } = chain;
  const steps = 400_000;
  const h = 20 / steps;
  let p = 0;
  for (let i = 0; i < steps; i++) {
    const z = -10 + (i + 0.5) * h;
    const s = spot *
      Math.exp((rate - dividendYield - sigma * sigma / 2) * years + sigma * Math.sqrt(years) * z);
    if (profit(legs, s) > 0) p += Math.exp(-z * z / 2) * h;
  }
  return p / Math.sqrt(2 * Math.PI);
}

for (const name of STRATEGY_NAMES) {
  Deno.test(`buildStrategy() builds ${name} with hand-computed maximum profit, loss and break-evens`, () => {
    const s = buildStrategy(chain, name);
    const e = EXPECTED[name];
    assertEquals([s.name, s.expiry, s.days, s.years], [name, EXP, 45, 45 / 365]);
    assertEquals(s.legs.map((l): unknown[] => [l.side, l.type, l.strike, l.price]), e.legs);
    assertEquals(s.netDebit, e.netDebit);
    assertEquals([s.maxProfit, s.maxProfitUnbounded], [e.maxProfit, e.maxProfit === null]);
    assertEquals([s.maxLoss, s.maxLossUnbounded], [e.maxLoss, false]);
    assertEquals(s.breakEvens, e.breakEvens);
    assertEquals(s.volatility, 0.2);
    // probability of profit against direct integration of the lognormal, within 1e-4
    const direct = integrated(s.legs, 0.2, 45 / 365);
    assert(
      Math.abs(s.probabilityOfProfit! - direct) < 1e-4,
      `${name}: ${s.probabilityOfProfit} vs ${direct}`,
    );
    assertEquals(JSON.parse(JSON.stringify(s)), s);
  });
}

Deno.test("buildStrategy() probability of a single break-even is the textbook N(d2)", () => {
  // bull call spread: profit iff S_T > 102, so P = N(d2) at K = 102
  const s = buildStrategy(chain, "bull_call_spread");
  const t = 45 / 365;
  const d2 = (Math.log(100 / 102) + (0.05 - 0.01 - 0.02) * t) / (0.2 * Math.sqrt(t));
  // N(d2) by the midpoint rule on [-10, d2], independent of normalCdf
  let n = 0;
  const steps = 200_000;
  const h = (d2 + 10) / steps;
  for (let i = 0; i < steps; i++) {
    const z = -10 + (i + 0.5) * h;
    n += Math.exp(-z * z / 2) * h;
  }
  n /= Math.sqrt(2 * Math.PI);
  assert(Math.abs(s.probabilityOfProfit! - n) < 1e-9, `${s.probabilityOfProfit} vs ${n}`);
});

Deno.test("buildStrategy() honours the caller's expiry, strikes and volatility", () => {
  const s = buildStrategy(chain, "bull_call_spread", { strikes: [95, 110], volatility: 0.3 });
  // long 95 call 6.75, short 110 call 0.75: debit 6; max 15 - 6 = 9; break-even 101
  assertEquals(s.legs.map((l) => [l.side, l.strike, l.price]), [["long", 95, 6.75], [
    "short",
    110,
    0.75,
  ]]);
  assertEquals([s.netDebit, s.maxProfit, s.maxLoss, s.breakEvens], [6, 9, 6, [101]]);
  assertEquals(s.volatility, 0.3);
  // the near expiry, asked for by name: 3 days, strikes from its own contracts
  const near = buildStrategy(chain, "covered_call", { expiry: NEAR });
  assertEquals([near.expiry, near.days, near.legs[1]!.strike, near.legs[1]!.price], [
    NEAR,
    3,
    105,
    0.375,
  ]);
  // or allowed by a smaller minimum
  assertEquals(buildStrategy(chain, "covered_call", { minDays: 0 }).expiry, NEAR);
  // last trade when there is no bid: the 115 call
  assertEquals(
    buildStrategy(chain, "bear_call_spread", { strikes: [110, 115] }).legs[1]!.price,
    0.25,
  );
});

Deno.test("buildStrategy() falls back to the legs' mean IV when the ATM IV is unknown", () => {
  // no IV at or above spot: spot is not bracketed, so there is no ATM IV; the 90 and 95 puts
  // carry 0.3 and 0.4, the calls of the condor none: the mean of the known legs is 0.35
  const iv = (x: OptionContract) =>
    x.strike >= 100 ? null : x.strike === 90 ? 0.3 : x.strike === 95 ? 0.4 : 0.2;
  const s = buildStrategy(
    { ...chain, contracts: chain.contracts.map((x) => ({ ...x, impliedVolatility: iv(x) })) },
    "iron_condor",
  );
  assert(Math.abs(s.volatility! - 0.35) < 1e-15);
  assert(Math.abs(s.probabilityOfProfit! - integrated(s.legs, s.volatility!, 45 / 365)) < 1e-4);
  const none = buildStrategy(
    { ...chain, contracts: chain.contracts.map((x) => ({ ...x, impliedVolatility: null })) },
    "long_straddle",
  );
  assertEquals([none.volatility, none.probabilityOfProfit], [null, null]);
});

Deno.test("buildStrategy() refuses what the chain cannot build with no_contract", () => {
  const cases: [() => unknown, string][] = [
    [() => buildStrategy(chain, "covered_call", { expiry: "2024-03-15" }), "expiry"],
    [() => buildStrategy(chain, "covered_call", { expiry: "2023-12-29" }), "expiry"],
    [() => buildStrategy(chain, "covered_call", { strikes: [120] }), "strikes"],
    [() => buildStrategy(chain, "covered_call", { strikes: [107], expiry: EXP }), "strikes"],
    [() => buildStrategy({ ...chain, spot: 200 }, "covered_call"), "contracts"],
    [() => buildStrategy(chain, "iron_condor", { minDays: 60 }), "contracts"],
  ];
  for (const [call, field] of cases) {
    const err = assertThrows(call, AnalyticsError);
    assertEquals([err.code, err.field], ["no_contract", field]);
  }
});

Deno.test("buildStrategy() refuses malformed options with invalid_input", () => {
  const cases: [() => unknown, string][] = [
    [() => buildStrategy(chain, "bull_call_spread", { strikes: [100] }), "strikes"],
    [() => buildStrategy(chain, "bull_call_spread", { strikes: [105, 100] }), "strikes"],
    [() => buildStrategy(chain, "iron_condor", { strikes: [90, 95, -1, 110] }), "strikes[2]"],
    [() => buildStrategy(chain, "covered_call", { minDays: 1.5 }), "minDays"],
    [() => buildStrategy(chain, "covered_call", { volatility: -1 }), "volatility"],
    [() => buildStrategy(chain, "butterfly" as StrategyName), "name"],
  ];
  for (const [call, field] of cases) {
    const err = assertThrows(call, AnalyticsError);
    assertEquals([err.code, err.field], ["invalid_input", field]);
  }
});

Deno.test("buildStrategies() lists every strategy the chain can build, in order", () => {
  assertEquals(buildStrategies(chain).map((s) => s.name), [...STRATEGY_NAMES]);
  // calls only: the put strategies and the ones needing both sides drop out
  const calls = { ...chain, contracts: chain.contracts.filter((x) => x.type === "C") };
  assertEquals(buildStrategies(calls).map((s) => s.name), [
    "covered_call",
    "bull_call_spread",
    "bear_call_spread",
  ]);
  assertEquals(buildStrategies({ ...chain, contracts: [] }), []);
});
