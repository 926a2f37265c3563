// POST /migrate: apply pending migrations, or with ?plan=1 list what would run.
import { MIGRATION_FILES, parseMigration } from "@mds/sql";
import type { Hono } from "hono";
import type { AppContext } from "./_context.ts";
import { AdminHttpError } from "./errors.ts";

const YES = new Set(["1", "true"]);
const NO = new Set(["0", "false"]);

/**
 * Registers `POST /migrate`.
 *
 * @param app The app.
 * @param ctx Its dependencies.
 */
export function migrateRoutes(app: Hono, ctx: AppContext): void {
  app.post("/migrate", ctx.auth, ctx.limit, async (c) => {
    const planOnly = c.req.query("plan");
    if (planOnly !== undefined && !YES.has(planOnly) && !NO.has(planOnly)) {
      throw new AdminHttpError(
        400,
        "MDS_VALIDATION",
        `Invalid query: "plan" is ${
          JSON.stringify(planOnly.slice(0, 20))
        }: must be 1, true, 0 or false`,
        { issues: [{ field: "plan", reason: "must be 1, true, 0 or false" }] },
      );
    }
    if (planOnly !== undefined && YES.has(planOnly)) {
      // What `@mds/client`'s plan() lists, in the client's own TimescaleDB mode: the files
      // migrationStatus() reports pending, with their statements for the mode it would use.
      const status = await ctx.client.migrationStatus();
      const pending = new Set(
        status.entries.filter((e) => e.state === "pending").map((e) => e.version),
      );
      const steps = MIGRATION_FILES.map(parseMigration)
        .filter((m) => pending.has(m.version))
        .sort((a, b) => a.version - b.version)
        .map((m) => ({
          version: m.version,
          name: m.name,
          transactional: m.transactional,
          statements: m.statements[status.mode],
        }));
      return c.json({ mode: status.mode, steps });
    }
    const result = await ctx.client.migrate();
    ctx.metrics.migrationsApplied(result.applied.length);
    if (result.applied.length > 0) {
      ctx.logger.log("info", "migrations applied", {
        applied: result.applied,
        version: result.version,
        mode: result.mode,
      });
    }
    return c.json({ mode: result.mode, applied: result.applied, version: result.version });
  });
}
