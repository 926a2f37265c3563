// `mds write-bar|write-fundamental|write-news|write-option` and `mds enqueue-job`: one row or one
// job, given on the command line.
import { type Command, Option } from "commander";
import type { RowKind } from "@mds/sql";
import { jsonArg, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { UsageError } from "./exit.ts";
import { printObject } from "./output.ts";

/** How a per-field flag's text becomes the field's value. */
type FlagType = "text" | "number";

/** One per-field flag of a write command: `--close-price` sets `close_price`. */
interface FieldFlag {
  readonly flag: string;
  readonly field: string;
  readonly type: FlagType;
}

const f = (field: string, type: FlagType = "number"): FieldFlag => ({
  flag: `--${field.replaceAll("_", "-")}`,
  field,
  type,
});

const KEY_TEXT = ["vendor", "symbol"].map((n) => f(n, "text"));

/**
 * The per-field flags of each write command: the original Python CLI's and mds's other
 * fields. A flag sets the field of the same name (dashes for underscores); the model then checks
 * it as it checks a JSON row, spellings, optionality and conflicts included.
 */
export const WRITE_FLAGS: Readonly<Record<string, readonly FieldFlag[]>> = {
  "write-bar": [
    ...KEY_TEXT,
    f("timeframe", "text"),
    f("ts", "text"),
    ...["open_price", "high_price", "low_price", "close_price", "volume", "vwap", "trade_count"]
      .map((n) => f(n)),
    f("id", "text"),
  ],
  "write-fundamental": [
    ...KEY_TEXT,
    f("asof", "text"),
    ...[
      "total_assets",
      "total_liabilities",
      "net_income",
      "eps",
      "market_cap",
      "pe_ratio",
      "revenue",
      "shares_outstanding",
      "dividend_yield",
    ].map((n) => f(n)),
    f("id", "text"),
  ],
  "write-news": [
    f("vendor", "text"),
    f("title", "text"),
    f("published_at", "text"),
    f("symbol", "text"),
    f("url", "text"),
    f("summary", "text"),
    f("source", "text"),
    f("sentiment_score"),
    f("id", "text"),
  ],
  "write-option": [
    ...KEY_TEXT,
    f("expiry", "text"),
    f("option_type", "text"),
    f("strike"),
    f("ts", "text"),
    ...["iv", "delta", "gamma", "theta", "vega", "oi", "volume", "spot", "bid", "ask", "last"]
      .map((n) => f(n)),
    f("id", "text"),
  ],
};

/** The row the flags describe: numbers parsed (a usage error names a bad flag), text as given. */
function rowFromFlags(flags: readonly FieldFlag[], opts: Record<string, unknown>) {
  const row: Record<string, unknown> = {};
  for (const { flag, field, type } of flags) {
    const key = field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = opts[key];
    if (value === undefined) continue;
    if (type === "text") row[field] = value;
    else {
      const n = Number(value);
      if (String(value).trim() === "" || !Number.isFinite(n)) {
        throw new UsageError(`${flag} must be a number (got "${String(value)}")`);
      }
      row[field] = n;
    }
  }
  return row;
}

/** Registers `mds write-bar`, `write-fundamental`, `write-news` and `write-option`. */
export function writeCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;
  const writeOne = (name: string, kind: RowKind, what: string) => {
    const flags = WRITE_FLAGS[name]!;
    const cmd = program.command(`${name} [json]`).description(
      `upsert one ${what}, given as a JSON object or with the field flags`,
    );
    for (const { flag, field } of flags) {
      cmd.addOption(new Option(`${flag} <value>`, `the row's ${field}`));
    }
    cmd.addHelpText(
      "after",
      "\nTimestamps without a zone are UTC (refused with --strict-timestamps).",
    );
    cmd.action(withClient(async (s, c, json) => {
      const fromFlags = rowFromFlags(flags, c.opts());
      const given = Object.keys(fromFlags).length > 0;
      if (json !== undefined && given) {
        throw new UsageError(`${name}: give the row as JSON or with field flags, not both`);
      }
      if (json === undefined && !given) {
        throw new UsageError(`${name}: give the row as a JSON argument or with field flags`);
      }
      const row = json !== undefined ? jsonArg("<json>")(json as string) : fromFlags;
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const sink = client.tenant(tenant).sink();
      const r = await sink.write(kind, [sink.validate(kind, row)]);
      printObject(io, { ...r }, s.json);
    }));
  };
  writeOne("write-bar", "bars", "bar");
  writeOne("write-fundamental", "fundamentals", "fundamentals record");
  writeOne("write-news", "news", "news item");
  writeOne("write-option", "options", "option snapshot");
}

/** The named priorities of `enqueue-job --priority` (the original CLI's): smaller runs first. */
export const NAMED_PRIORITIES: Readonly<Record<string, number>> = {
  high: -10,
  normal: 0,
  low: 10,
};

/** A job priority: a whole number from -1000 to 1000, or `high` (-10), `normal` (0), `low` (10). */
function priority(value: string): number {
  const named = NAMED_PRIORITIES[value.trim().toLowerCase()];
  if (named !== undefined) return named;
  try {
    return wholeNumber("--priority", -1000, 1000)(value);
  } catch {
    throw new UsageError(
      `--priority must be high, normal, low or a whole number from -1000 to 1000 (got "${value}")`,
    );
  }
}

/** The value of a flag that has two spellings; both given must agree, one is required. */
function oneOf(
  values: readonly (string | undefined)[],
  flags: string,
): string {
  const given = [...new Set(values.filter((v): v is string => v !== undefined))];
  if (given.length > 1) throw new UsageError(`${flags} are the same option: give one value`);
  if (given.length === 0) throw new UsageError(`Missing ${flags.replace(" and ", " or ")}`);
  return given[0]!;
}

/** Registers `mds enqueue-job`. */
export function enqueueJobCommand(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;
  program.command("enqueue-job").description("enqueue a job once per idempotency key")
    .addOption(new Option("--key <key>", "idempotency key (required, or --idempotency-key)"))
    .addOption(new Option("--idempotency-key <key>", "alias of --key"))
    .addOption(new Option("--type <type>", "job type (required, or --job-type)"))
    .addOption(new Option("--job-type <type>", "alias of --type"))
    .addOption(new Option("--payload <json>", "JSON object").argParser(jsonArg("--payload")))
    .addOption(
      new Option(
        "--priority <n>",
        "smaller runs first: -1000 to 1000, or high (-10), normal (0), low (10)",
      ).argParser(priority).default(0),
    )
    .addOption(new Option("--run-after <time>", "not before, ISO 8601 (UTC without a zone)"))
    .addOption(
      new Option("--max-attempts <n>", "attempts before dead").argParser(
        wholeNumber("--max-attempts", 1, 100),
      ).default(5),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          key?: string;
          idempotencyKey?: string;
          type?: string;
          jobType?: string;
          payload?: Record<string, unknown>;
          priority: number;
          runAfter?: string;
          maxAttempts: number;
        }
      >();
      const key = oneOf([o.key, o.idempotencyKey], "--key and --idempotency-key");
      const type = oneOf([o.type, o.jobType], "--type and --job-type");
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const job = await client.tenant(tenant).jobs.enqueueJob({
        idempotency_key: key,
        job_type: type,
        payload: o.payload,
        priority: o.priority,
        run_after: o.runAfter,
        max_attempts: o.maxAttempts,
      });
      printObject(io, { ...job }, s.json);
    }));
}
