import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { seeded } from "../testing/random.ts";
import { blackScholes, blackScholesPrice } from "./black_scholes.ts";
import { AnalyticsError } from "./errors.ts";
import { impliedVolatility, optionPriceBounds } from "./implied_vol.ts";

const CAP = 100;

Deno.test("impliedVolatility() round-trips 10^4 random options: price within 1e-9·max(S, K), volatility within 1e-6 where vega is not negligible", () => {
  // Grid: S 10..1000, K within about ±80% of S in log terms, T 1 day..5 years, r -1%..10%,
  // q 0..8%, σ 1%..300%. "Not negligible" means vega ≥ 1e-3·max(S, K): then a price error
  // of 1e-9·max(S, K) moves the volatility by at most 1e-6.
  const rand = seeded(2024);
  let solved = 0;
  let worstPrice = 0;
  let maxIterations = 0;
  for (let n = 0; n < 10_000; n++) {
    const spot = 10 * Math.exp(rand() * Math.log(100));
    const input = {
      spot,
      strike: spot * Math.exp((rand() - 0.5) * 1.6),
      years: 1 / 365 + rand() * 5,
      rate: -0.01 + rand() * 0.11,
      dividendYield: rand() * 0.08,
      type: rand() < 0.5 ? "C" as const : "P" as const,
    };
    const volatility = 0.01 + rand() * 2.99;
    const valuation = blackScholes({ ...input, volatility });
    const scale = Math.max(input.spot, input.strike);
    let iv;
    try {
      iv = impliedVolatility({ ...input, price: valuation.price });
    } catch (err) {
      // only a price indistinguishable from a bound may be refused, and only with its code
      assert(err instanceof AnalyticsError && err.code === "iv_out_of_bounds", String(err));
      assert(valuation.vega < 1e-3 * scale, `refused with vega ${valuation.vega}`);
      continue;
    }
    solved++;
    assert(iv.iterations <= CAP, `${iv.iterations} iterations`);
    maxIterations = Math.max(maxIterations, iv.iterations);
    const repriced = blackScholesPrice({ ...input, volatility: iv.volatility });
    const error = Math.abs(repriced - valuation.price) / scale;
    worstPrice = Math.max(worstPrice, error);
    assert(error <= 1e-9, `price error ${error} for ${JSON.stringify({ ...input, volatility })}`);
    if (valuation.vega >= 1e-3 * scale) {
      assert(
        Math.abs(iv.volatility - volatility) <= 1e-6,
        `volatility ${iv.volatility} for ${JSON.stringify({ ...input, volatility })}`,
      );
    }
  }
  assert(solved > 9_000, `solved ${solved}`);
  assert(maxIterations <= CAP);
});

Deno.test("impliedVolatility() terminates within its cap on extreme and noisy prices", () => {
  // prices anywhere inside the bounds, not only model prices: always a result or a refusal
  const rand = seeded(99);
  for (let n = 0; n < 2_000; n++) {
    const spot = Math.exp((rand() - 0.5) * 20);
    const input = {
      spot,
      strike: spot * Math.exp((rand() - 0.5) * 10),
      years: Math.exp((rand() - 0.5) * 16),
      rate: (rand() - 0.3) * 0.2,
      dividendYield: rand() * 0.1,
      type: rand() < 0.5 ? "C" as const : "P" as const,
    };
    const { lower, upper } = optionPriceBounds(input);
    const price = lower + (upper - lower) * rand() ** 3;
    for (const maxIterations of [CAP, 10]) {
      try {
        const iv = impliedVolatility({ ...input, price }, { maxIterations });
        assert(iv.iterations <= maxIterations);
        assert(iv.volatility >= 1e-6 && iv.volatility <= 20);
      } catch (err) {
        assert(err instanceof AnalyticsError, String(err));
        assert(["iv_out_of_bounds", "iv_not_converged"].includes(err.code), err.code);
        if (maxIterations === CAP) assertEquals(err.code, "iv_out_of_bounds");
      }
    }
  }
});

