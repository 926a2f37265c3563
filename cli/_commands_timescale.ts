// `mds policies` and `mds refresh-aggregate`: TimescaleDB's retention, columnstore and
// continuous aggregates.
import { type Command, Option } from "commander";
import { parseInstant } from "@mds/sql";
import { aggregate, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient } from "./_open.ts";
import { printObject, printRows } from "./output.ts";

/** Registers `mds policies` and `mds refresh-aggregate`. */
export function timescaleCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;

  program.command("policies").description(
    "show TimescaleDB columnstore and retention policies; --apply changes them",
  )
    .addOption(new Option("--apply", "replace the policies with the values below"))
    .addOption(
      new Option("--bars-retention-days <n>", "drop raw bars older than this").argParser(
        wholeNumber("--bars-retention-days", 36, 100_000),
      ).default(1825),
    )
    .addOption(
      new Option("--options-retention-days <n>", "drop option snapshots older than this").argParser(
        wholeNumber("--options-retention-days", 1, 100_000),
      ).default(730),
    )
    .addOption(
      new Option("--compress-after-days <n>", "move bars to the columnstore after this").argParser(
        wholeNumber("--compress-after-days", 1, 100_000),
      ).default(7),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          apply?: boolean;
          barsRetentionDays: number;
          optionsRetentionDays: number;
          compressAfterDays: number;
        }
      >();
      await using client = await openClient(s, { migrate: s.store.url === undefined });
      if (o.apply) {
        await client.timescale.setRetention("bars", o.barsRetentionDays);
        await client.timescale.setRetention("option_snapshots", o.optionsRetentionDays);
        await client.timescale.setColumnstore(o.compressAfterDays);
      }
      const rows = await client.timescale.policies();
      printRows(io, rows.map((r) => ({ ...r })), s.json);
    }));

  program.command("refresh-aggregate <aggregate>").description(
    "refresh a continuous aggregate (bars_5m, bars_1h, bars_1d) over a window",
  )
    .requiredOption("--start <time>", "window start, ISO 8601 (UTC without a zone)")
    .requiredOption("--end <time>", "window end, ISO 8601 (UTC without a zone)")
    .action(withClient(async (s, cmd, aggregateArg) => {
      const o = cmd.opts<{ start: string; end: string }>();
      const name = aggregate("<aggregate>")(aggregateArg as string);
      const start = parseInstant(o.start, "--start"), end = parseInstant(o.end, "--end");
      await using client = await openClient(s, { migrate: s.store.url === undefined });
      const done = await client.timescale.refreshAggregate(name, { start, end });
      printObject(io, {
        aggregate: done.aggregate,
        start: done.start,
        end: done.end,
        materialized_buckets: done.materializedBuckets,
        source_bars: done.sourceBars,
        retries: done.retries,
        seconds: done.seconds,
      }, s.json);
    }));
}
