// `mds universe add|list|remove`: the symbols a tenant's collector keeps whole, with their tier,
// timeframes, preferred provider, history start and calendar.
import { type Command, Option } from "commander";
import type { UniverseRecord } from "@mds/client";
import { CALENDAR_NAMES } from "@mds/client/calendar";
import { PROVIDER_NAMES } from "@mds/providers";
import {
  BACKFILL_TIERS,
  type BackfillTier,
  isTimeframe,
  MdsError,
  parseInstant,
  parseUniverseEntry,
  quote,
  TIMEFRAMES,
  type UniverseEntry,
  type UniverseEntryInput,
  ValidationError,
} from "@mds/sql";
import { configPath, readCollectorConfig } from "./_collector_config.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { UsageError } from "./exit.ts";
import type { Host } from "./host.ts";
import { readLines } from "./ndjson_lines.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printObject, printRows } from "./output.ts";

/** Longest line of a `--file`: a universe entry is a few hundred bytes. */
const MAX_LINE_BYTES = 64 * 1024;

/** What `--tier`, `--timeframes`, ... give to every entry that leaves the field out. */
type EntryDefaults = Omit<UniverseEntryInput, "symbol">;

interface AddFlags {
  tier?: BackfillTier;
  timeframes?: string;
  provider?: string;
  start?: string;
  calendar?: string;
  inactive?: boolean;
  file?: string;
  config?: string;
}

