// `mds cursors` and `mds gaps`: how far each series is ingested, and what is missing from one
// (or known to have no data: a recorded unfillable range covers it).
import { Option } from "commander";
import type { Command } from "commander";
import { CapacityError, unfillableCover } from "@mds/client";
import { CALENDAR_NAMES, type CalendarName } from "@mds/client/calendar";
import { BACKFILL_TIERS, type BackfillTier, type Timeframe, TIMEFRAMES } from "@mds/sql";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT, UsageError } from "./exit.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printRows } from "./output.ts";

/** Registers `mds cursors` and `mds gaps`. */
export function seriesCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient, setExit } = deps;

  program.command("cursors").description(
    "newest ingested time of each series (ingestion cursors), with its lag behind now",
  )
    .addOption(new Option("--symbol <symbol>", "only this ticker"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ symbol?: string }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const rows = await client.tenant(tenant).cursors({ symbol: o.symbol });
      const now = Date.now();
      printRows(
        io,
        rows.map((c) => ({
          dataset: c.dataset,
          symbol: c.symbol,
          vendor: c.vendor,
          timeframe: c.timeframe,
          last_ts: c.last_ts,
          lag_seconds: Math.round((now - c.last_ts.getTime()) / 1000),
          updated_at: c.updated_at,
        })),
        s.json,
      );
    }));

  program.command("gaps").description(
    "missing bars of one series over [start, end) by a trading calendar, unfillable ones marked; can request backfills",
  )
    .requiredOption("--symbol <symbol>", "ticker")
    .addOption(new Option("--timeframe <tf>", "bar length").choices([...TIMEFRAMES]).default("1m"))
    .requiredOption("--start <time>", "first bar open time, ISO 8601 (UTC without a zone)")
    .requiredOption("--end <time>", "end, exclusive, ISO 8601 (UTC without a zone)")
    .addOption(new Option("--vendor <vendor>", "only this vendor's bars count"))
    .addOption(
      new Option("--calendar <name>", "when bars are expected").choices([...CALENDAR_NAMES])
        .default("nyse"),
    )
    .addOption(new Option("--request-backfill", "request a backfill job for each gap"))
    .addOption(
      new Option("--tier <tier>", "backfill urgency with --request-backfill (default T1)").choices(
        [...BACKFILL_TIERS],
      ),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          symbol: string;
          timeframe: Timeframe;
          start: string;
          end: string;
          vendor?: string;
          calendar: CalendarName;
          requestBackfill?: boolean;
          tier?: BackfillTier;
        }
      >();
      if (o.tier !== undefined && !o.requestBackfill) {
        throw new UsageError("--tier applies only with --request-backfill");
      }
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const api = client.tenant(tenant);
      const gaps = await api.findGaps({
        symbol: o.symbol,
        timeframe: o.timeframe,
        start: o.start,
        end: o.end,
        vendor: o.vendor,
        calendar: o.calendar,
      });
      const ranges = gaps.length === 0 ? [] : await api.universe.unfillable({
        symbol: o.symbol,
        timeframe: o.timeframe,
        start: o.start,
        end: o.end,
      });
      // A gap inside a recorded unfillable range is known to have no data: it carries the
      // range's reason and retry time, and gets no backfill before that time (as in the
      // collector's gap repair).
      const now = Date.now();
      let unfillable = 0;
      const rows: Record<string, unknown>[] = gaps.map((g) => {
        const cover = unfillableCover(g, ranges);
        if (cover === undefined) return { ...g };
        unfillable++;
        return {
          ...g,
          unfillable: {
            reason: cover.reason,
            providers: cover.providers,
            retry_after: cover.retry_after,
          },
        };
      });
      let refused: CapacityError | undefined;
      if (o.requestBackfill) {
        for (const r of rows) {
          const u = r.unfillable as { retry_after: Date } | undefined;
          if (refused || (u !== undefined && u.retry_after.getTime() > now)) {
            r.job_id = null;
            r.created = null;
            continue;
          }
          try {
            const job = await api.jobs.requestBackfill({
              symbol: o.symbol,
              timeframe: o.timeframe,
              start: r.start as Date,
              end: r.end as Date,
              vendor: o.vendor,
              tier: o.tier ?? "T1",
            });
            r.job_id = job.id;
            r.created = job.created;
          } catch (err) {
            if (!(err instanceof CapacityError)) throw err;
            refused = err;
            r.job_id = null;
            r.created = null;
          }
        }
      }
      const table = s.json ? rows : rows.map((r) => {
        const u = r.unfillable as { reason: string; retry_after: Date } | undefined;
        const { unfillable: _, ...rest } = r;
        return {
          ...rest,
          status: u === undefined ? "missing" : "unfillable",
          reason: u?.reason ?? null,
          retry_after: u?.retry_after ?? null,
        };
      });
      printRows(io, table, s.json, [
        "start",
        "end",
        "missing_bars",
        "status",
        ...(unfillable > 0 ? ["reason", "retry_after"] : []),
        ...(o.requestBackfill ? ["job_id", "created"] : []),
      ]);
      const missing = gaps.reduce((n, g) => n + g.missing_bars, 0);
      io.err(
        `${gaps.length} gaps, ${missing} missing bars; ${
          gaps.length - unfillable
        } gaps missing, ${unfillable} unfillable\n`,
      );
      if (refused) {
        io.err(`mds: ${refused.message} [${refused.code}]; later gaps were not requested\n`);
        setExit(EXIT.failure);
      }
    }));
}
