/**
 * The mds admin server.
 *
 * ```sh
 * deno run -A admin/main.ts                # serve on $HOST:$PORT (default 0.0.0.0:8082)
 * deno run -A admin/main.ts --migrate      # apply pending migrations, then exit
 * deno run -A admin/main.ts --healthcheck  # exit 0 when GET /health on $PORT answers 200
 * deno run -A admin/main.ts --export-schema > v1.json  # the live catalog, to publish as a track
 * deno run -A admin/main.ts --wait-for-db 60           # serve; wait up to 60 s for the database
 * ```
 *
 * Settings come from the environment: `PORT`, `HOST`, `MDS_DATABASE_URL` (aliases `MDS_DSN`, `DATABASE_URL`;
 * without it the embedded store in `MDS_DATA_DIR`, default `./.mds`, which one process at a
 * time may open: `MDS_LOCK_WAIT` waits for it; `MDS_MIN_FREE_MB` is its free-disk floor), `ADMIN_TOKEN`,
 * `MDS_TIMESCALE`, `MDS_LOG_LEVEL`, `MDS_VERSION`, `PULSE_ENABLED` (default `true`: writes through
 * the server notify the pulse), `MDS_WAIT_FOR_DB` (seconds the server waits for a server database
 * at startup, default 30, each attempt logged; then it serves degraded and recovers when the
 * database comes up), `REGISTRY_URL`, `REGISTRY_TRACK` (default `v1`) and `REGISTRY_POLL_SECONDS`
 * (default 300: the schema-drift check, see `SchemaRegistryMonitor`). Logs are JSON lines on stdout. On SIGTERM or
 * SIGINT the server stops accepting connections, finishes the requests in flight, closes the
 * store and exits 0.
 *
 * @module
 */
import { createClient, type MdsClient } from "@mds/client";
import { Registry } from "prom-client";
import { describeStore, loadConfig, passwordsOf, type ServerConfig } from "./_config.ts";
import { errorCode } from "./_respond.ts";
import { createAdminApp } from "./app.ts";
import { jsonLogger, type Logger } from "./logger.ts";
import { writeMetrics } from "./write_metrics.ts";
import { readSchemaDocument } from "@mds/client";
import { SchemaRegistryMonitor } from "./schema_registry.ts";
import { waitForDatabase, waitForDbSetting } from "./wait_for_db.ts";
import meta from "./deno.json" with { type: "json" };

/** Longest wait for in-flight requests on shutdown; below Docker's 10 s stop timeout. */
const GRACE_MS = 8_000;

const USAGE =
  "Usage: mds-admin [--migrate | --healthcheck | --export-schema] [--wait-for-db <seconds>]";

async function openClient(
  config: ServerConfig,
  registry: Registry | undefined,
  migrate: boolean | undefined,
): Promise<MdsClient> {
  const common = {
    timescale: config.timescale,
    onWrite: registry ? writeMetrics(registry) : undefined,
    migrate,
    pulse: config.pulse,
  };
  return config.databaseUrl !== undefined
    ? await createClient({ url: config.databaseUrl, ...common })
    : await createClient({
      dataDir: config.dataDir,
      lockWaitMs: config.lockWaitMs,
      minFreeBytes: config.minFreeBytes,
      ...common,
    });
}

async function healthcheck(config: ServerConfig): Promise<number> {
  const host = config.hostname === "0.0.0.0" || config.hostname === ""
    ? "127.0.0.1"
    : config.hostname === "::"
    ? "[::1]"
    : config.hostname.includes(":")
    ? `[${config.hostname}]`
    : config.hostname;
  try {
    const res = await fetch(`http://${host}:${config.port}/health`, {
      signal: AbortSignal.timeout(3_000),
    });
    await res.body?.cancel();
    return res.ok ? 0 : 1;
  } catch {
    return 1;
  }
}

async function migrateOnce(config: ServerConfig, logger: Logger): Promise<number> {
  await using client = await openClient(config, undefined, false);
  const result = await client.migrate();
  logger.log("info", "migrations applied", {
    store: describeStore(config),
    applied: result.applied,
    version: result.version,
    mode: result.mode,
  });
  return 0;
}

async function exportSchema(config: ServerConfig): Promise<number> {
  await using client = await openClient(config, undefined, undefined);
  const doc = await readSchemaDocument(client, { track: config.registryTrack });
  console.log(JSON.stringify(doc, null, 2));
  return 0;
}

