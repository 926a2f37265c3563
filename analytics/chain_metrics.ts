/**
 * Metrics of one underlying's option chain at one time: put/call ratios, the at-the-money
 * implied-volatility term structure, 25-delta risk reversals, max pain and gamma exposure.
 *
 * Missing data is never read as zero: a contract without the field a metric needs is left out of
 * that metric, and a metric that cannot be formed is `null`. Contracts that expired before the
 * UTC date of `asOf` are left out of every metric.
 *
 * @module
 */
import {
  atmOf,
  type Chain,
  checkChain,
  type Contract,
  type Expiry,
  greeksOf,
  lerp,
} from "./_chain.ts";
import { CONTRACT_MULTIPLIER, type OptionChain } from "./chain.ts";

/** Put/call ratios over the whole chain. */
export interface PutCallRatio {
  /** Volume of calls, over the calls whose volume is known. */
  callVolume: number;
  /** Volume of puts, over the puts whose volume is known. */
  putVolume: number;
  /** `putVolume / callVolume`; `null` when `callVolume` is 0. */
  volumeRatio: number | null;
  /** Open interest of calls, over the calls whose open interest is known. */
  callOpenInterest: number;
  /** Open interest of puts, over the puts whose open interest is known. */
  putOpenInterest: number;
  /** `putOpenInterest / callOpenInterest`; `null` when `callOpenInterest` is 0. */
  openInterestRatio: number | null;
}

/** Where one expiry sits in time. */
export interface ExpiryPoint {
  /** Expiry date, `YYYY-MM-DD`. */
  expiry: string;
  /** Calendar days from the UTC date of `asOf`; 0 on the expiry date. */
  days: number;
  /** `days / 365`. */
  years: number;
}

/** The at-the-money implied volatility of one expiry. */
export interface AtmVolatility extends ExpiryPoint {
  /** The interpolated volatility, or `null` when spot is not bracketed by strikes with an IV. */
  volatility: number | null;
}

/** The 25-delta risk reversal of one expiry. */
export interface RiskReversal extends ExpiryPoint {
  /** Implied volatility of the 25-delta call, or `null` when calls do not bracket delta 0.25. */
  call25Volatility: number | null;
  /** Implied volatility of the 25-delta put, or `null` when puts do not bracket delta -0.25. */
  put25Volatility: number | null;
  /** `call25Volatility - put25Volatility`, or `null` when either is missing. */
  riskReversal: number | null;
}

/** The max-pain strike of one expiry. */
export interface MaxPain extends ExpiryPoint {
  /** The listed strike with the least payout to holders, or `null` without open interest. */
  strike: number | null;
  /** That payout in currency: Σ OI × intrinsic value × 100; `null` with `strike`. */
  payout: number | null;
}

/** Gamma exposure at one strike, summed over expiries. */
export interface StrikeGammaExposure {
  /** Strike price. */
  strike: number;
  /** Exposure of the calls (0 or more). */
  call: number;
  /** Exposure of the puts (0 or less). */
  put: number;
  /** `call + put`. */
  net: number;
}

/** Gamma exposure of the chain. */
export interface GammaExposure {
  /** Per strike, in ascending strike order; strikes without any usable contract are absent. */
  byStrike: StrikeGammaExposure[];
  /** Sum of `net` over the strikes. */
  total: number;
  /** Contracts left out for lack of open interest or of both gamma and implied volatility. */
  skipped: number;
}

/** Every per-expiry metric of one expiry. */
export interface ExpiryMetrics extends ExpiryPoint {
  /** See {@linkcode AtmVolatility}. */
  atmVolatility: number | null;
  /** See {@linkcode RiskReversal}. */
  call25Volatility: number | null;
  /** See {@linkcode RiskReversal}. */
  put25Volatility: number | null;
  /** See {@linkcode RiskReversal}. */
  riskReversal25: number | null;
  /** See {@linkcode MaxPain}. */
  maxPainStrike: number | null;
  /** See {@linkcode MaxPain}. */
  maxPainPayout: number | null;
}

