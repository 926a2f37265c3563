// The options analytics routes, in the scope of the caller's key: chain metrics and strategies
// of an underlying's stored chain, computed with @mds/analytics.
import {
  AnalyticsError,
  buildStrategies,
  buildStrategy,
  chainMetrics,
  type OptionChain,
  STRATEGY_NAMES,
} from "@mds/analytics";
import { DEFAULT_OPTIONS_RATE, type MdsClient } from "@mds/client";
import type { Hono } from "hono";
import { z } from "zod";
import { ApiHttpError, type KeyScope, parseWith } from "./_api_http.ts";
import { type LoadedOptionChain, loadOptionChain } from "./options.ts";

type Env = { Variables: { scope: KeyScope } };

const SYMBOL = /^[A-Za-z0-9.\-^=_]{1,32}$/;
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const instant = z.string().refine(
  (s) => !Number.isNaN(Date.parse(s)) && /[zZ]|[+-]\d\d:?\d\d$/.test(s),
  { message: "must be an ISO 8601 time with a zone" },
).transform((s) => new Date(s));
const fraction = (min: number, max: number) =>
  z.string().regex(/^-?\d+(\.\d+)?$/, "must be a number").transform(Number)
    .pipe(z.number().min(min, `must be ${min} to ${max}`).max(max, `must be ${min} to ${max}`));

const market = {
  at: instant.optional(),
  expiry: date.optional(),
  vendor: z.string().min(1).max(64).optional(),
  rate: fraction(-1, 1).optional(),
  dividend_yield: fraction(-1, 1).optional(),
};
const metricsQuery = z.object(market).strict();
const strategiesQuery = z.object({
  ...market,
  type: z.enum(STRATEGY_NAMES, { error: `must be one of ${STRATEGY_NAMES.join(", ")}` })
    .optional(),
  strikes: z.string().regex(
    /^\d+(\.\d+)?(,\d+(\.\d+)?){0,3}$/,
    "must be 1 to 4 strikes separated by commas",
  ).transform((s) => s.split(",").map(Number)).optional(),
}).strict();

function symbolOf(raw: string): string {
  const s = decodeURIComponent(raw);
  if (!SYMBOL.test(s)) {
    throw new ApiHttpError(400, "MDS_VALIDATION", `Invalid symbol "${raw}"`, [
      { field: "symbol", reason: "is not a ticker" },
    ]);
  }
  return s;
}

/** The answer's head: which chain was analysed, against which market. */
function head(loaded: LoadedOptionChain, chain: OptionChain) {
  return {
    symbol: loaded.symbol,
    vendor: loaded.vendor,
    as_of: chain.asOf.toISOString(),
    spot: chain.spot,
    spot_source: loaded.spotSource,
    rate: chain.rate,
    dividend_yield: chain.dividendYield,
    contracts: loaded.contracts,
  };
}

/** An AnalyticsError as the API's 400 or 404. */
function analyticsFailure(e: unknown): never {
  if (e instanceof AnalyticsError) {
    const field = e.field ?? (e.code === "no_contract" ? "strikes" : "chain");
    throw new ApiHttpError(
      e.code === "no_contract" ? 404 : 400,
      e.code === "no_contract" ? "MDS_NOT_FOUND" : "MDS_VALIDATION",
      e.message,
      [{ field, reason: e.code }],
    );
  }
  throw e;
}

/**
 * Registers `GET /options/:symbol/metrics` and `GET /options/:symbol/strategies` (the key
 * middleware must run before them).
 */
export function optionsRoutes(app: Hono<Env>, client: MdsClient): void {
  const load = async (tenant: string, symbol: string, q: z.output<typeof metricsQuery>) => {
    const loaded = await loadOptionChain(client.tenant(tenant), {
      symbol,
      at: q.at,
      expiry: q.expiry,
      vendor: q.vendor,
      rate: q.rate ?? DEFAULT_OPTIONS_RATE,
      dividendYield: q.dividend_yield ?? 0,
    });
    if (loaded === null) {
      throw new ApiHttpError(
        404,
        "MDS_NOT_FOUND",
        `No option chain of "${symbol.toUpperCase()}" with a price of the underlying`,
      );
    }
    return loaded;
  };

  app.get("/options/:symbol/metrics", async (c) => {
    const symbol = symbolOf(c.req.param("symbol"));
    const q = parseWith(metricsQuery, c.req.query());
    const loaded = await load(c.get("scope").tenant, symbol, q);
    try {
      return c.json({ ...head(loaded, loaded.chain), metrics: chainMetrics(loaded.chain) });
    } catch (e) {
      analyticsFailure(e);
    }
  });

  app.get("/options/:symbol/strategies", async (c) => {
    const symbol = symbolOf(c.req.param("symbol"));
    const q = parseWith(strategiesQuery, c.req.query());
    if (q.strikes !== undefined && q.type === undefined) {
      throw new ApiHttpError(400, "MDS_VALIDATION", '"strikes" needs a "type"', [
        { field: "strikes", reason: "needs a type" },
      ]);
    }
    const loaded = await load(c.get("scope").tenant, symbol, q);
    const options = {
      ...(q.expiry === undefined ? {} : { expiry: q.expiry }),
      ...(q.strikes === undefined ? {} : { strikes: q.strikes }),
    };
    try {
      const strategies = q.type === undefined
        ? buildStrategies(loaded.chain, options)
        : [buildStrategy(loaded.chain, q.type, options)];
      return c.json({ ...head(loaded, loaded.chain), strategies });
    } catch (e) {
      analyticsFailure(e);
    }
  });
}
