// The `mds` program: its global options, the settings they make, and the command modules it
// registers, in the order `mds --help` lists them.
import { Command, CommanderError, Option } from "commander";
import {
  ConfigError,
  isWriteMode,
  MdsError,
  parseDsnTenant,
  type RetryPolicy,
  type StoreOptions,
  storeOptionsFromEnv,
  WRITE_MODES,
  type WriteMode,
} from "@mds/client";
import { ValidationError } from "@mds/sql";
import { duration, wholeNumber } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { ingestCommand, seedCommand } from "./_commands_ingest.ts";
import { jobCommands } from "./_commands_jobs.ts";
import { readCommands } from "./_commands_read.ts";
import { historyCommands } from "./_commands_history.ts";
import { seriesCommands } from "./_commands_series.ts";
import { universeCommands } from "./_commands_universe.ts";
import { macroCommands } from "./_commands_macro.ts";
import { optionsCommands } from "./_commands_options.ts";
import { collectCommand } from "./_commands_collect.ts";
import { coverageCommand } from "./_commands_coverage.ts";
import { apiKeyCommands } from "./_commands_api_keys.ts";
import { fetchCommands } from "./_commands_fetch.ts";
import { storeCommands } from "./_commands_store.ts";
import { timescaleCommands } from "./_commands_timescale.ts";
import { enqueueJobCommand, writeCommands } from "./_commands_write.ts";
import { EXIT, UsageError } from "./exit.ts";
import type { Host } from "./host.ts";
import type { GlobalSettings } from "./_open.ts";
import type { Io } from "./output.ts";

/** The global options as commander parses them. */
interface GlobalFlags {
  databaseUrl?: string | undefined;
  dsn?: string;
  dataDir?: string;
  lockWait?: number;
  minFree?: number;
  tenant?: string | undefined;
  tenantId?: string;
  writeMode?: string;
  appRole?: string;
  retries?: number;
  strictTimestamps?: boolean;
  json?: boolean;
}

/**
 * The value of an option given under two spellings (`--database-url` and `--dsn`, `--tenant` and
 * `--tenant-id`): the one given on the command line; both given must agree.
 */
function eitherSpelling(
  cmd: Command,
  o: GlobalFlags,
  main: "databaseUrl" | "tenant",
  alias: "dsn" | "tenantId",
  flags: string,
): string | undefined {
  const aliasValue = o[alias] || undefined;
  if (aliasValue === undefined) return o[main];
  const mainFromCli = cmd.getOptionValueSourceWithGlobals(main) === "cli";
  if (mainFromCli && o[main] && o[main] !== aliasValue) {
    throw new UsageError(`${flags} are the same option: give one value (got two)`);
  }
  return aliasValue;
}

function globals(cmd: Command, host: Host): GlobalSettings {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  const o: GlobalFlags = {
    ...flags,
    databaseUrl: eitherSpelling(cmd, flags, "databaseUrl", "dsn", "--database-url and --dsn"),
    tenant: eitherSpelling(cmd, flags, "tenant", "tenantId", "--tenant and --tenant-id"),
  };
  const writeMode = String(o.writeMode ?? "auto");
  if (!isWriteMode(writeMode)) {
    throw new UsageError(
      `--write-mode must be one of ${WRITE_MODES.join(", ")} (got "${writeMode}")`,
    );
  }
  const role = String(o.appRole ?? "mds_app");
  const retries = Number(o.retries ?? 0);
  const store = storeSettings(o, host.env);
  return {
    store,
    // --tenant (or MDS_TENANT_ID), else the tenant the DSN carries in options=-c app.tenant_id=
    tenant: o.tenant || (store.url !== undefined ? parseDsnTenant(store.url).tenant : undefined),
    writeMode: writeMode as WriteMode,
    appRole: role === "none" ? null : role,
    json: Boolean(o.json),
    retry: retries > 0 ? retryPolicy(retries, host.io) : false,
    // --strict-timestamps, else MDS_STRICT_TIMESTAMPS (read with the store's variables)
    strictTimestamps: Boolean(o.strictTimestamps) || store.strictTimestamps === true,
  };
}

/**
 * Where the store is. `--database-url`, `--data-dir`, `--lock-wait` and `--min-free` each win over
 * their variable, which is then not read; `storeOptionsFromEnv` reads the rest. A URL, from the
 * flag or the environment, wins over any data directory. `MDS_DATABASE_URL` wins over its alias
 * `MDS_DSN` here (documented, and tested in tests/cli_test.ts), where the admin server refuses
 * two different values.
 */