/** All metrics of a chain. */
export interface ChainMetrics {
  /** See {@linkcode putCallRatio}. */
  putCallRatio: PutCallRatio;
  /** One entry per non-expired expiry, nearest first. */
  expiries: ExpiryMetrics[];
  /** See {@linkcode gammaExposure}. */
  gammaExposure: GammaExposure;
}

function point(e: Expiry): ExpiryPoint {
  return { expiry: e.expiry, days: e.days, years: e.years };
}

function ratio(puts: number, calls: number): number | null {
  return calls === 0 ? null : puts / calls;
}

function putCallOf(chain: Chain): PutCallRatio {
  let callVolume = 0, putVolume = 0, callOpenInterest = 0, putOpenInterest = 0;
  for (const e of chain.expiries) {
    for (const c of e.contracts) {
      if (c.volume !== null) {
        if (c.call) callVolume += c.volume;
        else putVolume += c.volume;
      }
      if (c.openInterest !== null) {
        if (c.call) callOpenInterest += c.openInterest;
        else putOpenInterest += c.openInterest;
      }
    }
  }
  return {
    callVolume,
    putVolume,
    volumeRatio: ratio(putVolume, callVolume),
    callOpenInterest,
    putOpenInterest,
    openInterestRatio: ratio(putOpenInterest, callOpenInterest),
  };
}

/**
 * Put/call ratios by volume and by open interest over the whole chain (every non-expired
 * expiry). Contracts whose volume (open interest) is unknown are left out of that ratio; a ratio
 * is `null` when the call side sums to 0.
 *
 * @param chain The chain and its market.
 * @returns The sums of each side and the two ratios.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example
 * ```ts
 * import { putCallRatio } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const r = putCallRatio({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0.05,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-01-19", type: "C", strike: 100, volume: 200, openInterest: 1000 },
 *     { expiry: "2024-01-19", type: "P", strike: 100, volume: 300, openInterest: null },
 *   ] });
 * assert.equal(r.volumeRatio, 1.5);
 * assert.equal(r.openInterestRatio, 0);
 * ```
 */
export function putCallRatio(chain: OptionChain): PutCallRatio {
  return putCallOf(checkChain(chain));
}

/**
 * The at-the-money implied volatility of each expiry, nearest first (the term structure). Per
 * strike the IV is the mean of the call's and the put's where both are known, else the one
 * known; the ATM value is that of the strike equal to spot, else the linear interpolation in
 * strike between the two listed strikes nearest below and above spot. `null` when spot is not
 * bracketed (no extrapolation).
 *
 * @param chain The chain and its market.
 * @returns One entry per non-expired expiry.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example Spot 102 between strikes 100 (IV 0.20) and 105 (IV 0.25): 0.20 + 0.05·2/5 = 0.22
 * ```ts
 * import { atmVolatility } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const [atm] = atmVolatility({ spot: 102, asOf: new Date("2024-01-02T15:00:00Z"),
 *   rate: 0.05, dividendYield: 0, contracts: [
 *     { expiry: "2024-01-19", type: "C", strike: 100, impliedVolatility: 0.2 },
 *     { expiry: "2024-01-19", type: "C", strike: 105, impliedVolatility: 0.24 },
 *     { expiry: "2024-01-19", type: "P", strike: 105, impliedVolatility: 0.26 },
 *   ] });
 * assert.ok(Math.abs(atm!.volatility! - 0.22) < 1e-12);
 * ```
 */
export function atmVolatility(chain: OptionChain): AtmVolatility[] {
  const c = checkChain(chain);
  return c.expiries.map((e) => ({ ...point(e), volatility: atmOf(c, e) }));
}

/** IV at `target` delta, interpolated linearly in delta among the contracts of one side. */
function ivAtDelta(chain: Chain, contracts: Contract[], target: number): number | null {
  const points: { delta: number; iv: number }[] = [];
  for (const c of contracts) {
    if (c.iv === null) continue;
    const { delta } = greeksOf(chain, c);
    if (delta !== null) points.push({ delta, iv: c.iv });
  }
  points.sort((a, b) => a.delta - b.delta);
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    if (a.delta === target) return a.iv;
    const b = points[i + 1];
    if (b && a.delta < target && target < b.delta) {
      return lerp(target, a.delta, a.iv, b.delta, b.iv);
    }
  }
  return null;
}

