// The shapes of the read calls of TenantApi: the queries they take and the rows only they return.
import type { Timeframe } from "@mds/sql";
import type { CalendarName } from "./calendar/calendars.ts";
import type { TradingCalendar } from "./calendar/trading_calendar.ts";

/** Which bars {@linkcode TenantApi.barsWindow} reads. */
export interface BarsWindowQuery {
  /** Ticker. */
  symbol: string;
  /** Bar length. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date | string | number;
  /** Last bar open time, exclusive. */
  end: Date | string | number;
  /** Only this vendor's bars. @default {all vendors} */
  vendor?: string | undefined;
  /** Most bars to return, from the start. @default {100000} */
  limit?: number | undefined;
  /**
   * Read the bars as the store knew them at this instant (point-in-time read): the answer the same
   * read gave then, before any later correction. @default {now}
   */
  knownAt?: Date | string | number | undefined;
}

/** Which news {@linkcode TenantApi.news} reads. */
export interface NewsQuery {
  /** Only items that mention this ticker. @default {all} */
  symbol?: string | undefined;
  /** Only items published at or after this time. @default {all} */
  since?: Date | string | number | undefined;
  /** Most items, newest first. @default {100} */
  limit?: number | undefined;
}

/** Which chain {@linkcode TenantApi.optionChain} reads. */
export interface OptionChainQuery {
  /** Underlying ticker. */
  symbol: string;
  /** Expiry date, `YYYY-MM-DD`. */
  expiry: string;
  /** The chain as known at this time. @default {now} */
  at?: Date | string | number | undefined;
  /** Only this vendor. @default {all vendors} */
  vendor?: string | undefined;
  /**
   * Read the snapshots as the store knew them at this instant (point-in-time read): the answer the same
   * read gave then, before any later correction. @default {now}
   */
  knownAt?: Date | string | number | undefined;
}

/** Which chains {@linkcode TenantApi.optionChains} reads. */
export interface OptionChainsQuery {
  /** Underlying ticker. */
  symbol: string;
  /** The chains as known at this time. @default {now} */
  at?: Date | string | number | undefined;
  /** Only this expiry, `YYYY-MM-DD`. @default {every expiry not before the date of `at`} */
  expiry?: string | undefined;
  /** Only this vendor. @default {all vendors} */
  vendor?: string | undefined;
}

/** Which record {@linkcode TenantApi.fundamentals} reads. */
export interface FundamentalsQuery {
  /** Ticker. */
  symbol: string;
  /** The newest record at or before this date, `YYYY-MM-DD`. @default {today} */
  asOf?: string | undefined;
  /** Only this vendor. @default {all vendors} */
  vendor?: string | undefined;
  /**
   * Read the records as the store knew them at this instant (point-in-time read): the answer the same
   * read gave then, before any later correction. @default {now}
   */
  knownAt?: Date | string | number | undefined;
}

/** The newest ingested time of one series. */
export interface IngestCursor {
  /** `bars` or `options`. */
  dataset: string;
  /** Data vendor. */
  vendor: string;
  /** Ticker. */
  symbol: string;
  /** Bar timeframe; empty for options. */
  timeframe: string;
  /** Newest time written. */
  last_ts: Date;
  /** When it last moved. */
  updated_at: Date;
}

/** Which gaps {@linkcode TenantApi.findGaps} looks for. */
export interface GapQuery {
  /** Ticker. */
  symbol: string;
  /** Bar timeframe; sets the cadence. */
  timeframe: Timeframe;
  /** First bar open time, inclusive. */
  start: Date | string | number;
  /** Last bar open time, exclusive. */
  end: Date | string | number;
  /** Only this vendor's bars count. @default {a bar of any vendor fills its slot} */
  vendor?: string | undefined;
  /** When bars are expected: `nyse`, `24x7` or a {@linkcode TradingCalendar}. @default {"nyse"} */
  calendar?: CalendarName | TradingCalendar | undefined;
}

/** A run of consecutive expected bars that are missing. */
export interface Gap {
  /** Open time of the first missing bar. */
  start: Date;
  /** End of the last missing bar (its open time plus the timeframe), exclusive. */
  end: Date;
  /** Expected bars missing in the run. */
  missing_bars: number;
}
