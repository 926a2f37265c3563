import { Command, CommanderError, Option } from "commander";
import {
  ConfigError,
  MdsError,
  RequiresTimescaleError,
  type RetryPolicy,
  TIMESCALE_MODES,
  WRITE_MODES,
  type WriteMode,
} from "@mds/client";
import {
  type Bar,
  isAggregate,
  parseInstant,
  ROW_KINDS,
  type RowKind,
  TIMEFRAMES,
  ValidationError,
} from "@mds/sql";
import { EXIT, type GlobalSettings, openClient, requireTenant, UsageError } from "./config.ts";
import { DEFAULT_INGEST_ROWS, ingestNdjson } from "./ingest.ts";
import { duration } from "./_command_deps.ts";
import { jobCommands } from "./_commands_jobs.ts";
import { seriesCommands } from "./_commands_series.ts";
import { type Io, printObject, printRows } from "./output.ts";
import { seed } from "./seed.ts";

/** What the program needs from its host: I/O, environment, files and signals. */
export interface Host {
  /** Standard output and error. */
  io: Io;
  /** Environment variables. */
  env: (name: string) => string | undefined;
  /** Opens a file (or `-` for standard input) for reading. */
  openInput: (path: string) => Promise<ReadableStream<Uint8Array>>;
  /** Opens a file for writing, truncating it. */
  openOutput: (path: string) => Promise<WritableStream<Uint8Array>>;
  /** Calls `fn` on SIGINT or SIGTERM until the returned function is called. */
  onInterrupt: (fn: () => void) => () => void;
}

/** The demo tenant `seed` uses when no tenant is given. */
export const DEMO_TENANT = "d3e0d3e0-0000-4000-8000-000000000001";

const KIND_ALIASES: Record<string, RowKind> = {
  bars: "bars",
  fundamentals: "fundamentals",
  news: "news",
  options: "options",
};

function globals(cmd: Command, host: Host): GlobalSettings {
  const o = cmd.optsWithGlobals<Record<string, string | boolean | undefined>>();
  const writeMode = String(o.writeMode ?? "auto");
  if (!(WRITE_MODES as readonly string[]).includes(writeMode)) {
    throw new UsageError(
      `--write-mode must be one of ${WRITE_MODES.join(", ")} (got "${writeMode}")`,
    );
  }
  const role = String(o.appRole ?? "mds_app");
  const retries = Number(o.retries ?? 0);
  return {
    databaseUrl: (o.databaseUrl as string | undefined) || host.env("MDS_DSN") || undefined,
    dataDir: String(o.dataDir ?? "./.mds"),
    tenant: (o.tenant as string | undefined) || undefined,
    writeMode: writeMode as WriteMode,
    appRole: role === "none" ? null : role,
    json: Boolean(o.json),
    retry: retries > 0 ? retryPolicy(retries, host.io) : false,
    lockWaitMs: Math.round(Number(o.lockWait ?? 0) * 1000),
    minFreeBytes: Number(o.minFree ?? 64) * 2 ** 20,
  };
}

/**
 * The policy of `--retries n`: n retries with exponential backoff and full jitter (up to 250 ms
 * before the first, doubling, at most 5 s), each announced on stderr.
 */
function retryPolicy(retries: number, io: Io): RetryPolicy {
  return {
    attempts: retries + 1,
    baseDelayMs: 250,
    maxDelayMs: 5_000,
    onRetry: (error, attempt, delayMs) =>
      io.err(
        `mds: retry ${attempt} of ${retries} in ${delayMs} ms after: ${error.message} [${error.code}${
          error.sqlState ? ` ${error.sqlState}` : ""
        }]\n`,
      ),
  };
}

function int(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
    }
    return n;
  };
}

function jsonArg(name: string): (value: string) => unknown {
  return (value) => {
    try {
      return JSON.parse(value);
    } catch (err) {
      throw new UsageError(`${name} is not valid JSON: ${(err as Error).message}`);
    }
  };
}

