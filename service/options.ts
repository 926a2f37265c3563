// The stored option chain of an underlying as @mds/analytics reads it: what the options routes
// of the API and `mds options` analyse.
import type { OptionChain, OptionContract } from "@mds/analytics";
import type { TenantApi } from "@mds/client";
import type { OptionSnap } from "@mds/sql";

/** Which chain {@linkcode loadOptionChain} reads, and the market it is valued against. */
export interface OptionChainLoad {
  /** Underlying ticker. */
  symbol: string;
  /** The chain as known at this time. @default {now} */
  at?: Date | undefined;
  /** Only this expiry, `YYYY-MM-DD`. @default {every expiry not before the date of `at`} */
  expiry?: string | undefined;
  /**
   * Only this vendor.
   *
   * @default {the vendor of the newest snapshot}
   */
  vendor?: string | undefined;
  /** Risk-free rate, continuously compounded, as a fraction per year. */
  rate: number;
  /** Dividend yield, continuously compounded, as a fraction per year. @default {0} */
  dividendYield?: number | undefined;
}

/** A stored chain ready for `chainMetrics` and `buildStrategy` of `@mds/analytics`. */
export interface LoadedOptionChain {
  /** Underlying ticker, normalised. */
  symbol: string;
  /** The vendor whose snapshots make the chain. */
  vendor: string;
  /** Contracts in the chain. */
  contracts: number;
  /** Where `chain.spot` came from. */
  spotSource: "underlying_price" | "latest_price";
  /** The chain; `asOf` is the time of its newest snapshot. */
  chain: OptionChain;
}

/**
 * Reads the newest snapshot of every contract of an underlying's live expiries (or one expiry)
 * at a time, keeps one vendor's (the newest snapshot's vendor unless one is named) and turns
 * them into an `OptionChain` of `@mds/analytics`: `asOf` is the newest snapshot's time, `spot`
 * the `underlying_price` of the newest snapshot that has one, else the underlying's latest
 * price in the store.
 *
 * @param api The tenant's API.
 * @param load Underlying, time, expiry, vendor, rate and dividend yield.
 * @returns The chain, or `null` when no snapshot matches or no price of the underlying is known.
 * @throws {ValidationError} From the client when the symbol, expiry or vendor is malformed.
 *
 * @example
 * ```ts
 * import { createClient } from "@mds/client";
 * import { loadOptionChain } from "@mds/service";
 * import { chainMetrics } from "@mds/analytics";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const t = client.tenant("6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001");
 * const snap = { ts: "2024-01-02T15:00:00Z", vendor: "opra", symbol: "SPY",
 *   expiry: "2024-02-16", strike: 470, open_interest: 10, underlying_price: 472 };
 * await t.upsertOptions([{ ...snap, option_type: "C" }, { ...snap, option_type: "P" }]);
 * const loaded = await loadOptionChain(t, { symbol: "spy", rate: 0.04,
 *   at: new Date("2024-01-03T00:00:00Z") });
 * assert.equal(loaded?.chain.spot, 472);
 * assert.equal(chainMetrics(loaded!.chain).putCallRatio.openInterestRatio, 1);
 * ```
 */
export async function loadOptionChain(
  api: TenantApi,
  load: OptionChainLoad,
): Promise<LoadedOptionChain | null> {
  const snaps = await api.optionChains({
    symbol: load.symbol,
    at: load.at ?? new Date(),
    expiry: load.expiry,
    vendor: load.vendor,
  });
  if (snaps.length === 0) return null;
  let newest = snaps[0]!;
  for (const s of snaps) {
    const t = s.ts.getTime(), n = newest.ts.getTime();
    if (t > n || (t === n && s.vendor < newest.vendor)) newest = s;
  }
  const rows = snaps.filter((s) => s.vendor === newest.vendor);
  let priced: OptionSnap | undefined;
  for (const s of rows) {
    if (s.underlying_price !== null && (priced === undefined || s.ts > priced.ts)) priced = s;
  }
  let spot = priced?.underlying_price ?? null;
  let spotSource: LoadedOptionChain["spotSource"] = "underlying_price";
  if (spot === null) {
    const [latest] = await api.latestPrices([newest.symbol]);
    if (latest === undefined) return null;
    spot = latest.price;
    spotSource = "latest_price";
  }
  return {
    symbol: newest.symbol,
    vendor: newest.vendor,
    contracts: rows.length,
    spotSource,
    chain: {
      spot,
      asOf: newest.ts,
      rate: load.rate,
      dividendYield: load.dividendYield ?? 0,
      contracts: rows.map(optionContractOf),
    },
  };
}

/**
 * One stored snapshot as a contract of `@mds/analytics`.
 *
 * @param s The snapshot.
 * @returns The contract: expiry, side, strike, quotes, volume, open interest, IV, delta, gamma.
 *
 * @example
 * ```ts
 * import { optionContractOf } from "@mds/service";
 * import { parseOptionSnap } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const c = optionContractOf(parseOptionSnap({ ts: 0, vendor: "o", symbol: "SPY",
 *   expiry: "2024-01-19", option_type: "P", strike: 470, open_interest: 5 }));
 * assert.deepEqual([c.type, c.strike, c.openInterest, c.bid], ["P", 470, 5, null]);
 * ```
 */
export function optionContractOf(s: OptionSnap): OptionContract {
  return {
    expiry: s.expiry,
    type: s.option_type,
    strike: s.strike,
    volume: s.volume,
    openInterest: s.open_interest,
    impliedVolatility: s.implied_volatility,
    delta: s.delta,
    gamma: s.gamma,
    bid: s.bid,
    ask: s.ask,
    last: s.last,
  };
}
