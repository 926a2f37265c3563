// `mds coverage --html FILE`: the coverage page of the tenant, the same HTML `GET /coverage` of
// the market-data API answers, written to a file.
import { Option } from "commander";
import type { Command } from "commander";
import { CALENDAR_NAMES, type CalendarName } from "@mds/client/calendar";
import { BACKFILL_TIERS, type BackfillTier } from "@mds/sql";
import {
  COVERAGE_TIMEFRAMES,
  type CoverageTimeframe,
  gatherCoverage,
  MAX_COVERAGE_PAGE_DAYS,
  renderCoveragePage,
} from "@mds/service";
import { wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { UsageError } from "./exit.ts";
import { openClient, requireTenant } from "./_open.ts";

/** A calendar date `YYYY-MM-DD`, or a usage error naming the flag. */
function calendarDate(name: string): (value: string) => string {
  return (value) => {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
    // Date.parse accepts 2024-02-31; the round trip does not
    const ok = !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value);
    if (!ok) throw new UsageError(`${name} must be a date YYYY-MM-DD (got "${value}")`);
    return value;
  };
}

/** A comma-separated list of tickers, or a usage error naming the flag. */
function symbolList(name: string): (value: string) => string[] {
  return (value) => {
    const symbols = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (symbols.length === 0) {
      throw new UsageError(`${name} must list at least one symbol (got "${value}")`);
    }
    return symbols;
  };
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** Registers `mds coverage`. */
export function coverageCommand(program: Command, deps: CommandDeps): void {
  const { io, host, withClient } = deps;
  program.command("coverage").description(
    "coverage page: share of expected bars per symbol and trading day, gaps, queued backfills, unfillable ranges and lag per tier, as one self-contained HTML file",
  )
    .requiredOption("--html <file>", "write the page to this file")
    .addOption(
      new Option("--timeframe <tf>", "bar length").choices([...COVERAGE_TIMEFRAMES]).default("1m"),
    )
    .addOption(
      new Option("--days <n>", "trading days, the newest last").argParser(
        wholeNumber("--days", 1, MAX_COVERAGE_PAGE_DAYS),
      ).default(20),
    )
    .addOption(
      new Option("--tier <tier>", "only the universe's symbols of this tier (default: every tier)")
        .choices([...BACKFILL_TIERS]).conflicts("symbols"),
    )
    .addOption(
      new Option(
        "--symbols <list>",
        "exactly these symbols, comma-separated (default: the active universe symbols that collect the timeframe)",
      ).argParser(symbolList("--symbols")),
    )
    .addOption(
      new Option("--end <date>", "last trading day, YYYY-MM-DD (default: the newest that opened)")
        .argParser(calendarDate("--end")),
    )
    .addOption(
      new Option("--calendar <name>", "trading calendar of the columns").choices([
        ...CALENDAR_NAMES,
      ]).default("nyse"),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{
        html: string;
        timeframe: CoverageTimeframe;
        days: number;
        tier?: BackfillTier;
        symbols?: string[];
        end?: string;
        calendar: CalendarName;
      }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const report = await gatherCoverage(client, tenant, {
        timeframe: o.timeframe,
        days: o.days,
        tier: o.tier,
        symbols: o.symbols,
        end: o.end,
        calendar: o.calendar,
      });
      const html = renderCoveragePage(report);
      // the page is complete before the file is opened: a failed read leaves no half page
      const writer = (await host.openOutput(o.html)).getWriter();
      try {
        await writer.write(new TextEncoder().encode(html));
      } finally {
        await writer.close();
      }
      const cells = report.rows.flatMap((r) => r.cells);
      const summary = {
        html: o.html,
        symbols: report.rows.length,
        days: report.days.length,
        gaps: cells.filter((c) => c.expected > 0 && c.present < c.expected).length,
        backfills: cells.filter((c) => c.backfill).length,
        unfillable: cells.filter((c) => c.unfillable).length,
      };
      io.out(
        s.json
          ? `${JSON.stringify(summary)}\n`
          : `wrote ${o.html}: ${count(summary.symbols, "symbol")} × ${
            count(summary.days, "trading day")
          }, ${count(summary.gaps, "symbol-day")} with gaps\n`,
      );
    }));
}
