// `mds latest-prices` and `mds bars`: a tenant's prices and bars.
import { type Command, Option } from "commander";
import { type Bar, type Timeframe, TIMEFRAMES } from "@mds/sql";
import { wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { UsageError } from "./exit.ts";
import { printRows } from "./output.ts";

/** Registers `mds latest-prices` and `mds bars`. */
export function readCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;

  program.command("latest-prices [symbols...]").description(
    "newest price of each symbol, given as arguments or as --symbols AAPL,MSFT",
  )
    .addOption(new Option("--vendor <vendor>", "only this vendor"))
    .addOption(
      new Option("--symbols <list>", "comma-separated symbols, with or instead of arguments"),
    )
    .addOption(new Option("--as-of <time>", "the prices as the store knew them then, ISO 8601"))
    .action(withClient(async (s, cmd, args) => {
      const o = cmd.opts<{ vendor?: string; symbols?: string; asOf?: string }>();
      const listed = (o.symbols ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
      const symbols = [...(args as string[]), ...listed];
      if (symbols.length === 0) {
        throw new UsageError("No symbols: give them as arguments or as --symbols AAPL,MSFT");
      }
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const rows = await client.tenant(tenant).latestPrices(symbols, {
        vendor: o.vendor,
        knownAt: o.asOf,
      });
      printRows(
        io,
        rows.map((r) => ({
          symbol: r.symbol,
          vendor: r.vendor,
          price: r.price,
          as_of: r.as_of,
          // the original CLI's name of as_of, in JSON only (the table would repeat a column)
          ...(s.json ? { price_timestamp: r.price_timestamp } : {}),
          timeframe: r.timeframe,
        })),
        s.json,
      );
    }));

  program.command("bars").description(
    "bars of one symbol over [start, end); 5m/1h/1d from 1m bars when none are stored",
  )
    .requiredOption("--symbol <symbol>", "ticker")
    .addOption(new Option("--timeframe <tf>", "bar length").choices([...TIMEFRAMES]).default("1m"))
    .requiredOption("--start <time>", "first bar open time, ISO 8601 (UTC without a zone)")
    .requiredOption("--end <time>", "end, exclusive, ISO 8601 (UTC without a zone)")
    .addOption(new Option("--vendor <vendor>", "only this vendor"))
    .addOption(
      new Option("--limit <n>", "most bars").argParser(wholeNumber("--limit", 1, 10_000_000))
        .default(100_000),
    )
    .addOption(new Option("--as-of <time>", "the bars as the store knew them then, ISO 8601"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          symbol: string;
          timeframe: Timeframe;
          start: string;
          end: string;
          vendor?: string;
          limit: number;
          asOf?: string;
        }
      >();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const api = client.tenant(tenant);
      const query = {
        symbol: o.symbol,
        timeframe: o.timeframe,
        start: o.start,
        end: o.end,
        vendor: o.vendor,
        limit: o.limit,
        knownAt: o.asOf,
      };
      const view = (b: Bar) => ({
        ts: b.ts,
        vendor: b.vendor,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
      });
      if (s.json) {
        // JSON lines stream page by page; a table needs every row for its column widths.
        for await (const page of api.iterateBars(query)) printRows(io, page.map(view), true);
      } else {
        const rows = [];
        for await (const page of api.iterateBars(query)) rows.push(...page.map(view));
        printRows(io, rows, false);
      }
    }));
}
