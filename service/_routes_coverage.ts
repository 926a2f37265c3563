// `GET /coverage`: the coverage page of one tenant as HTML. A tenant's API key reads its own
// tenant; the admin token names the tenant with `tenant_id`, as the ops routes do.
import { timingSafeEqual } from "node:crypto";
import type { MdsClient } from "@mds/client";
import { CALENDAR_NAMES } from "@mds/client/calendar";
import { BACKFILL_TIERS } from "@mds/sql";
import type { Hono } from "hono";
import { z } from "zod";
import { ApiHttpError, type KeyScope, parseWith, presentedKey } from "./_api_http.ts";
import { COVERAGE_TIMEFRAMES, gatherCoverage, MAX_COVERAGE_PAGE_DAYS } from "./coverage.ts";
import { renderCoveragePage } from "./coverage_page.ts";

type Env = { Variables: { scope: KeyScope } };

const coverageQuery = z.object({
  tenant_id: z.guid().optional(),
  timeframe: z.enum(COVERAGE_TIMEFRAMES).default("1m"),
  days: z.string().regex(/^\d{1,4}$/, "must be a whole number").transform(Number)
    .pipe(z.number().min(1).max(MAX_COVERAGE_PAGE_DAYS)).optional(),
  tier: z.enum(BACKFILL_TIERS).optional(),
  symbols: z.string().min(1).max(200_000).transform((s) =>
    s.split(",").map((x) => x.trim()).filter((x) => x !== "")
  ).optional(),
  end: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD").optional(),
  calendar: z.enum(CALENDAR_NAMES).default("nyse"),
}).strict();

/** The headers of the page: HTML that may load nothing but its own inline styles. */
const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "x-content-type-options": "nosniff",
};

async function sameSecret(a: string, b: string): Promise<boolean> {
  const hash = async (t: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t)));
  return timingSafeEqual(await hash(a), await hash(b));
}

/**
 * Registers `GET /coverage` (query: `timeframe`, `days`, `tier` or `symbols`, `end`,
 * `calendar`; `tenant_id` with the admin token). It authenticates itself, admitting either
 * credential, so no middleware of the app must run before it.
 */
export function coverageRoutes(
  app: Hono<Env>,
  client: MdsClient,
  auth: {
    verify: (key: string) => Promise<KeyScope | null>;
    adminToken: string | undefined;
  },
): void {
  app.get("/coverage", async (c) => {
    const presented = presentedKey(c);
    if (presented === undefined) {
      throw new ApiHttpError(
        401,
        "MDS_UNAUTHORIZED",
        "Missing credentials: send Authorization: Bearer <API key or admin token>",
      );
    }
    let tenant: string | undefined;
    const admin = auth.adminToken !== undefined && await sameSecret(presented, auth.adminToken);
    if (!admin) {
      const scope = await auth.verify(presented);
      if (scope === null) {
        throw new ApiHttpError(401, "MDS_UNAUTHORIZED", "Invalid API key or admin token");
      }
      tenant = scope.tenant;
    }
    const q = parseWith(coverageQuery, c.req.query());
    if (tenant === undefined) {
      if (q.tenant_id === undefined) {
        throw new ApiHttpError(
          400,
          "MDS_VALIDATION",
          'Invalid query: "tenant_id" is required with the admin token',
          [{ field: "tenant_id", reason: "is required with the admin token" }],
        );
      }
      tenant = q.tenant_id;
    } else if (q.tenant_id !== undefined && q.tenant_id !== tenant) {
      throw new ApiHttpError(
        403,
        "MDS_TENANT_DENIED",
        `The API key is not of tenant "${q.tenant_id}"`,
      );
    }
    const report = await gatherCoverage(client, tenant, {
      timeframe: q.timeframe,
      days: q.days,
      tier: q.tier,
      symbols: q.symbols,
      end: q.end,
      calendar: q.calendar,
    });
    return c.body(renderCoveragePage(report), 200, PAGE_HEADERS);
  });
}
