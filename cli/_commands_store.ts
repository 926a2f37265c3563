// `mds ping|schema-version|status|migrate|stamp`: the store itself, its health and its schema.
import { type Command, Option } from "commander";
import { TIMESCALE_MODES, type TimescaleMode } from "@mds/client";
import { wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT } from "./exit.ts";
import { openClient } from "./_open.ts";
import { printObject, printRows } from "./output.ts";

/** Registers `mds ping`, `schema-version`, `status`, `migrate` and `stamp`. */
export function storeCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient, setExit } = deps;

  program.command("ping").description("check the database answers; print latency and versions")
    .action(withClient(async (s) => {
      await using client = await openClient(s, { migrate: false });
      const h = await client.health();
      printObject(io, {
        backend: h.backend,
        latency_ms: Math.round(h.latencyMs * 100) / 100,
        server_version: h.serverVersion,
        timescaledb: h.timescaleVersion,
      }, s.json);
    }));

  program.command("schema-version").description(
    "newest applied migration and whether TimescaleDB is used",
  )
    .action(withClient(async (s) => {
      await using client = await openClient(s, { migrate: false });
      const v = await client.schemaVersion();
      printObject(io, { version: v.version, mode: v.mode, applied_at: v.appliedAt }, s.json);
    }));

  program.command("status").description("every migration file: applied, pending or drifted")
    .action(withClient(async (s) => {
      await using client = await openClient(s, { migrate: false });
      const status = await client.migrationStatus();
      printRows(
        io,
        status.entries.map((e) => ({
          version: e.version,
          name: e.name,
          state: e.state,
          applied_at: e.appliedAt,
          duration_ms: e.durationMs,
          timescale: e.timescale,
        })),
        s.json,
      );
      if (status.entries.some((e) => e.state === "drifted")) setExit(EXIT.failure);
    }));

  program.command("migrate").description("apply pending migrations (roll-forward only)")
    .addOption(new Option("--plan", "print the statements that would run, run nothing"))
    .addOption(
      new Option("--lock-timeout-ms <ms>", "longest wait for another runner").argParser(
        wholeNumber("--lock-timeout-ms", 1, 3_600_000),
      ).default(30_000),
    )
    .addOption(
      new Option("--timescale <mode>", "use TimescaleDB: auto, require or off").choices([
        ...TIMESCALE_MODES,
      ]).env("MDS_TIMESCALE").default("auto"),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ plan?: boolean; lockTimeoutMs: number; timescale: TimescaleMode }>();
      await using client = await openClient(s, { migrate: false, timescale: o.timescale });
      if (o.plan) {
        const p = await client.migrationPlan();
        if (s.json) {
          for (const step of p.steps) io.out(JSON.stringify({ ...step, mode: p.mode }) + "\n");
        } else {
          if (p.steps.length === 0) io.err("nothing to apply\n");
          for (const step of p.steps) {
            io.out(
              `-- ${step.name} (${p.mode}${step.transactional ? "" : ", no transaction"})\n${
                step.statements.join(";\n\n")
              };\n\n`,
            );
          }
        }
        return;
      }
      const r = await client.migrate({ lockTimeoutMs: o.lockTimeoutMs });
      printObject(io, {
        mode: r.mode,
        version: r.version,
        applied: r.applied.join(", ") || "(none)",
      }, s.json);
    }));

  program.command("stamp")
    // The original control-plane CLI's spelling: stamp up to the newest migration (the default).
    .alias("stamp-head")
    .description("mark pending migrations applied without running them")
    .addOption(
      new Option("--through <version>", "stop after this version").argParser(
        wholeNumber("--through", 1, 1_000_000),
      ),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ through?: number }>();
      await using client = await openClient(s, { migrate: false });
      const stamped = await client.stamp({ through: o.through });
      printObject(io, { stamped: stamped.join(", ") || "(none)" }, s.json);
    }));
}
