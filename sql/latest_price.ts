import { z } from "zod";
import { field, oneOf, price, symbol, timestamp, uuid, vendor } from "./_field_rules.ts";
import { type Timeframe, TIMEFRAMES } from "./timeframes.ts";
import type { Equal } from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** The newest known price of one symbol from one vendor, kept current by bar upserts. */
export interface LatestPrice {
  /** Owner. */
  tenant_id: string;
  /** Data vendor. */
  vendor: string;
  /** Ticker. */
  symbol: string;
  /** When the price was valid: the close time of the bar it came from. */
  as_of: Date;
  /** The bar's close. */
  price: number;
  /** The original interface's name of `as_of`: the same instant. */
  price_timestamp: Date;
  /** Timeframe of the bar it came from. */
  timeframe: Timeframe;
  /** When mds last changed this row. */
  updated_at: Date;
}

const latestPriceShape = z.object({
  tenant_id: field<string, string>(uuid),
  vendor: field<string, string>(vendor),
  symbol: field<string, string>(symbol),
  as_of: field<Date, Date>(timestamp),
  price: field<number, number>(price),
  price_timestamp: field<Date, Date>(timestamp),
  timeframe: field<Timeframe, Timeframe>(oneOf(TIMEFRAMES)),
  updated_at: field<Date, Date>(timestamp),
});

/** The zod model of a {@linkcode LatestPrice} row as read back from the store. */
export const LatestPriceSchema: Model<LatestPrice, LatestPrice> = latestPriceShape;

// Compile-time proof that the zod shape and the declared interface agree.
const _outputMatches: Equal<z.infer<typeof latestPriceShape>, LatestPrice> = true;
