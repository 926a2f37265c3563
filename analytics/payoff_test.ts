import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { AnalyticsError } from "./errors.ts";
import { normalCdf } from "./normal.ts";
import { analyzePayoff, profitAtExpiry, type StrategyLeg } from "./payoff.ts";

const leg = (
  type: "C" | "P",
  side: "long" | "short",
  strike: number,
  price: number,
): StrategyLeg => ({
  type,
  side,
  quantity: 1,
  strike,
  expiry: "2024-02-16",
  price,
  impliedVolatility: 0.2,
});
const market = { spot: 100, rate: 0.05, dividendYield: 0.01, years: 0.25, volatility: 0.2 };

Deno.test("analyzePayoff() reports an unbounded loss as null with its flag, valid in JSON", () => {
  // a naked short 105 call for 2: keeps 2 below 105, loses without bound above 107
  const a = analyzePayoff([leg("C", "short", 105, 2)], market);
  assertEquals(a, {
    netDebit: -2,
    maxProfit: 2,
    maxProfitUnbounded: false,
    maxLoss: null,
    maxLossUnbounded: true,
    breakEvens: [107],
    probabilityOfProfit: a.probabilityOfProfit,
  });
  assertEquals(JSON.parse(JSON.stringify(a)), a);
});

Deno.test("analyzePayoff() with a stock leg: profit unbounded up, loss bounded at 0", () => {
  const stock: StrategyLeg = {
    type: "stock",
    side: "long",
    quantity: 2,
    strike: null,
    expiry: null,
    price: 100,
    impliedVolatility: null,
  };
  const a = analyzePayoff([stock], market);
  assertEquals([a.maxProfit, a.maxProfitUnbounded, a.maxLoss, a.breakEvens], [null, true, 200, [
    100,
  ]]);
  assertEquals(profitAtExpiry([stock], 90), -20);
});

Deno.test("analyzePayoff() probability is 1 or 0 by the forward when σ√T is 0, null without a volatility", () => {
  // forward at 0.25 years: 100·e^(0.04·0.25) ≈ 101.005, above the 101 break-even of a
  // long 100 call bought for 1
  const legs = [leg("C", "long", 100, 1)];
  assertEquals(analyzePayoff(legs, { ...market, volatility: 0 }).probabilityOfProfit, 1);
  assertEquals(analyzePayoff(legs, { ...market, years: 0 }).probabilityOfProfit, 0);
  assertEquals(analyzePayoff(legs, { ...market, volatility: null }).probabilityOfProfit, null);
});

/** P(S_T > x) for the lognormal of `market`, the textbook N(d2). */
function above(x: number): number {
  const { spot, rate, dividendYield, years, volatility } = market;
  const d2 = (Math.log(spot / x) + (rate - dividendYield - volatility ** 2 / 2) * years) /
    (volatility * Math.sqrt(years));
  return normalCdf(d2);
}

Deno.test("analyzePayoff() finds a break-even sitting exactly on a strike", () => {
  // long 95 call for 5 and long 100 call for 0: -5 up to 95, x - 100 up to 100, then 2·(x - 100)
  const a = analyzePayoff([leg("C", "long", 95, 5), leg("C", "long", 100, 0)], market);
  assertEquals(a.breakEvens, [100]);
  assertEquals([a.maxLoss, a.maxProfitUnbounded], [5, true]);
  assert(Math.abs(a.probabilityOfProfit! - above(100)) < 1e-14);
});

Deno.test("analyzePayoff() does not count a stretch of zero profit as profit or as a break-even", () => {
  // long 95 put for 1, short 100 call for 6, long 105 call for 0: positive below 105, 0 above
  const legs = [leg("P", "long", 95, 1), leg("C", "short", 100, 6), leg("C", "long", 105, 0)];
  const a = analyzePayoff(legs, market);
  assertEquals([a.maxProfit, a.maxLoss, a.breakEvens], [100, 0, []]);
  assert(Math.abs(a.probabilityOfProfit! - (1 - above(105))) < 1e-14);
  // long 95 call for 5, short 100 call for 0: -5, rising to 0 at 100, then flat at 0
  const flat = analyzePayoff([leg("C", "long", 95, 5), leg("C", "short", 100, 0)], market);
  assertEquals([flat.maxProfit, flat.maxLoss, flat.breakEvens], [0, 5, []]);
  assertEquals(flat.probabilityOfProfit, 0);
});

Deno.test("analyzePayoff() and profitAtExpiry() refuse malformed legs with invalid_input", () => {
  const cases: [StrategyLeg[], string][] = [
    [[], "legs"],
    [[{ ...leg("C", "long", 100, 1), quantity: 0 }], "legs[0].quantity"],
    [[{ ...leg("C", "long", 100, 1), side: "both" as "long" }], "legs[0].side"],
    [[leg("C", "long", 100, 1), { ...leg("P", "long", 100, 1), strike: null }], "legs[1].strike"],
    [[{ ...leg("C", "long", 100, 1), price: -1 }], "legs[0].price"],
  ];
  for (const [legs, field] of cases) {
    const err = assertThrows(() => analyzePayoff(legs, market), AnalyticsError);
    assertEquals([err.code, err.field], ["invalid_input", field]);
  }
  const err = assertThrows(
    () => analyzePayoff([leg("C", "long", 100, 1)], { ...market, years: -1 }),
    AnalyticsError,
  );
  assertEquals(err.field, "years");
  const bad = assertThrows(() => profitAtExpiry([leg("C", "long", 100, 1)], -1), AnalyticsError);
  assertEquals(bad.field, "underlying");
});
