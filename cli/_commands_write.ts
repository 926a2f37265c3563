// `mds write-bar|write-fundamental|write-news|write-option` and `mds enqueue-job`: one row or one
// job, given on the command line.
import { type Command, Option } from "commander";
import type { RowKind } from "@mds/sql";
import { jsonArg, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
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

/** Registers `mds enqueue-job`. */
export function enqueueJobCommand(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;
  program.command("enqueue-job").description("enqueue a job once per idempotency key")
    .requiredOption("--key <key>", "idempotency key")
    .requiredOption("--type <type>", "job type")
    .addOption(new Option("--payload <json>", "JSON object").argParser(jsonArg("--payload")))
    .addOption(
      new Option("--priority <n>", "smaller runs first").argParser(
        wholeNumber("--priority", -1000, 1000),
      ).default(0),
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
          key: string;
          type: string;
          payload?: Record<string, unknown>;
          priority: number;
          runAfter?: string;
          maxAttempts: number;
        }
      >();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const job = await client.tenant(tenant).jobs.enqueueJob({
        idempotency_key: o.key,
        job_type: o.type,
        payload: o.payload,
        priority: o.priority,
        run_after: o.runAfter,
        max_attempts: o.maxAttempts,
      });
      printObject(io, { ...job }, s.json);
    }));
}
