// The validated, non-expired form of an option chain that the metrics and strategies read.
import { bsm } from "./_bsm.ts";
import {
  checkNumber,
  checkOptionalNumber,
  epochDay,
  isOptionType,
  refuse,
  utcDay,
} from "./_validate.ts";
import { contractPrice, type OptionChain, type OptionContract } from "./chain.ts";

/** A contract after validation, with its time to expiry and its price. */
export interface Contract {
  expiry: string;
  call: boolean;
  strike: number;
  days: number;
  years: number;
  volume: number | null;
  openInterest: number | null;
  iv: number | null;
  delta: number | null;
  gamma: number | null;
  price: number | null;
}

/** One expiry of the chain, its contracts in input order. */
export interface Expiry {
  expiry: string;
  days: number;
  years: number;
  contracts: Contract[];
}

/** The chain's market and its expiries in date order. */
export interface Chain {
  spot: number;
  rate: number;
  dividendYield: number;
  asOfDay: number;
  expiries: Expiry[];
}

type NumericField = Exclude<keyof OptionContract, "expiry" | "type" | "strike">;

/**
 * Validates the chain (throwing invalid_input naming e.g. `contracts[3].strike`) and groups its
 * contracts by expiry. Contracts whose expiry is before the UTC date of `asOf` are dropped.
 */
export function checkChain(chain: OptionChain): Chain {
  const kind = "option chain";
  if (typeof chain !== "object" || chain === null) refuse(kind, "", chain, "an object");
  const spot = checkNumber(kind, "spot", chain.spot, "positive");
  const rate = checkNumber(kind, "rate", chain.rate, "any");
  const dividendYield = checkNumber(kind, "dividendYield", chain.dividendYield, "any");
  const asOf = chain.asOf;
  if (!(asOf instanceof Date) || Number.isNaN(asOf.getTime())) {
    refuse(kind, "asOf", asOf, "a valid Date");
  }
  if (!Array.isArray(chain.contracts)) refuse(kind, "contracts", chain.contracts, "an array");
  const asOfDay = utcDay(asOf);
  const byExpiry = new Map<string, Expiry>();
  chain.contracts.forEach((c, i) => {
    const at = `contracts[${i}]`;
    if (typeof c !== "object" || c === null) refuse(kind, at, c, "an object");
    const day = typeof c.expiry === "string" ? epochDay(c.expiry) : undefined;
    if (day === undefined) refuse(kind, `${at}.expiry`, c.expiry, "a date as YYYY-MM-DD");
    if (!isOptionType(c.type)) refuse(kind, `${at}.type`, c.type, `"C" or "P"`);
    const strike = checkNumber(kind, `${at}.strike`, c.strike, "positive");
    const opt = (field: NumericField, limit: "any" | "nonnegative") =>
      checkOptionalNumber(kind, `${at}.${field}`, c[field], limit);
    const delta = opt("delta", "any");
    if (delta !== null && Math.abs(delta) > 1) {
      refuse(kind, `${at}.delta`, delta, "a delta in [-1, 1]");
    }
    const contract: Contract = {
      expiry: c.expiry,
      call: c.type === "C",
      strike,
      days: day - asOfDay,
      years: Math.max(0, day - asOfDay) / 365,
      volume: opt("volume", "nonnegative"),
      openInterest: opt("openInterest", "nonnegative"),
      iv: opt("impliedVolatility", "nonnegative"),
      delta,
      gamma: opt("gamma", "nonnegative"),
      price: null,
    };
    opt("bid", "nonnegative");
    opt("ask", "nonnegative");
    opt("last", "nonnegative");
    contract.price = contractPrice(c);
    if (contract.days < 0) return;
    let group = byExpiry.get(c.expiry);
    if (!group) {
      group = { expiry: c.expiry, days: contract.days, years: contract.years, contracts: [] };
      byExpiry.set(c.expiry, group);
    }
    group.contracts.push(contract);
  });
  const expiries = [...byExpiry.values()].sort((a, b) => a.days - b.days);
  return { spot, rate, dividendYield, asOfDay, expiries };
}

/**
 * The contract's delta and gamma: as given, else from BSM with its implied volatility, else
 * null. At expiry (0 years) a missing delta is not computed (it is a step, useless for
 * interpolation), while a missing gamma is 0.
 */
export function greeksOf(
  chain: Chain,
  c: Contract,
): { delta: number | null; gamma: number | null } {
  let { delta, gamma } = c;
  if ((delta === null || gamma === null) && c.iv !== null) {
    const v = bsm({
      spot: chain.spot,
      strike: c.strike,
      years: c.years,
      rate: chain.rate,
      dividendYield: chain.dividendYield,
      volatility: c.iv,
      call: c.call,
    });
    if (delta === null && c.years > 0) delta = v.delta;
    if (gamma === null) gamma = v.gamma;
  }
  return { delta, gamma };
}

/** Linear interpolation of y at x between (x0, y0) and (x1, y1); the mean when x0 = x1. */
export function lerp(x: number, x0: number, y0: number, x1: number, y1: number): number {
  return x1 === x0 ? (y0 + y1) / 2 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** The ATM implied volatility of one expiry, as `atmVolatility` documents it. */
export function atmOf(chain: Chain, e: Expiry): number | null {
  const byStrike = new Map<number, { call: number | null; put: number | null }>();
  for (const c of e.contracts) {
    if (c.iv === null) continue;
    const at = byStrike.get(c.strike) ?? { call: null, put: null };
    if (c.call) at.call = c.iv;
    else at.put = c.iv;
    byStrike.set(c.strike, at);
  }
  const points = [...byStrike].map(([strike, { call, put }]) => ({
    strike,
    iv: call !== null && put !== null ? (call + put) / 2 : (call ?? put)!,
  })).sort((a, b) => a.strike - b.strike);
  const s = chain.spot;
  const exact = points.find((p) => p.strike === s);
  if (exact) return exact.iv;
  const upper = points.findIndex((p) => p.strike > s);
  if (upper <= 0) return null;
  const lo = points[upper - 1]!;
  const hi = points[upper]!;
  return lerp(s, lo.strike, lo.iv, hi.strike, hi.iv);
}