/** Builds the `mds` command. Actions report their exit code through `setExit`. */
export function buildProgram(host: Host, setExit: (code: number) => void): Command {
  const { io } = host;
  const program = new Command("mds")
    .description(
      "Multi-tenant market-data store on PostgreSQL/TimescaleDB, or embedded (PGlite) without a server.",
    )
    .version("0.1.0")
    .addOption(
      new Option(
        "--database-url <url>",
        "PostgreSQL/TimescaleDB server (MDS_DSN is read too); without one, the embedded store",
      ).env("MDS_DATABASE_URL"),
    )
    .addOption(
      new Option("--data-dir <dir>", "embedded store directory, migrated on first use").env(
        "MDS_DATA_DIR",
      ).default("./.mds"),
    )
    .addOption(
      new Option(
        "--lock-wait <duration>",
        "embedded store: wait this long (30s, 5m) while another process has it open; 0 fails at once",
      ).argParser(duration("--lock-wait")).env("MDS_LOCK_WAIT").default(0),
    )
    .addOption(
      new Option(
        "--min-free <MiB>",
        "embedded store: write nothing while its disk has less free space than this; 0 turns it off",
      ).argParser(int("--min-free", 0, 1_048_576)).env("MDS_MIN_FREE_MB").default(64),
    )
    .addOption(new Option("--tenant <uuid>", "tenant for data commands").env("MDS_TENANT_ID"))
    .addOption(
      new Option("--write-mode <mode>", "how rows travel: auto, insert (unnest) or copy").env(
        "MDS_WRITE_MODE",
      ).default("auto"),
    )
    .addOption(
      new Option(
        "--app-role <role>",
        "role each unit of work switches to; none keeps the login role",
      ).env("MDS_APP_ROLE").default("mds_app"),
    )
    .addOption(
      new Option(
        "--retries <n>",
        "retries of a write or read that failed on a lost connection, a restarting server or a deadlock",
      ).argParser(int("--retries", 0, 99)).env("MDS_RETRIES").default(0),
    )
    .addOption(new Option("--json", "one JSON object per line on stdout"))
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(text),
    });

  const withClient =
    (fn: (s: GlobalSettings, cmd: Command, ...args: unknown[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      await fn(globals(cmd, host), cmd, ...args.slice(0, -1));
    };

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
        int("--lock-timeout-ms", 1, 3_600_000),
      ).default(30_000),
    )
    .addOption(
      new Option("--timescale <mode>", "use TimescaleDB: auto, require or off").choices([
        ...TIMESCALE_MODES,
      ]).env("MDS_TIMESCALE").default("auto"),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        { plan?: boolean; lockTimeoutMs: number; timescale: "auto" | "require" | "off" }
      >();
      await using client = await openClient(s, { migrate: false, timescale: o.timescale });
      if (o.plan) {
        const { plan } = await import("@mds/client");
        const p = await plan(client.backend, { timescale: o.timescale });
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

  program.command("stamp").description("mark pending migrations applied without running them")
    .addOption(
      new Option("--through <version>", "stop after this version").argParser(
        int("--through", 1, 1_000_000),
      ),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ through?: number }>();
      await using client = await openClient(s, { migrate: false });
      const { stamp } = await import("@mds/client");
      const stamped = await stamp(client.backend, { through: o.through });
      printObject(io, { stamped: stamped.join(", ") || "(none)" }, s.json);
    }));

  const writeOne = (name: string, kind: RowKind, what: string) =>
    program.command(`${name} <json>`).description(`upsert one ${what} given as a JSON object`)
      .action(withClient(async (s, _cmd, json) => {
        const row = jsonArg("<json>")(json as string);
        const tenant = requireTenant(s);
        await using client = await openClient(s);
        const api = client.tenant(tenant);
        const r = await api.writeValidated(kind, [api.validate(kind, row)]);
        printObject(io, { ...r }, s.json);
      }));
  writeOne("write-bar", "bars", "bar");
  writeOne("write-fundamental", "fundamentals", "fundamentals record");
  writeOne("write-news", "news", "news item");
  writeOne("write-option", "options", "option snapshot");

  program.command("latest-prices <symbols...>").description("newest price of each symbol")
    .addOption(new Option("--vendor <vendor>", "only this vendor"))
    .action(withClient(async (s, cmd, symbols) => {
      const o = cmd.opts<{ vendor?: string }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const rows = await client.tenant(tenant).latestPrices(symbols as string[], {
        vendor: o.vendor,
      });
      printRows(
        io,
        rows.map((r) => ({
          symbol: r.symbol,
          vendor: r.vendor,
          price: r.price,
          as_of: r.as_of,
          timeframe: r.timeframe,
        })),
        s.json,
      );
    }));

  program.command("bars").description(
    "bars of one symbol over [start, end); 5m/1h/1d from 1m bars when none are stored",
  )
    .requiredOption("--symbol <symbol>", "ticker")
    .addOption(new Option("--timeframe <tf>", "bar length").choices([...TIMEFRAMES]).default("1m"))
    .requiredOption("--start <time>", "first bar open time, ISO 8601 with zone")
    .requiredOption("--end <time>", "end, exclusive, ISO 8601 with zone")
    .addOption(new Option("--vendor <vendor>", "only this vendor"))
    .addOption(
      new Option("--limit <n>", "most bars").argParser(int("--limit", 1, 10_000_000)).default(
        100_000,
      ),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          symbol: string;
          timeframe: typeof TIMEFRAMES[number];
          start: string;
          end: string;
          vendor?: string;
          limit: number;
        }
      >();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const api = client.tenant(tenant);
      const query = {
        symbol: o.symbol,
        timeframe: o.timeframe,
        start: o.start,
        end: o.end,
        vendor: o.vendor,
        limit: o.limit,
      };
      const view = (b: Bar) => ({
        ts: b.ts,
        vendor: b.vendor,
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
      });
      if (s.json) {
        // JSON lines stream page by page; a table needs every row for its column widths.
        for await (const page of api.iterateBars(query)) printRows(io, page.map(view), true);
      } else {
        const rows = [];
        for await (const page of api.iterateBars(query)) rows.push(...page.map(view));
        printRows(io, rows, false);
      }
    }));

  program.command("enqueue-job").description("enqueue a job once per idempotency key")
    .requiredOption("--key <key>", "idempotency key")
    .requiredOption("--type <type>", "job type")
    .addOption(new Option("--payload <json>", "JSON object").argParser(jsonArg("--payload")))
    .addOption(
      new Option("--priority <n>", "smaller runs first").argParser(int("--priority", -1000, 1000))
        .default(0),
    )
    .addOption(new Option("--run-after <time>", "not before, ISO 8601 with zone"))
    .addOption(
      new Option("--max-attempts <n>", "attempts before dead").argParser(
        int("--max-attempts", 1, 100),
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
      const job = await client.tenant(tenant).enqueueJob({
        idempotency_key: o.key,
        job_type: o.type,
        payload: o.payload,
        priority: o.priority,
        run_after: o.runAfter,
        max_attempts: o.maxAttempts,
      });
      printObject(io, { ...job }, s.json);
    }));

  program.command("ingest-ndjson <kind> [file]")
    .description(
      `stream NDJSON rows (${ROW_KINDS.join(", ")}) from FILE or stdin (-); gzip detected`,
    )
    .addOption(
      new Option("--max-rows <n>", "flush a batch at this many rows").argParser(
        int("--max-rows", 1, 1_000_000),
      ).env("MDS_MAX_ROWS").default(DEFAULT_INGEST_ROWS),
    )
    .addOption(
      new Option("--max-bytes <n>", "flush a batch at this many input bytes").argParser(
        int("--max-bytes", 1, 1024 ** 3),
      ).env("MDS_MAX_BYTES").default(8 * 1024 * 1024),
    )
    .addOption(
      new Option("--max-ms <ms>", "flush a batch this long after its first row").argParser(
        int("--max-ms", 1, 3_600_000),
      ).env("MDS_MAX_MS").default(1_000),
    )
    .addOption(
      new Option("--max-line-bytes <n>", "reject longer lines").argParser(
        int("--max-line-bytes", 1, 1024 ** 3),
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
          maxLineBytes: number;
          rejects?: string;
          strict?: boolean;
          progress?: boolean;
        }
      >();
      const kind = KIND_ALIASES[kindArg as string];
      if (!kind) {
        throw new UsageError(`<kind> must be one of ${ROW_KINDS.join(", ")} (got "${kindArg}")`);
      }
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

  program.command("policies").description(
    "show TimescaleDB columnstore and retention policies; --apply changes them",
  )
    .addOption(new Option("--apply", "replace the policies with the values below"))
    .addOption(
      new Option("--bars-retention-days <n>", "drop raw bars older than this").argParser(
        int("--bars-retention-days", 36, 100_000),
      ).default(1825),
    )
    .addOption(
      new Option("--options-retention-days <n>", "drop option snapshots older than this").argParser(
        int("--options-retention-days", 1, 100_000),
      ).default(730),
    )
    .addOption(
      new Option("--compress-after-days <n>", "move bars to the columnstore after this").argParser(
        int("--compress-after-days", 1, 100_000),
      ).default(7),
    )
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<
        {
          apply?: boolean;
          barsRetentionDays: number;
          optionsRetentionDays: number;
          compressAfterDays: number;
        }
      >();
      await using client = await openClient(s, { migrate: s.databaseUrl === undefined });
      if ((await client.schemaVersion()).mode !== "timescale") {
        throw new RequiresTimescaleError("Showing or applying policies");
      }
      if (o.apply) {
        await client.timescale.setRetention("bars", o.barsRetentionDays);
        await client.timescale.setRetention("option_snapshots", o.optionsRetentionDays);
        await client.timescale.setColumnstore(o.compressAfterDays);
      }
      const rows = await client.timescale.policies();
      printRows(io, rows.map((r) => ({ ...r })), s.json);
    }));

  program.command("refresh-aggregate <aggregate>").description(
    "refresh a continuous aggregate (bars_5m, bars_1h, bars_1d) over a window",
  )
    .requiredOption("--start <time>", "window start, ISO 8601 with zone")
    .requiredOption("--end <time>", "window end, ISO 8601 with zone")
    .action(withClient(async (s, cmd, aggregate) => {
      const o = cmd.opts<{ start: string; end: string }>();
      if (!isAggregate(aggregate)) {
        throw new UsageError(
          `<aggregate> must be bars_5m, bars_1h or bars_1d (got "${aggregate}")`,
        );
      }
      const start = parseInstant(o.start, "--start"), end = parseInstant(o.end, "--end");
      await using client = await openClient(s, { migrate: s.databaseUrl === undefined });
      if ((await client.schemaVersion()).mode !== "timescale") {
        throw new RequiresTimescaleError("Refreshing an aggregate");
      }
      const done = await client.timescale.refreshAggregate(aggregate, { start, end });
      printObject(io, {
        aggregate: done.aggregate,
        start: done.start,
        end: done.end,
        materialized_buckets: done.materializedBuckets,
        source_bars: done.sourceBars,
        retries: done.retries,
        seconds: done.seconds,
      }, s.json);
    }));

  program.command("seed").description(
    `load a small realistic demo dataset (tenant defaults to ${DEMO_TENANT})`,
  )
    .addOption(
      new Option("--days <n>", "trading days of 1-minute bars").argParser(int("--days", 1, 250))
        .default(2),
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

  const deps = { io, withClient, setExit };
  jobCommands(program, deps);
  seriesCommands(program, deps);

  return program;
}

/** Maps an error to an exit code and prints it on stderr. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" || err.code === "commander.version" ||
      err.code === "commander.help"
    ) return EXIT.ok;
    return EXIT.usage; // commander already printed the message
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    io.err(`mds: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ValidationError && err.kind === "argument") {
    io.err(`mds: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof MdsError) {
    io.err(`mds: ${err.message} [${err.code}${err.sqlState ? ` ${err.sqlState}` : ""}]\n`);
    return EXIT.failure;
  }
  io.err(`mds: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}

/**
 * Runs `mds` with `argv` (without the program name) and returns its exit code: 0 success,
 * 1 failure, 2 usage, 3 ingest finished with rejected lines, 130 interrupted.
 */
export async function runCli(argv: readonly string[], host: Host): Promise<number> {
  let code: number = EXIT.ok;
  try {
    const program = buildProgram(host, (c) => (code = c));
    if (argv.length === 0) {
      host.io.out(program.helpInformation());
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    return reportError(host.io, err);
  }
}
