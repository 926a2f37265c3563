// The macro-factor routes: the latest value of each tracked series and one series' history in
// the scope of the caller's key, and a refresh from FRED behind the admin token (which names the
// tenant with `tenant_id`, as the ops routes do).
import type { MdsClient } from "@mds/client";
import type { FredSource } from "@mds/providers";
import { parseMacroKey, ValidationError } from "@mds/sql";
import type { Hono } from "hono";
import { z } from "zod";
import { ApiHttpError, type KeyScope, parseWith } from "./_api_http.ts";
import { refreshMacro } from "./macro.ts";

type Env = { Variables: { scope: KeyScope } };

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const historyQuery = z.object({
  start: date.optional(),
  end: date.optional(),
  vintage: z.union([z.enum(["first", "latest"]), date], {
    error: "must be first, latest or a date YYYY-MM-DD",
  }).default("latest"),
}).strict();
const refreshQuery = z.object({ tenant_id: z.guid().optional() }).strict();
const refreshBody = z.object({
  tenant_id: z.guid().optional(),
  keys: z.array(z.string().min(1).max(64)).min(1).max(1_000).optional(),
}).strict();

/** What the macro routes need besides the store. */
export interface MacroRouteDeps {
  /** The FRED adapter of `POST /admin/macro/refresh`; without it that route answers 503. */
  fred?: FredSource | undefined;
}

function keyParam(raw: string): string {
  try {
    return parseMacroKey(decodeURIComponent(raw));
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ApiHttpError(400, "MDS_VALIDATION", `Invalid series id "${raw}"`, [
        { field: "key", reason: e.reason },
      ]);
    }
    throw e;
  }
}

/**
 * Registers `GET /factors/macro`, `GET /factors/macro/:key/history` (key middleware must run
 * before them) and `POST /admin/macro/refresh` (admin middleware must run before it).
 */
export function macroRoutes(app: Hono<Env>, client: MdsClient, deps: MacroRouteDeps): void {
  app.get("/factors/macro", async (c) => {
    parseWith(z.object({}).strict(), c.req.query());
    const latest = await client.tenant(c.get("scope").tenant).macro.latest();
    return c.json({ series: latest });
  });

  app.get("/factors/macro/:key/history", async (c) => {
    const key = keyParam(c.req.param("key"));
    const q = parseWith(historyQuery, c.req.query());
    if (q.start !== undefined && q.end !== undefined && q.start > q.end) {
      throw new ApiHttpError(400, "MDS_VALIDATION", '"start" must not be after "end"', [
        { field: "start", reason: "must not be after end" },
      ]);
    }
    const macro = client.tenant(c.get("scope").tenant).macro;
    const [series] = await macro.list([key]);
    const points = await macro.history(key, q);
    if (series === undefined && points.length === 0) {
      throw new ApiHttpError(404, "MDS_NOT_FOUND", `No macro series "${key}"`);
    }
    return c.json({
      key,
      title: series?.title ?? null,
      units: series?.units ?? null,
      vintage: q.vintage,
      observations: points,
    });
  });

  app.post("/admin/macro/refresh", async (c) => {
    if (deps.fred === undefined) {
      throw new ApiHttpError(
        503,
        "MDS_NOT_CONFIGURED",
        "FRED is not configured (FRED_API_KEY)",
      );
    }
    const query = parseWith(refreshQuery, c.req.query());
    const text = await c.req.text();
    let json: unknown = {};
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ApiHttpError(400, "MDS_VALIDATION", "Invalid body: expected JSON");
      }
    }
    const body = parseWith(refreshBody, json, "body");
    const tenant = body.tenant_id ?? query.tenant_id;
    if (tenant === undefined) {
      throw new ApiHttpError(400, "MDS_VALIDATION", 'Invalid query: "tenant_id" is required', [
        { field: "tenant_id", reason: "is required" },
      ]);
    }
    const r = await refreshMacro(client.tenant(tenant).macro, deps.fred, { keys: body.keys });
    return c.json(r, r.series > 0 && r.failed === r.series ? 502 : 200);
  });
}
