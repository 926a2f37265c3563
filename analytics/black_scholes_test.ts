import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { seeded } from "../testing/random.ts";
import { blackScholes, blackScholesPrice } from "./black_scholes.ts";
import { AnalyticsError } from "./errors.ts";
import type { OptionInput } from "./option.ts";

function near(actual: number, expected: number, tolerance: number, what = ""): void {
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${what} ${actual} is not within ${tolerance} of ${expected}`,
  );
}

Deno.test("blackScholes() reproduces Hull's example: call 4.76 and put 0.81", () => {
  // Hull, Options, Futures and Other Derivatives: S = 42, K = 40, r = 10%, σ = 20%, T = 0.5
  const base = { spot: 42, strike: 40, years: 0.5, rate: 0.1, dividendYield: 0, volatility: 0.2 };
  assertEquals(blackScholes({ ...base, type: "C" }).price.toFixed(2), "4.76");
  assertEquals(blackScholes({ ...base, type: "P" }).price.toFixed(2), "0.81");
});

Deno.test("blackScholes() reproduces Hull's greeks of S = 49, K = 50, 20 weeks", () => {
  // Hull, "The Greek letters": r = 5%, σ = 20%, T = 20/52: price 2.40, delta 0.522,
  // gamma 0.066, theta -4.31 per year (-0.0118 per day), vega 12.1, rho 8.91
  const v = blackScholes({
    spot: 49,
    strike: 50,
    years: 20 / 52,
    rate: 0.05,
    dividendYield: 0,
    volatility: 0.2,
    type: "C",
  });
  near(v.price, 2.40, 0.005, "price");
  near(v.delta, 0.522, 0.0005, "delta");
  near(v.gamma, 0.066, 0.0005, "gamma");
  near(v.thetaPerYear, -4.31, 0.005, "theta per year");
  near(v.thetaPerDay, -0.0118, 0.00005, "theta per day");
  near(v.vega, 12.1, 0.05, "vega");
  near(v.vegaPerPoint, 0.121, 0.0005, "vega per point");
  near(v.rho, 8.91, 0.005, "rho");
});

Deno.test("blackScholes() reproduces Haug's generalized Black-Scholes examples", () => {
  // Haug, The Complete Guide to Option Pricing Formulas (cost of carry b = r - q):
  // BSM put with dividend yield: S = 100, K = 95, T = 0.5, r = 10%, q = 5%, σ = 20% -> 2.4648
  near(
    blackScholesPrice({
      spot: 100,
      strike: 95,
      years: 0.5,
      rate: 0.1,
      dividendYield: 0.05,
      volatility: 0.2,
      type: "P",
    }),
    2.4648,
    0.00005,
    "BSM put",
  );
  // Black-Scholes call: S = 60, K = 65, T = 0.25, r = 8%, σ = 30% -> 2.1334
  near(
    blackScholesPrice({
      spot: 60,
      strike: 65,
      years: 0.25,
      rate: 0.08,
      dividendYield: 0,
      volatility: 0.3,
      type: "C",
    }),
    2.1334,
    0.00005,
    "call",
  );
  // futures option deltas (b = 0, so q = r): S = 105, K = 100, T = 0.5, r = 10%, σ = 36%
  const fut = {
    spot: 105,
    strike: 100,
    years: 0.5,
    rate: 0.1,
    dividendYield: 0.1,
    volatility: 0.36,
  };
  near(blackScholes({ ...fut, type: "C" }).delta, 0.5946, 0.00005, "call delta");
  near(blackScholes({ ...fut, type: "P" }).delta, -0.3566, 0.00005, "put delta");
  // gamma: S = 55, K = 60, T = 0.75, r = b = 10%, σ = 30% -> 0.0278
  near(
    blackScholes({
      spot: 55,
      strike: 60,
      years: 0.75,
      rate: 0.1,
      dividendYield: 0,
      volatility: 0.3,
      type: "C",
    }).gamma,
    0.0278,
    0.00005,
    "gamma",
  );
  // put theta per year: S = 430, K = 405, T = 0.0833, r = 7%, b = 2% (q = 5%), σ = 20%
  near(
    blackScholes({
      spot: 430,
      strike: 405,
      years: 0.0833,
      rate: 0.07,
      dividendYield: 0.05,
      volatility: 0.2,
      type: "P",
    }).thetaPerYear,
    -31.1924,
    0.00005,
    "put theta",
  );
  // call rho: S = 72, K = 75, T = 1, r = b = 9%, σ = 19% -> 38.7325
  near(
    blackScholes({
      spot: 72,
      strike: 75,
      years: 1,
      rate: 0.09,
      dividendYield: 0,
      volatility: 0.19,
      type: "C",
    }).rho,
    38.7325,
    0.00005,
    "call rho",
  );
});

function randomInput(rand: () => number): Omit<OptionInput, "type"> {
  const spot = 10 * Math.exp(rand() * Math.log(100)); // 10 .. 1000, log-uniform
  return {
    spot,
    strike: spot * Math.exp((rand() - 0.5) * 1.6), // within about ±80% in log-moneyness
    years: 1 / 365 + rand() * 5,
    rate: -0.01 + rand() * 0.11,
    dividendYield: rand() * 0.08,
    volatility: 0.01 + rand() * 1.99,
  };
}

Deno.test("blackScholes() greeks agree with central finite differences of the price on 500 random options", () => {
  // Steps: spot 1e-4·S, time 1e-4·T, volatility and rate 1e-5. Tolerance on each greek:
  // 1e-6 · (1 + |greek|) for first derivatives, 1e-5 · (1 + |gamma|·S) for gamma.
  const rand = seeded(7);
  for (let n = 0; n < 500; n++) {
    const base = randomInput(rand);
    for (const type of ["C", "P"] as const) {
      const input = { ...base, type };
      const price = (change: Partial<OptionInput>) => blackScholesPrice({ ...input, ...change });
      const v = blackScholes(input);
      const hs = 1e-4 * input.spot;
      const h = 1e-5;
      const up = price({ spot: input.spot + hs });
      const down = price({ spot: input.spot - hs });
      const what = JSON.stringify(input);
      near(v.delta, (up - down) / (2 * hs), 1e-6 * (1 + Math.abs(v.delta)), `delta ${what}`);
      near(
        v.gamma * input.spot,
        ((up - 2 * v.price + down) / (hs * hs)) * input.spot,
        1e-5 * (1 + Math.abs(v.gamma * input.spot)),
        `gamma ${what}`,
      );
      const vega = (price({ volatility: input.volatility + h }) -
        price({ volatility: input.volatility - h })) / (2 * h);
      near(v.vega, vega, 1e-6 * (1 + Math.abs(v.vega)), `vega ${what}`);
      const rho = (price({ rate: input.rate + h }) - price({ rate: input.rate - h })) / (2 * h);
      near(v.rho, rho, 1e-6 * (1 + Math.abs(v.rho)), `rho ${what}`);
      const ht = 1e-4 * input.years;
      const theta = -(price({ years: input.years + ht }) - price({ years: input.years - ht })) /
        (2 * ht);
      near(v.thetaPerYear, theta, 1e-6 * (1 + Math.abs(v.thetaPerYear)), `theta ${what}`);
      assertEquals(v.thetaPerDay, v.thetaPerYear / 365);
      assertEquals(v.vegaPerPoint, v.vega / 100);
    }
  }
});

Deno.test("blackScholes() satisfies put-call parity within 1e-10·max(S, K) on 10^4 random options", () => {
  // C - P = S·e^(-qT) - K·e^(-rT); deltas: Δc - Δp = e^(-qT); gammas and vegas are equal
  const rand = seeded(42);
  let worst = 0;
  for (let n = 0; n < 10_000; n++) {
    const input = randomInput(rand);
    const call = blackScholes({ ...input, type: "C" });
    const put = blackScholes({ ...input, type: "P" });
    const forward = input.spot * Math.exp(-input.dividendYield * input.years) -
      input.strike * Math.exp(-input.rate * input.years);
    const scale = Math.max(input.spot, input.strike);
    worst = Math.max(worst, Math.abs(call.price - put.price - forward) / scale);
    near(call.price - put.price, forward, 1e-10 * scale, `parity ${JSON.stringify(input)}`);
    near(call.delta - put.delta, Math.exp(-input.dividendYield * input.years), 1e-12);
    near(call.gamma, put.gamma, 1e-12 * Math.max(1, call.gamma));
    near(call.vega, put.vega, 1e-12 * scale);
  }
  assert(worst < 1e-10, `worst relative parity error ${worst}`);
});

const atm = { spot: 100, strike: 100, rate: 0.05, dividendYield: 0.02 };

Deno.test("blackScholes() at expiry today is worth its intrinsic value with step delta and no gamma or vega", () => {
  const at = (spot: number, type: "C" | "P") =>
    blackScholes({ ...atm, spot, years: 0, volatility: 0.3, type });
  assertEquals(at(105, "C"), {
    price: 5,
    delta: 1,
    gamma: 0,
    thetaPerYear: 0,
    thetaPerDay: 0,
    vega: 0,
    vegaPerPoint: 0,
    rho: 0,
  });
  assertEquals(at(95, "C").price, 0);
  assertEquals(at(95, "C").delta, 0);
  assertEquals(at(95, "P").price, 5);
  assertEquals(at(95, "P").delta, -1);
  assertEquals(at(105, "P").delta, 0);
  assertEquals(at(100, "C").delta, 0.5);
  assertEquals(at(100, "P").delta, -0.5);
});

Deno.test("blackScholes() with zero volatility is the discounted intrinsic value of the forward", () => {
  const years = 0.5;
  const sq = 100 * Math.exp(-0.02 * years);
  for (const strike of [90, 100, 110]) {
    const kr = strike * Math.exp(-0.05 * years);
    const call = blackScholes({ ...atm, strike, years, volatility: 0, type: "C" });
    const put = blackScholes({ ...atm, strike, years, volatility: 0, type: "P" });
    near(call.price, Math.max(sq - kr, 0), 1e-12);
    near(put.price, Math.max(kr - sq, 0), 1e-12);
    assertEquals([call.gamma, put.gamma], [0, 0]);
    // the forward 100·e^(0.03·0.5) ≈ 101.5 is above 100 and 90, below 110
    assertEquals(call.delta, strike < 101 ? Math.exp(-0.02 * years) : 0);
    assert(Number.isFinite(call.thetaPerYear) && Number.isFinite(put.rho));
  }
  // a tiny volatility agrees with the limit
  const tiny = blackScholes({ ...atm, strike: 90, years, volatility: 1e-9, type: "C" });
  const zero = blackScholes({ ...atm, strike: 90, years, volatility: 0, type: "C" });
  near(tiny.price, zero.price, 1e-12);
  near(tiny.delta, zero.delta, 1e-12);
  near(tiny.thetaPerYear, zero.thetaPerYear, 1e-9);
});

Deno.test("blackScholes() with huge volatility tends to S·e^(-qT) for a call and K·e^(-rT) for a put", () => {
  for (const volatility of [10, 100, 1e6, 1e300]) {
    const call = blackScholes({ ...atm, years: 1, volatility, type: "C" });
    const put = blackScholes({ ...atm, years: 1, volatility, type: "P" });
    // at 1000% over a year d1 ≈ 5, so the gap to the limit is about S·N(-5)·2 ≈ 6e-5
    near(call.price, 100 * Math.exp(-0.02), volatility === 10 ? 1e-4 : 1e-12, `call ${volatility}`);
    near(put.price, 100 * Math.exp(-0.05), volatility === 10 ? 1e-4 : 1e-12, `put ${volatility}`);
    for (const v of [call, put]) {
      for (const x of Object.values(v)) assert(Number.isFinite(x), `${volatility}: ${x}`);
    }
  }
});

Deno.test("blackScholes() deep in and out of the money gives finite values inside the bounds", () => {
  for (const [spot, strike] of [[1e6, 1], [1, 1e6], [100, 1e-6], [1e-6, 100]] as const) {
    for (const type of ["C", "P"] as const) {
      for (const years of [1e-9, 1 / 365, 30]) {
        const v = blackScholes({
          spot,
          strike,
          years,
          rate: 0.05,
          dividendYield: 0.01,
          volatility: 0.5,
          type,
        });
        for (const x of Object.values(v)) assert(Number.isFinite(x), `${spot}/${strike}: ${x}`);
        assert(v.price >= 0);
        assert(v.gamma >= 0 && v.vega >= 0);
      }
    }
  }
  // deep out of the money, the price is tiny but not rounded to a negative number
  const otm = blackScholes({ ...atm, strike: 1000, years: 0.1, volatility: 0.2, type: "C" });
  assert(otm.price >= 0 && otm.price < 1e-100);
  assert(otm.delta > 0 && otm.delta < 1e-100);
});

Deno.test("blackScholes() refuses invalid inputs with invalid_input naming the field", () => {
  const ok: OptionInput = { ...atm, years: 1, volatility: 0.2, type: "C" };
  const cases: [Partial<Record<keyof OptionInput, unknown>>, string][] = [
    [{ spot: 0 }, "spot"],
    [{ spot: Number.NaN }, "spot"],
    [{ strike: -5 }, "strike"],
    [{ years: -1 }, "years"],
    [{ years: Infinity }, "years"],
    [{ rate: Number.NaN }, "rate"],
    [{ dividendYield: "0.01" }, "dividendYield"],
    [{ volatility: -0.1 }, "volatility"],
    [{ type: "X" }, "type"],
    [{ dividendYield: -1000 }, "dividendYield"],
  ];
  for (const [change, field] of cases) {
    const err = assertThrows(
      () => blackScholes({ ...ok, ...change } as OptionInput),
      AnalyticsError,
    );
    assertEquals([err.code, err.field], ["invalid_input", field]);
    assert(!err.message.endsWith("."), err.message);
  }
  const err = assertThrows(() => blackScholesPrice({ ...ok, spot: -1 }), AnalyticsError);
  assertEquals(err.message, `Invalid option input: "spot" is -1: expected a finite number above 0`);
});