function storeSettings(o: GlobalFlags, env: Host["env"]): StoreOptions {
  const flagUrl = o.databaseUrl || undefined;
  const unless = (overridden: boolean, name: string) => overridden ? undefined : env(name);
  const fromEnv = storeOptionsFromEnv({
    MDS_DATABASE_URL: unless(flagUrl !== undefined, "MDS_DATABASE_URL"),
    MDS_DSN: unless(
      flagUrl !== undefined || Boolean(env("MDS_DATABASE_URL")?.trim()),
      "MDS_DSN",
    ),
    MDS_DATA_DIR: unless(o.dataDir !== undefined, "MDS_DATA_DIR"),
    MDS_LOCK_WAIT: unless(o.lockWait !== undefined, "MDS_LOCK_WAIT"),
    MDS_MIN_FREE_MB: unless(o.minFree !== undefined, "MDS_MIN_FREE_MB"),
    PULSE_ENABLED: env("PULSE_ENABLED"),
    MDS_OPTIONS_RATE: env("MDS_OPTIONS_RATE"),
    MDS_STRICT_TIMESTAMPS: env("MDS_STRICT_TIMESTAMPS"),
  });
  // the client settings read from the environment whatever the store: PULSE_ENABLED (writes
  // publish unless false), MDS_OPTIONS_RATE (option greeks), MDS_STRICT_TIMESTAMPS
  const settings = {
    ...(fromEnv.pulse !== undefined ? { pulse: fromEnv.pulse } : {}),
    ...(fromEnv.optionsRate !== undefined ? { optionsRate: fromEnv.optionsRate } : {}),
    ...(fromEnv.strictTimestamps !== undefined
      ? { strictTimestamps: fromEnv.strictTimestamps }
      : {}),
  };
  const url = flagUrl ?? fromEnv.url;
  if (url !== undefined) return { url, ...settings };
  return {
    dataDir: o.dataDir ?? fromEnv.dataDir,
    lockWaitMs: o.lockWait !== undefined ? Math.round(o.lockWait * 1000) : fromEnv.lockWaitMs,
    minFreeBytes: o.minFree !== undefined ? o.minFree * 2 ** 20 : fromEnv.minFreeBytes,
    ...settings,
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

/** Builds the `mds` command. Actions report their exit code through `setExit`. */
export function buildProgram(host: Host, setExit: (code: number) => void): Command {
  const { io } = host;
  const program = new Command("mds")
    .description(
      "Multi-tenant market-data store on PostgreSQL/TimescaleDB, or embedded (PGlite) without a server.",
    )
    .version("0.1.0")
    // The four store options read their variables through storeOptionsFromEnv (see
    // storeSettings), not commander's .env(), so the help names variables and defaults itself.
    .addOption(
      new Option(
        "--database-url <url>",
        "PostgreSQL/TimescaleDB server; without one, the embedded store (env: MDS_DATABASE_URL, alias MDS_DSN)",
      ),
    )
    .addOption(new Option("--dsn <url>", "alias of --database-url"))
    .addOption(
      new Option(
        "--data-dir <dir>",
        'embedded store directory, migrated on first use (default: "./.mds", env: MDS_DATA_DIR)',
      ),
    )
    .addOption(
      new Option(
        "--lock-wait <duration>",
        "embedded store: wait this long (30s, 5m) while another process has it open; 0 fails at once (default: 0, env: MDS_LOCK_WAIT)",
      ).argParser(duration("--lock-wait")),
    )
    .addOption(
      new Option(
        "--min-free <MiB>",
        "embedded store: write nothing while its disk has less free space than this; 0 turns it off (default: 64, env: MDS_MIN_FREE_MB)",
      ).argParser(wholeNumber("--min-free", 0, 1_048_576)),
    )
    .addOption(new Option("--tenant <uuid>", "tenant for data commands").env("MDS_TENANT_ID"))
    .addOption(new Option("--tenant-id <uuid>", "alias of --tenant"))
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
      ).argParser(wholeNumber("--retries", 0, 99)).env("MDS_RETRIES").default(0),
    )
    .addOption(
      new Option(
        "--strict-timestamps",
        "refuse row timestamps without a zone instead of reading them as UTC (env: MDS_STRICT_TIMESTAMPS)",
      ),
    )
    .addOption(new Option("--json", "one JSON object per line on stdout"))
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(text),
    });

  const deps: CommandDeps = {
    io,
    host,
    setExit,
    withClient: (fn) => async (...args) => {
      const cmd = args[args.length - 1] as Command;
      await fn(globals(cmd, host), cmd, ...args.slice(0, -1));
    },
  };
  storeCommands(program, deps);
  writeCommands(program, deps);
  readCommands(program, deps);
  enqueueJobCommand(program, deps);
  ingestCommand(program, deps);
  timescaleCommands(program, deps);
  seedCommand(program, deps);
  jobCommands(program, deps);
  seriesCommands(program, deps);
  fetchCommands(program, deps);
  universeCommands(program, deps);
  macroCommands(program, deps);
  optionsCommands(program, deps);
  collectCommand(program, deps);
  coverageCommand(program, deps);
  apiKeyCommands(program, deps);
  historyCommands(program, deps);
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
 * Runs `mds` with `argv` (without the program name) and returns its exit code instead of exiting:
 * 0 success, 1 failure, 2 usage, 3 ingest finished with rejected lines, 130 interrupted (see
 * {@linkcode EXIT}). Errors are printed on the host's standard error, never thrown.
 *
 * @param argv The arguments, e.g. `Deno.args`.
 * @param host Standard output and error, environment, files and signals: `denoHost()` for the
 * real process.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { EXIT, type Host, runCli } from "@mds/cli";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const host: Host = {
 *   io: { out: () => {}, err: (t) => (err += t), outIsTerminal: false, errIsTerminal: false },
 *   env: () => undefined,
 *   openInput: () => Promise.reject(new Error("no files here")),
 *   openOutput: () => Promise.reject(new Error("no files here")),
 *   onInterrupt: () => () => {},
 *   onSignal: () => () => {},
 * };
 * assert.equal(await runCli(["write-bar", "{}"], host), EXIT.usage);
 * assert.equal(err, "mds: No tenant: pass --tenant or set MDS_TENANT_ID\n");
 * ```
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
