// A fake FRED on 127.0.0.1, answering `/fred/series` and `/fred/series/observations` in FRED's
// documented JSON format (real-time periods, "." for missing, count/offset/limit paging, errors as
// `{ error_code, error_message }`), with a request log, scripted failures, and revisions: a
// revised observation closes its current row's real-time period the day before and opens a new
// vintage, as ALFRED shows it. Only tests import this file.

/** One observation row as FRED serves it. */
export interface FredRow {
  realtime_start: string;
  realtime_end: string;
  date: string;
  /** A number as text, or "." for missing. */
  value: string;
}

/** One series of the fake. */
export interface FakeSeries {
  id: string;
  title: string;
  units: string;
  frequency: string;
  rows: FredRow[];
}

/** One request the fake received. */
export interface FredRequest {
  /** `series` or `series/observations`. */
  endpoint: string;
  params: Record<string, string>;
}

/** A running fake FRED. */
export interface FakeFred extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: pass as the base URL. */
  readonly baseUrl: string;
  /** The API key it accepts. */
  readonly apiKey: string;
  /** Every request so far (the API key left out of `params`). */
  readonly log: FredRequest[];
  /** The series it serves, by id. */
  readonly series: Map<string, FakeSeries>;
  /**
   * Publishes a revision: the current row of `date` ends the day before `on`, a new row with
   * `value` starts on `on`.
   */
  revise(key: string, date: string, value: string, on: string): void;
  /** Answers the next `times` requests with this status and FRED's error body. */
  fail(status: number, message: string, times?: number): void;
  /** Stops the server. */
  close(): Promise<void>;
}

const OPEN = "9999-12-31";

/** The default series: DGS10 (daily, a holiday published as "."), CPIAUCSL (monthly, revised). */
export function defaultFredSeries(): FakeSeries[] {
  const daily: [string, string, string][] = [
    ["2024-01-02", "3.95", "2024-01-03"],
    ["2024-01-03", "3.91", "2024-01-04"],
    ["2024-01-04", "3.99", "2024-01-05"],
    ["2024-01-05", "4.05", "2024-01-08"],
    ["2024-01-15", ".", "2024-01-16"],
    ["2024-01-16", "4.07", "2024-01-17"],
  ];
  return [
    {
      id: "DGS10",
      title:
        "Market Yield on U.S. Treasury Securities at 10-Year Constant Maturity, Quoted on an " +
        "Investment Basis",
      units: "Percent",
      frequency: "Daily",
      rows: daily.map(([date, value, rs]) => ({
        realtime_start: rs,
        realtime_end: OPEN,
        date,
        value,
      })),
    },
    {
      id: "CPIAUCSL",
      title: "Consumer Price Index for All Urban Consumers: All Items in U.S. City Average",
      units: "Index 1982-1984=100",
      frequency: "Monthly",
      rows: [
        {
          realtime_start: "2023-11-14",
          realtime_end: "2024-02-12",
          date: "2023-10-01",
          value: "307.671",
        },
        { realtime_start: "2024-02-13", realtime_end: OPEN, date: "2023-10-01", value: "307.531" },
        { realtime_start: "2023-12-12", realtime_end: OPEN, date: "2023-11-01", value: "307.917" },
        { realtime_start: "2024-01-11", realtime_end: OPEN, date: "2023-12-01", value: "308.742" },
      ],
    },
  ];
}

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Starts the fake on 127.0.0.1 and a free port.
 *
 * @param options The API key it accepts and the series it serves.
 * @returns The server; `await using` closes it.
 */
export function startFakeFred(
  options: { apiKey?: string; series?: FakeSeries[] } = {},
): FakeFred {
  const apiKey = options.apiKey ?? "test-fred-key";
  const series = new Map((options.series ?? defaultFredSeries()).map((s) => [s.id, s]));
  const log: FredRequest[] = [];
  const failures: { status: number; message: string; times: number }[] = [];
  const error = (status: number, message: string) =>
    Response.json({ error_code: status, error_message: message }, { status });

  const handler = (req: Request): Response => {
    const url = new URL(req.url);
    const params = Object.fromEntries(url.searchParams);
    const key = params.api_key;
    delete params.api_key;
    const endpoint = url.pathname.replace(/^\/fred\//, "");
    log.push({ endpoint, params });
    const failure = failures[0];
    if (failure !== undefined) {
      if (--failure.times <= 0) failures.shift();
      return error(failure.status, failure.message);
    }
    if (key !== apiKey) {
      return error(
        400,
        "Bad Request.  The value for variable api_key is not registered.  Read " +
          "https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
      );
    }
    if (params.file_type !== "json") return new Response("<xml/>", { status: 200 });
    const s = series.get(params.series_id ?? "");
    if (endpoint !== "series" && endpoint !== "series/observations") {
      return error(404, "Not Found");
    }
    if (s === undefined) return error(400, "Bad Request.  The series does not exist.");
    const rtStart = params.realtime_start ?? "2024-06-01";
    const rtEnd = params.realtime_end ?? rtStart;
    if (endpoint === "series") {
      return Response.json({
        realtime_start: rtStart,
        realtime_end: rtEnd,
        seriess: [{
          id: s.id,
          realtime_start: rtStart,
          realtime_end: rtEnd,
          title: s.title,
          observation_start: s.rows[0]?.date ?? "",
          observation_end: s.rows.at(-1)?.date ?? "",
          frequency: s.frequency,
          frequency_short: s.frequency[0],
          units: s.units,
          units_short: s.units,
          seasonal_adjustment: "Not Seasonally Adjusted",
          seasonal_adjustment_short: "NSA",
          last_updated: "2024-01-17 15:16:04-06",
          popularity: 90,
          notes: "",
        }],
      });
    }
    const obsStart = params.observation_start ?? "1776-07-04";
    const limit = Number(params.limit ?? 100_000);
    const offset = Number(params.offset ?? 0);
    const rows = s.rows
      .filter((r) => r.date >= obsStart && r.realtime_start <= rtEnd && r.realtime_end >= rtStart)
      .sort((a, b) =>
        a.date.localeCompare(b.date) || a.realtime_start.localeCompare(b.realtime_start)
      );
    return Response.json({
      realtime_start: rtStart,
      realtime_end: rtEnd,
      observation_start: obsStart,
      observation_end: OPEN,
      units: "lin",
      output_type: 1,
      file_type: "json",
      order_by: "observation_date",
      sort_order: "asc",
      count: rows.length,
      offset,
      limit,
      observations: rows.slice(offset, offset + limit),
    });
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    handler,
  );
  const close = async () => {
    await server.shutdown();
  };
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    apiKey,
    log,
    series,
    revise(key, date, value, on) {
      const s = series.get(key);
      const current = s?.rows.find((r) => r.date === date && r.realtime_end === OPEN);
      if (s === undefined || current === undefined) throw new Error(`no ${key} ${date}`);
      current.realtime_end = dayBefore(on);
      s.rows.push({ realtime_start: on, realtime_end: OPEN, date, value });
    },
    fail(status, message, times = 1) {
      failures.push({ status, message, times });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
