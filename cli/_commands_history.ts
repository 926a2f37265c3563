// `mds corrections` and `mds history prune`: the version history behind point-in-time reads.
import { type Command, Option } from "commander";
import { HISTORY_KINDS, type HistoryKind } from "@mds/sql";
import { duration, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printRows } from "./output.ts";

/** Registers `mds corrections` and `mds history`. */
export function historyCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;

  program.command("corrections").description(
    "what changed in a symbol's bars, fundamentals and options since a time, from what to what",
  )
    .requiredOption("--symbol <symbol>", "ticker")
    .requiredOption("--since <time>", "versions replaced at or after this time, ISO 8601")
    .addOption(new Option("--kind <kind>", "only this kind").choices([...HISTORY_KINDS]))
    .addOption(
      new Option("--limit <n>", "most corrections").argParser(wholeNumber("--limit", 1, 100_000))
        .default(1000),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ symbol: string; since: string; kind?: HistoryKind; limit: number }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const rows = await client.tenant(tenant).corrections({
        symbol: o.symbol,
        since: o.since,
        kind: o.kind,
        limit: o.limit,
      });
      printRows(
        io,
        rows.map((r) => ({
          kind: r.kind,
          key: JSON.stringify(r.key),
          revision: r.revision,
          recorded_at: r.recorded_at,
          superseded_at: r.superseded_at,
          from: JSON.stringify(r.from),
          to: JSON.stringify(r.to),
        })),
        s.json,
      );
    }));

  const history = program.command("history").description(
    "the version history of point-in-time reads",
  );
  history.command("prune").description(
    "delete versions replaced longer ago than --older-than; as-of reads before that then fail",
  )
    .requiredOption("--older-than <duration>", "e.g. 365d", duration("--older-than"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ olderThan: number }>();
      await using client = await openClient(s);
      const r = await client.history.prune({ olderThanMs: o.olderThan * 1000 });
      printRows(io, [{ horizon: r.horizon, pruned: r.pruned }], s.json);
    }));
}
