// `mds write-bar|write-fundamental|write-news|write-option` and `mds enqueue-job`: one row or one
// job, given on the command line.
import { type Command, Option } from "commander";
import type { RowKind } from "@mds/sql";
import { jsonArg, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { UsageError } from "./exit.ts";
import { printObject } from "./output.ts";

/** Registers `mds write-bar`, `write-fundamental`, `write-news` and `write-option`. */
export function writeCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;
  const writeOne = (name: string, kind: RowKind, what: string) =>
    program.command(`${name} <json>`).description(`upsert one ${what} given as a JSON object`)
      .action(withClient(async (s, _cmd, json) => {
        const row = jsonArg("<json>")(json as string);
        const tenant = requireTenant(s);
        await using client = await openClient(s);
        const sink = client.tenant(tenant).sink();
        const r = await sink.write(kind, [sink.validate(kind, row)]);
        printObject(io, { ...r }, s.json);
      }));
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
    .addOption(new Option("--run-after <time>", "not before, ISO 8601 with zone"))
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
