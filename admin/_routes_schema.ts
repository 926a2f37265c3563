// GET /schema/export: the live catalog as a schema-registry document, to publish under a track.
import type { Hono } from "hono";
import { z } from "zod";
import type { AppContext } from "./_context.ts";
import { withDeadline } from "./_http.ts";
import { readQuery } from "./_query.ts";
import { readSchemaDocument } from "@mds/client";

const QUERY = z.object({
  track: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be 1-100 of A-Z a-z 0-9 . _ -")
    .optional(),
});

/**
 * Registers `GET /schema/export` (admin token): the document `GET {REGISTRY_URL}/schemas/{track}`
 * should answer, read from this store; `?track=` names its track (default: the drift check's,
 * else `v1`).
 *
 * @param app The app.
 * @param ctx Its dependencies.
 */
export function schemaRoutes(app: Hono, ctx: AppContext): void {
  app.get("/schema/export", ctx.auth, async (c) => {
    const { track } = readQuery(c, QUERY);
    const doc = await withDeadline(
      readSchemaDocument(ctx.client, {
        track: track ?? ctx.schemaRegistry?.status().track ?? "v1",
      }),
      ctx.dbTimeoutMs * 5,
      "The catalog",
    );
    c.header("Cache-Control", "no-store");
    return c.json(doc);
  });
}