function timeframesFlag(value: string): string[] {
  const list = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = list.find((tf) => !isTimeframe(tf));
  if (list.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--timeframes must list timeframes of ${TIMEFRAMES.join(", ")} (got "${value}")`,
    );
  }
  return list;
}

function defaultsOf(o: AddFlags): EntryDefaults {
  const d: EntryDefaults = {};
  if (o.tier !== undefined) d.tier = o.tier;
  if (o.timeframes !== undefined) d.timeframes = timeframesFlag(o.timeframes);
  if (o.provider !== undefined) d.provider = o.provider;
  if (o.start !== undefined) d.history_start = parseInstant(o.start, "--start");
  if (o.calendar !== undefined) d.calendar = o.calendar;
  if (o.inactive) d.active = false;
  return d;
}

function problem(e: ValidationError): string {
  return `${e.field === "" ? "the entry" : `"${e.field}"`} is ${quote(e.value)}: ${e.reason}`;
}

/** One entry, or a validation error rethrown by `where` (which names the line or argument). */
function entryOf(input: unknown, where: (e: ValidationError) => Error): UniverseEntry {
  try {
    return parseUniverseEntry(input);
  } catch (e) {
    if (e instanceof ValidationError) throw where(e);
    throw e;
  }
}

/**
 * The entries of a `--file`: a symbol per line, or an NDJSON object per line (the defaults fill
 * the fields it leaves out); blank lines and `#` comments skipped. Every line is validated
 * before anything is written; the first bad one fails the whole add, naming its number.
 */
async function fileEntries(host: Host, path: string, d: EntryDefaults): Promise<UniverseEntry[]> {
  const name = path === "-" ? "standard input" : quote(path);
  const bad = (line: number, why: string, cause?: unknown) =>
    new MdsError("MDS_VALIDATION", `Invalid universe entry on line ${line} of ${name}: ${why}`, {
      cause,
    });
  const entries: UniverseEntry[] = [];
  for await (const line of readLines(await host.openInput(path), MAX_LINE_BYTES)) {
    if (line.text === null) throw bad(line.number, `the line is ${line.problem}`);
    const text = line.text.trim();
    if (text === "" || text.startsWith("#")) continue;
    let input: unknown;
    if (text.startsWith("{")) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw bad(line.number, `not valid JSON: ${(e as Error).message}`, e);
      }
      if (json === null || typeof json !== "object" || Array.isArray(json)) {
        throw bad(line.number, "expected a JSON object or a symbol");
      }
      input = { ...d, ...json };
    } else {
      input = { ...d, symbol: text.replace(/\s+#.*$/, "") };
    }
    entries.push(entryOf(input, (e) => bad(line.number, problem(e), e)));
  }
  return entries;
}

function row(e: UniverseRecord): Record<string, unknown> {
  return {
    symbol: e.symbol,
    tier: e.tier,
    timeframes: e.timeframes.join(","),
    provider: e.provider ?? "auto",
    start: e.history_start ?? "default",
    calendar: e.calendar,
    active: e.active,
  };
}

/** Registers `mds universe` and its subcommands. */
export function universeCommands(program: Command, deps: CommandDeps): void {
  const { io, host, withClient } = deps;
  const universe = program.command("universe").description(
    "the symbols the tenant's collector keeps whole: add, list, remove",
  );

  universe.command("add [symbols...]").description(
    "add symbols, or replace the settings of those already there; a tier's maximum comes from the collector configuration",
  )
    .addOption(
      new Option("--tier <tier>", "cadence, caps and backfill priority (default: T1)").choices([
        ...BACKFILL_TIERS,
      ]),
    )
    .addOption(
      new Option(
        "--timeframes <list>",
        `comma-separated timeframes of ${TIMEFRAMES.join(", ")} (default: 1d)`,
      ),
    )
    .addOption(
      new Option("--provider <name>", "provider tried first (default: the routing policy)")
        .choices([...PROVIDER_NAMES]),
    )
    .addOption(
      new Option(
        "--start <time>",
        "where the history begins, ISO 8601 (UTC without a zone) (default: the collector's history.defaultDays per timeframe)",
      ),
    )
    .addOption(
      new Option(
        "--calendar <name>",
        "trading calendar (default: the configuration's calendar, nyse)",
      ).choices([
        ...CALENDAR_NAMES,
      ]),
    )
    .addOption(new Option("--inactive", "listed but not collected"))
    .addOption(
      new Option(
        "--file <path>",
        'more entries, "-" for stdin: a symbol per line, or NDJSON objects with the fields symbol, tier, timeframes, provider, history_start, calendar, active; the flags fill what a line leaves out',
      ),
    )
    .addOption(
      new Option("--config <file>", "collector configuration (JSON) with the tiers' maxSymbols")
        .env("MDS_COLLECTOR_CONFIG"),
    )
    .action(withClient(async (s, cmd, symbolsArg) => {
      const o = cmd.opts<AddFlags>();
      const symbols = (symbolsArg as string[] | undefined) ?? [];
      if (symbols.length === 0 && o.file === undefined) {
        throw new UsageError("Name the symbols to add, or pass --file");
      }
      const tenant = requireTenant(s);
      const config = await readCollectorConfig(host, configPath(o.config));
      // the configuration's calendar is the default of entries that name none
      const defaults = { calendar: config.calendar, ...defaultsOf(o) };
      const entries = symbols.map((symbol, i) =>
        entryOf(
          { ...defaults, symbol },
          (e) => new UsageError(`Invalid symbol argument ${i + 1}: ${problem(e)}`),
        )
      );
      if (o.file !== undefined) entries.push(...await fileEntries(host, o.file, defaults));
      await using client = await openClient(s);
      const maxPerTier = Object.fromEntries(
        BACKFILL_TIERS.map((t) => [t, config.tiers[t].maxSymbols]),
      );
      const r = await client.tenant(tenant).universe.add(entries, { maxPerTier });
      if (s.json) {
        printObject(io, {
          added: r.added.length,
          updated: r.updated.length,
          added_symbols: r.added,
          updated_symbols: r.updated,
        }, true);
      } else io.out(`added ${r.added.length}, updated ${r.updated.length}\n`);
    }));

  universe.command("list").description("the universe by tier, then symbol")
    .addOption(new Option("--tier <tier>", "only this tier").choices([...BACKFILL_TIERS]))
    .addOption(new Option("--active", "only symbols being collected").conflicts("inactive"))
    .addOption(new Option("--inactive", "only symbols not being collected"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ tier?: BackfillTier; active?: boolean; inactive?: boolean }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const list = await client.tenant(tenant).universe.list({
        tier: o.tier,
        active: o.active ? true : o.inactive ? false : undefined,
      });
      printRows(io, s.json ? list.map((e) => ({ ...e })) : list.map(row), s.json, [
        "symbol",
        "tier",
        "timeframes",
        "provider",
        "start",
        "calendar",
        "active",
      ]);
    }));

  universe.command("remove <symbols...>").description(
    "remove symbols from the universe; their bars stay in the store",
  )
    .action(withClient(async (s, _cmd, symbolsArg) => {
      const symbols = symbolsArg as string[];
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const removed = await client.tenant(tenant).universe.remove(symbols);
      const absent = [...new Set(symbols.map((x) => x.trim().toUpperCase()))]
        .filter((x) => !removed.includes(x));
      if (s.json) printObject(io, { removed, not_found: absent }, true);
      else {
        io.out(`removed ${removed.length}${removed.length > 0 ? `: ${removed.join(", ")}` : ""}\n`);
        if (absent.length > 0) io.err(`not in the universe: ${absent.join(", ")}\n`);
      }
    }));
}
