// `mds ingest-ndjson` and `mds seed`: many rows at once, streamed from NDJSON or generated.
import { type Command, Option } from "commander";
import { ROW_KINDS } from "@mds/sql";
import { rowKind, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT } from "./exit.ts";
import { DEFAULT_INGEST_ROWS, ingestNdjson } from "./ingest.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printRows } from "./output.ts";
import { seed } from "./seed.ts";

/** The demo tenant `seed` uses when no tenant is given. */
const DEMO_TENANT = "d3e0d3e0-0000-4000-8000-000000000001";

/** Registers `mds ingest-ndjson`. */
export function ingestCommand(program: Command, deps: CommandDeps): void {
  const { io, host, withClient, setExit } = deps;
  program.command("ingest-ndjson <kind> [file]")
    // The original CLI's async variant: the same streaming ingest, under its name.
    .alias("ingest-ndjson-async")
    .description(
      `stream NDJSON rows (${ROW_KINDS.join(", ")}) from FILE or stdin (-); gzip detected`,
    )
    .addOption(
      new Option("--max-rows <n>", "flush a batch at this many rows").argParser(
        wholeNumber("--max-rows", 1, 1_000_000),
      ).env("MDS_MAX_ROWS").default(DEFAULT_INGEST_ROWS),
    )
    .addOption(
      new Option("--max-bytes <n>", "flush a batch at this many input bytes").argParser(
        wholeNumber("--max-bytes", 1, 1024 ** 3),
      ).env("MDS_MAX_BYTES").default(8 * 1024 * 1024),
    )
    .addOption(
      new Option("--max-ms <ms>", "flush a batch this long after its first row").argParser(
        wholeNumber("--max-ms", 1, 3_600_000),
      ).env("MDS_MAX_MS").default(1_000),
    )
    .addOption(
      new Option(
        "--concurrency <n>",
        "batches in flight at once, each its own transaction (default: 2 on a server, 1 embedded)",
      ).argParser(wholeNumber("--concurrency", 1, 64)),
    )
    .addOption(
      new Option("--max-line-bytes <n>", "reject longer lines").argParser(
        wholeNumber("--max-line-bytes", 1, 1024 ** 3),
      ).default(1024 * 1024),
    )
    .addOption(
      new Option("--rejects <file>", "write bad lines there, verbatim; reasons go to stderr"),
    )
    .addOption(
      new Option(
        "--strict",
        "stop at the first bad line; committed batches stay, the open one is dropped",
      ),
    )
    .addOption(new Option("--progress", "progress on stderr even when it is not a terminal"))
    .action(withClient(async (s, cmd, kindArg, file) => {
      const o = cmd.opts<
        {
          maxRows: number;
          maxBytes: number;
          maxMs: number;
          concurrency?: number;
          maxLineBytes: number;
          rejects?: string;
          strict?: boolean;
          progress?: boolean;
        }
      >();
      const kind = rowKind("<kind>")(kindArg as string);
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const api = client.tenant(tenant);
      const input = await host.openInput((file as string | undefined) ?? "-");
      const rejects = o.rejects ? (await host.openOutput(o.rejects)).getWriter() : undefined;
      const abort = new AbortController();
      const stopListening = host.onInterrupt(() => abort.abort());
      const showProgress = o.progress || io.errIsTerminal;
      try {
        const summary = await ingestNdjson({
          kind,
          input,
          api,
          maxRows: o.maxRows,
          maxBytes: o.maxBytes,
          maxMs: o.maxMs,
          concurrency: o.concurrency,
          maxLineBytes: o.maxLineBytes,
          strict: Boolean(o.strict),
          mode: s.writeMode,
          rejects,
          signal: abort.signal,
          onReject: (line, reason) => io.err(`line ${line}: ${reason}\n`),
          onProgress: showProgress
            ? (p) =>
              io.err(
                `${io.errIsTerminal ? "\r" : ""}${p.accepted} rows, ${
                  Math.round(p.accepted / Math.max(p.seconds, 0.001))
                } rows/s, ${p.bytes} bytes${io.errIsTerminal ? "" : "\n"}`,
              )
            : undefined,
        });
        if (showProgress && io.errIsTerminal) io.err("\n");
        if (s.json) io.out(JSON.stringify(summary) + "\n");
        else {
          io.err(
            `${summary.kind}: ${summary.lines} lines, ${summary.accepted} accepted, ${summary.rejected} rejected; ` +
              `${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged; ` +
              `${summary.seconds.toFixed(2)} s, ${summary.rows_per_second} rows/s` +
              (summary.interrupted ? " (interrupted: accepted rows committed)" : "") +
              (summary.stopped_at_line !== null
                ? ` (stopped at line ${summary.stopped_at_line})`
                : "") +
              "\n",
          );
        }
        if (summary.interrupted) setExit(EXIT.interrupted);
        else if (summary.stopped_at_line !== null) setExit(EXIT.failure);
        else if (summary.rejected > 0) setExit(EXIT.rejected);
      } finally {
        stopListening();
        await rejects?.close();
      }
    }));
}

/** Registers `mds seed`. */
export function seedCommand(program: Command, deps: CommandDeps): void {
  const { io, withClient } = deps;
  program.command("seed").description(
    `load a small realistic demo dataset (tenant defaults to ${DEMO_TENANT})`,
  )
    .addOption(
      new Option("--days <n>", "trading days of 1-minute bars").argParser(
        wholeNumber("--days", 1, 250),
      ).default(2),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ days: number }>();
      const settings = { ...s, tenant: s.tenant ?? DEMO_TENANT };
      await using client = await openClient(settings);
      const r = await seed(client.tenant(settings.tenant), o.days);
      const rows = Object.entries(r).map(([kind, w]) => ({
        kind,
        rows: w.rows,
        inserted: w.inserted,
        updated: w.updated,
        unchanged: w.unchanged,
      }));
      printRows(io, rows, s.json);
      if (!s.json) io.err(`tenant ${settings.tenant}\n`);
    }));
}