function riskReversalOf(chain: Chain, e: Expiry): Omit<RiskReversal, keyof ExpiryPoint> {
  const call = ivAtDelta(chain, e.contracts.filter((c) => c.call), 0.25);
  const put = ivAtDelta(chain, e.contracts.filter((c) => !c.call), -0.25);
  return {
    call25Volatility: call,
    put25Volatility: put,
    riskReversal: call === null || put === null ? null : call - put,
  };
}

/**
 * The 25-delta risk reversal of each expiry: the IV of the 25-delta call minus the IV of the
 * 25-delta put (-0.25 delta). Each is interpolated linearly in delta between the two contracts
 * of its side whose deltas bracket the target (or taken from a contract exactly at it). A
 * contract's delta is its own when given, else the BSM spot delta from its implied volatility
 * (with the chain's spot, rate and dividend yield); contracts without an IV are left out, and
 * on the expiry date itself missing deltas are not computed. `null` where a side does not
 * bracket its target.
 *
 * @param chain The chain and its market.
 * @returns One entry per non-expired expiry.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example Call IV 0.18 at delta 0.25 and put IV 0.24 at delta -0.25: risk reversal -0.06
 * ```ts
 * import { riskReversal25 } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const [rr] = riskReversal25({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"),
 *   rate: 0.05, dividendYield: 0, contracts: [
 *     { expiry: "2024-02-16", type: "C", strike: 110, impliedVolatility: 0.18, delta: 0.25 },
 *     { expiry: "2024-02-16", type: "P", strike: 90, impliedVolatility: 0.24, delta: -0.25 },
 *   ] });
 * assert.ok(Math.abs(rr!.riskReversal! + 0.06) < 1e-12);
 * ```
 */
export function riskReversal25(chain: OptionChain): RiskReversal[] {
  const c = checkChain(chain);
  return c.expiries.map((e) => ({ ...point(e), ...riskReversalOf(c, e) }));
}

function maxPainOf(e: Expiry): { strike: number | null; payout: number | null } {
  const held = e.contracts.filter((c) => c.openInterest !== null && c.openInterest > 0);
  if (held.length === 0) return { strike: null, payout: null };
  const strikes = [...new Set(e.contracts.map((c) => c.strike))].sort((a, b) => a - b);
  let best: { strike: number | null; payout: number | null } = { strike: null, payout: null };
  for (const settle of strikes) {
    let payout = 0;
    for (const c of held) {
      const intrinsic = c.call ? settle - c.strike : c.strike - settle;
      if (intrinsic > 0) payout += c.openInterest! * intrinsic * CONTRACT_MULTIPLIER;
    }
    // strictly less: ties keep the lowest strike
    if (best.payout === null || payout < best.payout) best = { strike: settle, payout };
  }
  return best;
}

/**
 * The max-pain strike of each expiry: among the strikes listed for that expiry, the settlement
 * price that minimises the total intrinsic value paid to option holders, Σ over contracts of
 * open interest × max(settle − K, 0) for calls or max(K − settle, 0) for puts, × 100 shares.
 * Ties go to the lowest strike; contracts without open interest count as none; `null` when
 * the expiry has no open interest at all.
 *
 * @param chain The chain and its market.
 * @returns One entry per non-expired expiry.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example
 * ```ts
 * import { maxPain } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * // settle at 95: the call pays nothing, the put pays 5 × 10 × 100 = 5000;
 * // settle at 100: the call pays 5 × 10 × 100 = 5000 too, so the lower strike wins the tie
 * const [pain] = maxPain({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-01-19", type: "C", strike: 95, openInterest: 10 },
 *     { expiry: "2024-01-19", type: "P", strike: 100, openInterest: 10 },
 *   ] });
 * assert.equal(pain!.strike, 95);
 * assert.equal(pain!.payout, 5000);
 * ```
 */
export function maxPain(chain: OptionChain): MaxPain[] {
  const c = checkChain(chain);
  return c.expiries.map((e) => ({ ...point(e), ...maxPainOf(e) }));
}

