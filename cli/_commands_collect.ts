// `mds collect`: the collector for the tenant, one pass (`--once`, for cron) or in the foreground
// until SIGTERM or SIGINT, with SIGHUP reloading the configuration file.
import { type Command, Option } from "commander";
import { parseInstant } from "@mds/sql";
import {
  Collector,
  type CollectorConfig,
  type CollectorEvent,
  type RunSummary,
  superviseCollector,
} from "@mds/service";
import { wholeNumber } from "./_args.ts";
import { configPath, type ProviderEnv, readCollectorConfig } from "./_collector_config.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT } from "./exit.ts";
import { openClient, requireTenant } from "./_open.ts";
import type { Io } from "./output.ts";

interface CollectFlags {
  once?: boolean;
  workers?: number;
  config?: string;
  until?: string;
}

function withWorkers(config: CollectorConfig, workers: number | undefined): CollectorConfig {
  return workers === undefined
    ? config
    : { ...config, workers: { ...config.workers, count: workers } };
}

/** The summary of one pass as lines a person reads. */
function summaryLines(r: RunSummary): string[] {
  const s = r.sweep;
  const j = r.jobs;
  const g = r.repair;
  const lines = [
    `sweep: ${s.series} series, ${s.enqueued} jobs enqueued, ${s.pending} already pending, ${s.closed} market closed, ${s.uncollected} not collected by their tier`,
    `jobs: ${j.done} done, ${j.retry} to retry, ${j.dead} dead, ${j.deferred} deferred, ${j.no_data} no data`,
    `gaps: ${g.series} series scanned, ${g.gaps} gaps, ${g.unfillable} unfillable; ${g.enqueued} backfills enqueued, ${g.alreadyRequested} already requested, ${g.deferredByCap} deferred by the caps`,
    `waiting: ${r.waiting} jobs queued for later (retries in backoff)`,
  ];
  const measured = r.slo.filter((x) => x.series > 0);
  if (measured.length === 0) lines.push("slo: no active series");
  for (const x of measured) {
    lines.push(
      `slo ${x.tier} ${x.timeframe}: ${x.violating} of ${x.series} series with a gap (rate ${
        Number(x.rate.toFixed(4))
      })`,
    );
  }
  return lines;
}

function logTo(io: Io): (event: CollectorEvent) => void {
  return (event) => io.err(`${JSON.stringify({ ts: new Date().toISOString(), ...event })}\n`);
}

/** Registers `mds collect`. */
export function collectCommand(program: Command, deps: CommandDeps): void {
  const { io, host, withClient, setExit } = deps;
  program.command("collect").description(
    "run the collector for the tenant's universe: sweeps, jobs, gap repair, SLO; log lines (JSON) on stderr",
  )
    .addOption(
      new Option(
        "--once",
        "one pass (sweep, queue drained, gap scan and its backfills, SLO), print the summary and exit; without it, run until SIGTERM or SIGINT (SIGHUP reloads --config)",
      ),
    )
    .addOption(
      new Option(
        "--workers <n>",
        "job workers, 1 to 64 (default: the configuration's workers.count)",
      )
        .argParser(wholeNumber("--workers", 1, 64)),
    )
    .addOption(
      new Option(
        "--config <file>",
        "collector configuration (JSON); default: the built-in defaults",
      )
        .env("MDS_COLLECTOR_CONFIG"),
    )
    .addOption(
      new Option(
        "--until <time>",
        "collect up to this time instead of now, ISO 8601 (UTC without a zone)",
      ),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<CollectFlags>();
      const tenant = requireTenant(s);
      const until = o.until === undefined ? undefined : parseInstant(o.until, "--until");
      const path = configPath(o.config);
      const env: ProviderEnv = {};
      const config = withWorkers(await readCollectorConfig(host, path, env), o.workers);
      const log = logTo(io);
      await using client = await openClient(s);
      const collector = new Collector({ client, tenant, config, env, until, log });
      if (o.once) {
        const abort = new AbortController();
        const stopListening = host.onInterrupt(() => abort.abort());
        let summary: RunSummary;
        try {
          summary = await collector.runOnce(abort.signal);
        } finally {
          stopListening();
        }
        if (s.json) io.out(`${JSON.stringify(summary)}\n`);
        else io.out(summaryLines(summary).map((l) => `${l}\n`).join(""));
        if (abort.signal.aborted) setExit(EXIT.interrupted);
        return;
      }
      log({
        event: "started",
        tenant,
        config: path ?? "defaults",
        workers: config.workers.count,
        until: until?.toISOString() ?? null,
      });
      await superviseCollector({
        collector,
        onSignal: host.onSignal,
        reload: path === undefined
          ? undefined
          : async () => withWorkers(await readCollectorConfig(host, path, env), o.workers),
        log,
      });
    }));
}
