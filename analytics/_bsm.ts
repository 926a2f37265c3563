// Black-Scholes-Merton valuation without input checks: the public functions validate once and
// then call these, and the implied-volatility solver calls them in its loop.
import { normalCdf, normalPdf } from "./normal.ts";
import type { OptionInput } from "./option.ts";
import { checkNumber, isOptionType, refuse } from "./_validate.ts";

/** Validated inputs; `call` is true for a call. */
export interface BsmInput {
  spot: number;
  strike: number;
  years: number;
  rate: number;
  dividendYield: number;
  volatility: number;
  call: boolean;
}

/** Price and greeks, each per the units documented on `OptionValuation`. */
export interface BsmValues {
  price: number;
  delta: number;
  gamma: number;
  thetaPerYear: number;
  vega: number;
  rho: number;
}

/** Below this, σ√T is treated as zero (the deterministic-forward limit). */
const MIN_STDDEV = 1e-100;

/** log(S/K), safe from overflow of the quotient. */
function logMoneyness(spot: number, strike: number): number {
  const direct = Math.log(spot / strike);
  return Number.isFinite(direct) ? direct : Math.log(spot) - Math.log(strike);
}

/** The no-arbitrage bounds of a price, from S·e^(-qT) and K·e^(-rT). */
function boundsOf(call: boolean, sq: number, kr: number): { lower: number; upper: number } {
  return call
    ? { lower: Math.max(0, sq - kr), upper: sq }
    : { lower: Math.max(0, kr - sq), upper: kr };
}

/** The no-arbitrage bounds of the option's price: [lower, upper]. */
export function priceBounds(i: Omit<BsmInput, "volatility">): { lower: number; upper: number } {
  return boundsOf(
    i.call,
    i.spot * Math.exp(-i.dividendYield * i.years),
    i.strike * Math.exp(-i.rate * i.years),
  );
}

/** Price and greeks; see `blackScholes` for the conventions and the edge cases. */
export function bsm(i: BsmInput): BsmValues {
  const { spot: s, strike: k, years: t, rate: r, dividendYield: q, volatility: v, call } = i;
  if (t === 0) {
    // expiry today: intrinsic value; delta steps (half at the money); the rest is 0
    const itm = call ? s - k : k - s;
    const delta = s === k ? (call ? 0.5 : -0.5) : itm > 0 ? (call ? 1 : -1) : 0;
    return { price: Math.max(itm, 0), delta, gamma: 0, thetaPerYear: 0, vega: 0, rho: 0 };
  }
  const sqrtT = Math.sqrt(t);
  const sd = v * sqrtT;
  const dfq = Math.exp(-q * t);
  const dfr = Math.exp(-r * t);
  // log-moneyness of the forward: ln(F/K)
  const m = logMoneyness(s, k) + (r - q) * t;
  let nd1: number; // N(d1)
  let nd2: number; // N(d2)
  let nmd1: number; // N(-d1)
  let nmd2: number; // N(-d2)
  let pdf: number; // φ(d1)
  let gamma: number;
  if (sd < MIN_STDDEV) {
    // deterministic forward: the option pays its forward intrinsic value; at F = K the limits
    // are N(d1) = N(d2) = 1/2 and φ(d1) = φ(0), and gamma (a Dirac mass) is reported as 0
    const step = m > 0 ? 1 : m < 0 ? 0 : 0.5;
    nd1 = nd2 = step;
    nmd1 = nmd2 = 1 - step;
    pdf = m === 0 ? normalPdf(0) : 0;
    gamma = 0;
  } else {
    const d1 = m / sd + sd / 2;
    const d2 = m / sd - sd / 2;
    nd1 = normalCdf(d1);
    nd2 = normalCdf(d2);
    nmd1 = normalCdf(-d1);
    nmd2 = normalCdf(-d2);
    pdf = normalPdf(d1);
    gamma = (dfq * pdf) / (s * sd);
  }
  const sq = s * dfq;
  const kr = k * dfr;
  const vega = sq * pdf * sqrtT;
  const decay = sd < MIN_STDDEV ? 0 : (-sq * pdf * v) / (2 * sqrtT);
  const bounds = boundsOf(call, sq, kr);
  if (call) {
    const raw = sq * nd1 - kr * nd2;
    return {
      // clamping only removes rounding noise: the formula lies within the bounds
      price: Math.min(Math.max(raw, bounds.lower), bounds.upper),
      delta: dfq * nd1,
      gamma,
      thetaPerYear: decay - r * kr * nd2 + q * sq * nd1,
      vega,
      rho: k * t * dfr * nd2,
    };
  }
  const raw = kr * nmd2 - sq * nmd1;
  return {
    price: Math.min(Math.max(raw, bounds.lower), bounds.upper),
    delta: -dfq * nmd1,
    gamma,
    thetaPerYear: decay + r * kr * nmd2 - q * sq * nmd1,
    vega,
    rho: -k * t * dfr * nmd2,
  };
}

/** Validates the inputs; returns them in the internal form. */
export function checkOptionInput(input: OptionInput, kind = "option input"): BsmInput {
  if (typeof input !== "object" || input === null) refuse(kind, "", input, "an object");
  const spot = checkNumber(kind, "spot", input.spot, "positive");
  const strike = checkNumber(kind, "strike", input.strike, "positive");
  const years = checkNumber(kind, "years", input.years, "nonnegative");
  const rate = checkNumber(kind, "rate", input.rate, "any");
  const dividendYield = checkNumber(kind, "dividendYield", input.dividendYield, "any");
  const volatility = checkNumber(kind, "volatility", input.volatility, "nonnegative");
  if (!isOptionType(input.type)) refuse(kind, "type", input.type, `"C" or "P"`);
  if (!Number.isFinite(spot * Math.exp(-dividendYield * years))) {
    refuse(kind, "dividendYield", dividendYield, "a yield whose discount factor is finite");
  }
  if (!Number.isFinite(strike * Math.exp(-rate * years))) {
    refuse(kind, "rate", rate, "a rate whose discount factor is finite");
  }
  return { spot, strike, years, rate, dividendYield, volatility, call: input.type === "C" };
}