Deno.test("impliedVolatility() refuses a price outside the no-arbitrage bounds with iv_out_of_bounds stating them", () => {
  const market = { spot: 100, strike: 90, years: 1, rate: 0, dividendYield: 0 };
  // call in [max(0, 100 - 90), 100] = [10, 100]; put in [max(0, 90 - 100), 90] = [0, 90]
  assertEquals(optionPriceBounds({ ...market, type: "C" }), { lower: 10, upper: 100 });
  assertEquals(optionPriceBounds({ ...market, type: "P" }), { lower: 0, upper: 90 });
  for (const [type, price] of [["C", 9.5], ["C", 100.5], ["P", 90.01]] as const) {
    const err = assertThrows(
      () => impliedVolatility({ ...market, type, price }),
      AnalyticsError,
    );
    assertEquals([err.code, err.field, err.value], ["iv_out_of_bounds", "price", price]);
  }
  const err = assertThrows(
    () => impliedVolatility({ ...market, type: "C", price: 9.5 }),
    AnalyticsError,
  );
  assertEquals(
    err.message,
    `Cannot imply a volatility: "price" is 9.5, outside the no-arbitrage bounds [10, 100]`,
  );
  // with rates and dividends the bounds are discounted
  const b = optionPriceBounds({ ...market, rate: 0.05, dividendYield: 0.02, type: "P" });
  assertEquals(b.upper, 90 * Math.exp(-0.05));
  assertEquals(b.lower, Math.max(0, 90 * Math.exp(-0.05) - 100 * Math.exp(-0.02)));
});

Deno.test("impliedVolatility() refuses a price implying a volatility outside the bracket", () => {
  // at the money for a year with no carry, C = 100·(2·N(σ/2) - 1): 99.999 needs σ ≈ 8.8
  const input = {
    spot: 100,
    strike: 100,
    years: 1,
    rate: 0,
    dividendYield: 0,
    type: "C" as const,
    price: 99.999,
  };
  assert(Math.abs(impliedVolatility(input).volatility - 8.8) < 0.05);
  const err = assertThrows(() => impliedVolatility(input, { maxVolatility: 1 }), AnalyticsError);
  assertEquals(err.code, "iv_out_of_bounds");
  assert(err.message.includes("above the bracket [0.000001, 1]"), err.message);
  const low = assertThrows(
    () => impliedVolatility({ ...input, price: 1 }, { minVolatility: 0.5 }),
    AnalyticsError,
  );
  assertEquals(low.code, "iv_out_of_bounds");
  assert(low.message.includes("below the bracket [0.5, 20]"), low.message);
  // exactly at the upper bound every large volatility reprices within the tolerance: the end
  // of the bracket is returned rather than an infinite volatility
  assertEquals(impliedVolatility({ ...input, price: 100 }).volatility, 20);
});

Deno.test("impliedVolatility() refuses expiry today and bad options with invalid_input", () => {
  const input = {
    spot: 100,
    strike: 100,
    years: 0,
    rate: 0,
    dividendYield: 0,
    type: "C" as const,
    price: 1,
  };
  for (
    const [call, field] of [
      [() => impliedVolatility(input), "years"],
      [() => impliedVolatility({ ...input, years: 1, price: -1 }), "price"],
      [() => impliedVolatility({ ...input, years: 1 }, { maxIterations: 0 }), "maxIterations"],
      [() => impliedVolatility({ ...input, years: 1 }, { maxIterations: 2.5 }), "maxIterations"],
      [() => impliedVolatility({ ...input, years: 1 }, { maxVolatility: 1e-7 }), "maxVolatility"],
      [() => impliedVolatility({ ...input, years: 1 }, { tolerance: -1 }), "tolerance"],
    ] as const
  ) {
    const err = assertThrows(call, AnalyticsError);
    assertEquals([err.code, err.field], ["invalid_input", field]);
  }
});

Deno.test("impliedVolatility() reports iv_not_converged when the cap is too small", () => {
  const err = assertThrows(
    () =>
      impliedVolatility(
        { spot: 100, strike: 150, years: 0.1, rate: 0, dividendYield: 0, type: "C", price: 1 },
        { maxIterations: 1 },
      ),
    AnalyticsError,
  );
  assertEquals(err.code, "iv_not_converged");
});

Deno.test("impliedVolatility() uses Newton steps for an ordinary option", () => {
  const option = { spot: 100, strike: 105, years: 0.25, rate: 0.03, dividendYield: 0.01 };
  const price = blackScholesPrice({ ...option, volatility: 0.35, type: "P" });
  const iv = impliedVolatility({ ...option, type: "P", price });
  assertEquals(iv.method, "newton");
  assert(iv.iterations <= 8, `${iv.iterations}`);
  assert(Math.abs(iv.volatility - 0.35) < 1e-12);
});
