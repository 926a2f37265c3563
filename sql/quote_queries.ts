// Canonical SQL of the quote reads. Every statement reads the tenant-filtered view mds.quotes_l1,
// so it runs inside a unit of work whose tenant is set.
import type { SqlQuery } from "./upsert.ts";

/**
 * The newest level-1 quote of each of `symbols`: one row per symbol that has quotes, by symbol.
 * Each symbol is one descent of the index on `(tenant_id, symbol, ts DESC)` (migration 0006);
 * quotes of the same instant from several vendors are ordered by vendor.
 *
 * @param symbols Normalised tickers; repeats are read once.
 * @param vendor Only this (normalised) vendor's quotes, or `null` for every vendor.
 * @returns The statement; parameters: the tickers (an array) and the vendor.
 *
 * @example
 * ```ts
 * import { buildLatestQuotes } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildLatestQuotes(["AAPL", "MSFT", "AAPL"], null);
 * assert.deepEqual(q.params, [["AAPL", "MSFT"], null]);
 * assert.match(q.text, /FROM mds\.quotes_l1/);
 * ```
 */
export function buildLatestQuotes(symbols: readonly string[], vendor: string | null): SqlQuery {
  return {
    text:
      `SELECT q.tenant_id, q.ts, q.vendor, q.symbol, q.bid, q.ask, q.last, q.bid_size, q.ask_size
     FROM unnest($1::text[]) AS s(symbol)
     CROSS JOIN LATERAL (
       SELECT tenant_id, ts, vendor, symbol, bid, ask, last, bid_size, ask_size FROM mds.quotes_l1
       WHERE symbol = s.symbol AND ($2::text IS NULL OR vendor = $2)
       ORDER BY ts DESC, vendor LIMIT 1
     ) q
     ORDER BY q.symbol`,
    params: [[...new Set(symbols)], vendor],
  };
}