function gammaExposureOf(chain: Chain): GammaExposure {
  const byStrike = new Map<number, StrikeGammaExposure>();
  let skipped = 0;
  const perGamma = CONTRACT_MULTIPLIER * chain.spot * chain.spot * 0.01;
  for (const e of chain.expiries) {
    for (const c of e.contracts) {
      const { gamma } = greeksOf(chain, c);
      if (c.openInterest === null || gamma === null) {
        skipped++;
        continue;
      }
      const at = byStrike.get(c.strike) ?? { strike: c.strike, call: 0, put: 0, net: 0 };
      const exposure = gamma * c.openInterest * perGamma;
      if (c.call) at.call += exposure;
      else at.put -= exposure;
      at.net = at.call + at.put;
      byStrike.set(c.strike, at);
    }
  }
  const rows = [...byStrike.values()].sort((a, b) => a.strike - b.strike);
  return { byStrike: rows, total: rows.reduce((sum, r) => sum + r.net, 0), skipped };
}

/**
 * Net gamma exposure by strike, summed over every non-expired expiry, in the common "GEX"
 * convention: each contract contributes gamma × open interest × 100 × spot² × 0.01, positive for
 * calls and negative for puts. That is the change in delta, in currency, of the open interest
 * for a 1% move of the underlying. The signs are the convention and nothing more: no
 * positioning (such as dealers long calls and short puts) is assumed or inferred, so the
 * figure is not an estimate of anyone's hedging flow. A contract's gamma is its
 * own when given, else the BSM gamma from its implied volatility (0 on the expiry date);
 * contracts with neither, or without open interest, are left out and counted in `skipped`.
 *
 * @param chain The chain and its market.
 * @returns Exposure per strike, the total and the number of contracts left out.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example One call: 0.05 × 1000 × 100 × 100² × 0.01 = 500 000
 * ```ts
 * import { gammaExposure } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const gex = gammaExposure({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-01-19", type: "C", strike: 100, gamma: 0.05, openInterest: 1000 },
 *     { expiry: "2024-01-19", type: "P", strike: 100, openInterest: 800 },
 *   ] });
 * assert.ok(Math.abs(gex.total - 500_000) < 1e-6);
 * assert.equal(gex.skipped, 1);
 * ```
 */
export function gammaExposure(chain: OptionChain): GammaExposure {
  return gammaExposureOf(checkChain(chain));
}

/**
 * Every metric of the chain at once, validating it once: {@linkcode putCallRatio},
 * {@linkcode gammaExposure}, and per expiry {@linkcode atmVolatility},
 * {@linkcode riskReversal25} and {@linkcode maxPain}, with the conventions documented there.
 *
 * @param chain The chain and its market.
 * @returns The chain-wide metrics and one entry per non-expired expiry, nearest first.
 * @throws {AnalyticsError} With code `invalid_input` naming the field of a malformed chain.
 *
 * @example
 * ```ts
 * import { chainMetrics } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * const m = chainMetrics({ spot: 100, asOf: new Date("2024-01-02T15:00:00Z"), rate: 0.05,
 *   dividendYield: 0, contracts: [
 *     { expiry: "2024-01-19", type: "C", strike: 100, impliedVolatility: 0.2, openInterest: 5 },
 *     { expiry: "2024-01-19", type: "P", strike: 100, impliedVolatility: 0.22, openInterest: 7 },
 *   ] });
 * assert.equal(m.expiries[0]!.days, 17);
 * assert.ok(Math.abs(m.expiries[0]!.atmVolatility! - 0.21) < 1e-12);
 * assert.equal(m.putCallRatio.openInterestRatio, 7 / 5);
 * ```
 */
export function chainMetrics(chain: OptionChain): ChainMetrics {
  const c = checkChain(chain);
  return {
    putCallRatio: putCallOf(c),
    expiries: c.expiries.map((e) => {
      const rr = riskReversalOf(c, e);
      const pain = maxPainOf(e);
      return {
        ...point(e),
        atmVolatility: atmOf(c, e),
        call25Volatility: rr.call25Volatility,
        put25Volatility: rr.put25Volatility,
        riskReversal25: rr.riskReversal,
        maxPainStrike: pain.strike,
        maxPainPayout: pain.payout,
      };
    }),
    gammaExposure: gammaExposureOf(c),
  };
}
