// `mds macro track|untrack|fetch|show`: the macro factors of a tenant: economic series tracked by
// their FRED id, fetched with every vintage, shown as latest values or as one series' history.
import { type Command, Option } from "commander";
import { createFredSource, FRED_ENV_VARS } from "@mds/providers";
import { refreshMacro } from "@mds/service";
import { parseMacroVintage } from "@mds/sql";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { EXIT, UsageError } from "./exit.ts";
import { printObject, printRows } from "./output.ts";

interface TrackFlags {
  title?: string;
  units?: string;
  frequency?: string;
}

/** Registers `mds macro` and its subcommands. */
export function macroCommands(program: Command, deps: CommandDeps): void {
  const { io, host, withClient, setExit } = deps;
  const macro = program.command("macro").description(
    "macro factors: economic series (FRED ids such as DGS10) with every vintage: track, untrack, fetch, show",
  );

  macro.command("track <keys...>").description(
    "track series by their FRED id; the flags set metadata for every key (mds macro fetch fills it from FRED)",
  )
    .addOption(new Option("--title <text>", "title of the series"))
    .addOption(new Option("--units <text>", "units, e.g. Percent"))
    .addOption(new Option("--frequency <text>", "frequency, e.g. Daily"))
    .action(withClient(async (s, cmd, keysArg) => {
      const o = cmd.opts<TrackFlags>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const r = await client.tenant(tenant).macro.track(keysArg as string[], {
        title: o.title,
        units: o.units,
        frequency: o.frequency,
      });
      if (s.json) printObject(io, { added: r.added, updated: r.updated }, true);
      else io.out(`tracked ${r.added.length} new, ${r.updated.length} updated\n`);
    }));

  macro.command("untrack <keys...>").description(
    "stop tracking series; their observations stay unless --purge",
  )
    .addOption(new Option("--purge", "delete the series' observations too"))
    .action(withClient(async (s, cmd, keysArg) => {
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const removed = await client.tenant(tenant).macro.untrack(keysArg as string[], {
        purge: Boolean(cmd.opts<{ purge?: boolean }>().purge),
      });
      if (s.json) printObject(io, { removed }, true);
      else {io.out(
          `untracked ${removed.length}${removed.length ? `: ${removed.join(", ")}` : ""}\n`,
        );}
    }));

  macro.command("fetch [keys...]").description(
    `fetch series from FRED with every vintage into the store (default: every tracked series; named ones are tracked first); needs ${FRED_ENV_VARS.apiKey}`,
  )
    .addOption(
      new Option("--base-url <url>", "FRED's API root (default: https://api.stlouisfed.org)")
        .env(FRED_ENV_VARS.baseUrl),
    )
    .action(withClient(async (s, cmd, keysArg) => {
      const o = cmd.opts<{ baseUrl?: string }>();
      const apiKey = host.env(FRED_ENV_VARS.apiKey)?.trim();
      if (!apiKey) throw new UsageError(`No FRED API key: set ${FRED_ENV_VARS.apiKey}`);
      const tenant = requireTenant(s);
      const fred = createFredSource({ apiKey, baseUrl: o.baseUrl?.trim() || undefined });
      await using client = await openClient(s);
      const controller = new AbortController();
      const off = host.onInterrupt(() => controller.abort());
      try {
        const keys = (keysArg as string[] | undefined) ?? [];
        const r = await refreshMacro(client.tenant(tenant).macro, fred, {
          keys,
          signal: controller.signal,
        });
        if (s.json) {
          for (const x of r.results) io.out(JSON.stringify(x) + "\n");
        } else {
          printRows(
            io,
            r.results.map((x) => ({ ...x, error: x.error?.code ?? "" })),
            false,
            ["key", "fetched", "inserted", "updated", "unchanged", "error"],
          );
        }
        for (const x of r.results) {
          if (x.error) io.err(`${x.key}: ${x.error.code}: ${x.error.message}\n`);
        }
        if (r.failed > 0) setExit(EXIT.failure);
      } finally {
        off();
      }
    }));

  macro.command("show [key]").description(
    "without a key: the latest value of each tracked series; with one: its history in a vintage",
  )
    .addOption(
      new Option(
        "--vintage <v>",
        "latest (default), first (as first published), or YYYY-MM-DD (as known that day)",
      ),
    )
    .addOption(new Option("--start <date>", "first date, YYYY-MM-DD, inclusive"))
    .addOption(new Option("--end <date>", "last date, YYYY-MM-DD, inclusive"))
    .action(withClient(async (s, cmd, keyArg) => {
      const o = cmd.opts<{ vintage?: string; start?: string; end?: string }>();
      const tenant = requireTenant(s);
      const key = keyArg as string | undefined;
      if (key === undefined && (o.vintage ?? o.start ?? o.end) !== undefined) {
        throw new UsageError("--vintage, --start and --end need a series key");
      }
      const vintage = parseMacroVintage(o.vintage, "--vintage");
      await using client = await openClient(s);
      const api = client.tenant(tenant).macro;
      if (key === undefined) {
        const latest = await api.latest();
        printRows(io, latest.map((l) => ({ ...l })), s.json, [
          "key",
          "date",
          "value",
          "realtime_start",
          "units",
          "title",
        ]);
        return;
      }
      const points = await api.history(key, { vintage, start: o.start, end: o.end });
      printRows(io, points.map((p) => ({ ...p })), s.json, ["date", "value", "realtime_start"]);
    }));
}
