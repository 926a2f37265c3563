// The shapes of the macro-factor API of a tenant.
import type { MacroVintage } from "@mds/sql";

/** A tracked series as stored. */
export interface MacroSeriesRecord {
  /** The vendor's series id, upper-case, e.g. `DGS10`. */
  key: string;
  /** Title, or `null` when unknown. */
  title: string | null;
  /** Units, e.g. `Percent`, or `null`. */
  units: string | null;
  /** Frequency, e.g. `Daily`, or `null`. */
  frequency: string | null;
  /** Where the observations come from, e.g. `fred`. */
  vendor: string;
  /** When the series was first tracked. */
  tracked_at: Date;
  /** When its metadata last changed. */
  updated_at: Date;
  /** Observations stored, every vintage counted. */
  observations: number;
  /** The newest observation date, `YYYY-MM-DD`, or `null` when none is stored. */
  last_date: string | null;
}

/** What {@linkcode MacroApi.track} did. */
export interface MacroTracked {
  /** Ids tracked by this call, sorted. */
  added: string[];
  /** Ids already tracked whose metadata changed, sorted. */
  updated: string[];
  /** Every series named, as now stored. */
  series: MacroSeriesRecord[];
}

/** Options of {@linkcode MacroApi.untrack}. */
export interface MacroUntrackOptions {
  /** Delete the series' observations too. @default {false} */
  purge?: boolean | undefined;
}

/** What {@linkcode MacroApi.upsertObservations} wrote. */
export interface MacroWriteResult {
  /** New rows: a date or a vintage not stored before. */
  inserted: number;
  /** Rows of a stored date and vintage whose value changed. */
  updated: number;
  /** Rows already stored as given: nothing was written for them. */
  unchanged: number;
}

/** The latest value of one tracked series. */
export interface MacroLatest {
  /** Series id. */
  key: string;
  /** Title, or `null`. */
  title: string | null;
  /** Units, or `null`. */
  units: string | null;
  /** Frequency, or `null`. */
  frequency: string | null;
  /** Vendor. */
  vendor: string;
  /** The newest date with a value (in its latest vintage), or `null` when there is none. */
  date: string | null;
  /** Its value, or `null` when there is none. */
  value: number | null;
  /** The vintage the value comes from, or `null`. */
  realtime_start: string | null;
}

/** One date of a series' history, in the vintage asked for. */
export interface MacroPoint {
  /** Observation date, `YYYY-MM-DD`. */
  date: string;
  /** The value, `null` where it was published as missing. */
  value: number | null;
  /** The vintage it comes from, `YYYY-MM-DD`. */
  realtime_start: string;
}

/** What {@linkcode MacroApi.history} reads. */
export interface MacroHistoryQuery {
  /** First date, inclusive, `YYYY-MM-DD`. @default {no bound} */
  start?: string | undefined;
  /** Last date, inclusive, `YYYY-MM-DD`. @default {no bound} */
  end?: string | undefined;
  /**
   * `latest` (the newest revision of each date), `first` (as first published), or a day
   * `YYYY-MM-DD` (as known on that day). @default {"latest"}
   */
  vintage?: MacroVintage | undefined;
}
