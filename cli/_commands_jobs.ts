// `mds jobs list|stats|requeue|purge`: a tenant's job queue and its dead letters.
import { type Command, Option } from "commander";
import type { JobRecord } from "@mds/client";
import { JOB_STATES, type JobState } from "@mds/sql";
import { duration, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT, UsageError } from "./exit.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printObject, printRows } from "./output.ts";

function row(j: JobRecord): Record<string, unknown> {
  return {
    id: j.id,
    job_type: j.job_type,
    state: j.state,
    attempts: j.attempts,
    max_attempts: j.max_attempts,
    priority: j.priority,
    run_after: j.run_after,
    updated_at: j.updated_at,
    last_error_code: j.last_error_code,
    last_error: j.last_error,
  };
}

/** Registers `mds jobs` and its subcommands. */
export function jobCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient, setExit } = deps;
  const jobs = program.command("jobs").description(
    "a tenant's job queue: list (dead letters by default), stats, requeue, purge",
  );

  jobs.command("list").description("jobs oldest change first; dead ones (dead letters) by default")
    .addOption(
      new Option("--state <state>", "only jobs in this state").choices([...JOB_STATES]).default(
        "dead",
      ),
    )
    .addOption(new Option("--type <type>", "only jobs of this type"))
    .addOption(
      new Option("--older-than <duration>", "last change (death) at least this old: 90s, 15m, 7d")
        .argParser(duration("--older-than")),
    )
    .addOption(
      new Option("--limit <n>", "most jobs").argParser(wholeNumber("--limit", 1, 10_000))
        .default(100),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ state: JobState; type?: string; olderThan?: number; limit: number }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const list = await client.tenant(tenant).jobs.listJobs({
        state: o.state,
        type: o.type,
        olderThanSeconds: o.olderThan,
        limit: o.limit,
      });
      printRows(io, s.json ? list.map((j) => ({ ...j })) : list.map(row), s.json);
    }));

  jobs.command("stats").description("job counts by type and state")
    .action(withClient(async (s) => {
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const stats = await client.tenant(tenant).jobs.jobStats();
      printRows(io, stats.map((r) => ({ ...r })), s.json);
    }));

  jobs.command("requeue [ids...]").description(
    "put dead jobs back in the queue, attempts reset: the given ids, or --all matching the filters",
  )
    .addOption(new Option("--all", "every dead job matching --type and --older-than"))
    .addOption(new Option("--type <type>", "only jobs of this type"))
    .addOption(
      new Option("--older-than <duration>", "dead at least this long: 90s, 15m, 7d").argParser(
        duration("--older-than"),
      ),
    )
    .action(withClient(async (s, cmd, idsArg) => {
      const o = cmd.opts<{ all?: boolean; type?: string; olderThan?: number }>();
      const ids = (idsArg as string[] | undefined) ?? [];
      if (ids.length === 0 && !o.all) {
        throw new UsageError("Name the jobs to requeue, or pass --all");
      }
      if (ids.length > 0 && o.all) throw new UsageError("Pass either job ids or --all, not both");
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const requeued = await client.tenant(tenant).jobs.requeueDeadJobs({
        ids: ids.length > 0 ? ids : undefined,
        type: o.type,
        olderThanSeconds: o.olderThan,
      });
      const missed = ids.filter((id) => !requeued.includes(id.toLowerCase()));
      printObject(io, { requeued: requeued.length, ids: requeued.join(", ") }, s.json);
      if (missed.length > 0) {
        io.err(`mds: not requeued (no such dead job): ${missed.join(", ")}\n`);
        setExit(EXIT.failure);
      }
    }));

  jobs.command("purge").description("delete dead jobs that died at least --older-than ago")
    .addOption(
      new Option("--older-than <duration>", "dead at least this long (0 for all): 90s, 15m, 7d")
        .argParser(duration("--older-than")).makeOptionMandatory(),
    )
    .addOption(new Option("--type <type>", "only jobs of this type"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ olderThan: number; type?: string }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const purged = await client.tenant(tenant).jobs.purgeDeadJobs({
        olderThanSeconds: o.olderThan,
        type: o.type,
      });
      printObject(io, { purged }, s.json);
    }));
}
