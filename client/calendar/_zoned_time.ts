// Wall-clock time in an IANA time zone, through Intl (no time-zone database of our own): the
// UTC offset of a zone at an instant is read from Intl.DateTimeFormat, so daylight saving time
// follows the runtime's ICU data.

/** Converts between UTC instants and the wall clock of one time zone. */
export class ZonedClock {
  readonly #format: Intl.DateTimeFormat;

  /** @param timeZone An IANA zone such as `America/New_York`. */
  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  }

  /** The wall-clock fields at an instant. */
  fields(ms: number): {
    year: number;
    month: number;
    day: number;
    minutes: number;
    second: number;
  } {
    const parts: Record<string, number> = {};
    for (const p of this.#format.formatToParts(new Date(ms))) {
      if (p.type !== "literal") parts[p.type] = Number(p.value);
    }
    return {
      year: parts.year!,
      month: parts.month!,
      day: parts.day!,
      minutes: (parts.hour! % 24) * 60 + parts.minute!,
      second: parts.second!,
    };
  }

  /** The zone's offset from UTC at an instant, in milliseconds (negative west of Greenwich). */
  offset(ms: number): number {
    const f = this.fields(ms);
    return Date.UTC(f.year, f.month - 1, f.day, 0, f.minutes, f.second) -
      Math.floor(ms / 1000) * 1000;
  }

  /** The instant of a wall-clock time (month 1-12); in a skipped hour, the time after it. */
  toUtc(year: number, month: number, day: number, hour: number, minute: number): Date {
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    let utc = wall - this.offset(wall);
    const again = wall - this.offset(utc);
    if (again !== utc) utc = again;
    return new Date(utc);
  }

  /** The wall-clock date of an instant, `YYYY-MM-DD`. */
  dateOf(ms: number): string {
    const f = this.fields(ms);
    return `${f.year}-${String(f.month).padStart(2, "0")}-${String(f.day).padStart(2, "0")}`;
  }
}