async function serve(config: ServerConfig, logger: Logger, waitSeconds: number): Promise<number> {
  const registry = new Registry();
  const client = await openClient(config, registry, undefined);
  // A server database may not be up yet: wait a bounded time, then serve degraded (health says
  // so, readyz answers 503) rather than exit; the pool reconnects once it comes up.
  if (config.databaseUrl !== undefined) {
    await waitForDatabase(client, { seconds: waitSeconds, store: describeStore(config), logger });
  }
  let app;
  let monitor: SchemaRegistryMonitor | undefined;
  try {
    monitor = config.registryUrl === undefined ? undefined : new SchemaRegistryMonitor({
      client,
      url: config.registryUrl,
      track: config.registryTrack,
      pollSeconds: config.registryPollSeconds,
      registry,
      logger,
    });
    app = createAdminApp({
      client,
      registry,
      adminToken: config.adminToken,
      version: config.version,
      logger,
      schemaRegistry: monitor,
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  if (config.adminToken === undefined) {
    logger.log("warn", "ADMIN_TOKEN is not set: the mutating endpoints answer 503");
  }
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      logger.log("info", "listening", {
        hostname,
        port,
        store: describeStore(config),
        version: config.version,
      }),
  }, app.fetch);
  const checks = new AbortController();
  const checking = monitor?.run(checks.signal);

  const { promise: stopped, resolve } = Promise.withResolvers<number>();
  let stopping = false;
  const stop = async (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "shutting down", { signal });
    const timer = setTimeout(() => {
      logger.log("error", "shutdown timed out", { grace_ms: GRACE_MS });
      resolve(1);
    }, GRACE_MS);
    let code = 0;
    try {
      checks.abort();
      await server.shutdown();
      await checking;
      await client.close();
    } catch (err) {
      logger.log("error", "shutdown failed", { code: errorCode(err) });
      code = 1;
    } finally {
      clearTimeout(timer);
    }
    logger.log("info", "stopped", { signal });
    resolve(code);
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGTERM", "SIGINT"];
  for (const signal of signals) Deno.addSignalListener(signal, () => void stop(signal));
  return await stopped;
}

/**
 * Runs the admin server, `--migrate` or `--healthcheck` with settings from the environment.
 *
 * @param argv The command-line arguments.
 * @returns The exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const env = Deno.env.toObject();
  let waitSeconds: number;
  let args: string[];
  try {
    ({ seconds: waitSeconds, rest: args } = waitForDbSetting(argv, env));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  if (
    args.length > 1 ||
    (args[0] !== undefined &&
      !["--migrate", "--healthcheck", "--export-schema", "--help"].includes(args[0]))
  ) {
    console.error(USAGE);
    return 2;
  }
  if (args[0] === "--help") {
    console.log(USAGE);
    return 0;
  }
  let logger: Logger = jsonLogger({
    secrets: [
      env.ADMIN_TOKEN,
      ...passwordsOf(env.MDS_DATABASE_URL),
      ...passwordsOf(env.MDS_DSN),
      ...passwordsOf(env.DATABASE_URL),
    ],
  });
  // An error nothing caught (a driver failing in a callback) ends the process with exit code 1,
  // logged as a JSON line like everything else, so the orchestrator restarts it.
  const fatal = (event: Event, error: unknown) => {
    event.preventDefault();
    logger.log("error", "uncaught error", {
      code: errorCode(error),
      detail: error instanceof Error ? error.message : String(error),
    });
    Deno.exit(1);
  };
  globalThis.addEventListener("error", (e) => fatal(e, e.error));
  globalThis.addEventListener("unhandledrejection", (e) => fatal(e, e.reason));
  try {
    const config = loadConfig(env, meta.version);
    logger = jsonLogger({
      level: config.logLevel,
      secrets: [
        config.adminToken,
        ...passwordsOf(config.databaseUrl),
        ...passwordsOf(config.registryUrl),
      ],
    });
    if (args[0] === "--healthcheck") return await healthcheck(config);
    if (args[0] === "--migrate") return await migrateOnce(config, logger);
    if (args[0] === "--export-schema") return await exportSchema(config);
    return await serve(config, logger, waitSeconds);
  } catch (err) {
    logger.log("error", "failed", {
      code: errorCode(err),
      detail: err instanceof Error ? err.message : String(err),
    });
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
