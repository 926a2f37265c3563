/**
 * The mds service: the market-data API (port 8001) and the collector, in one process or apart.
 *
 * ```sh
 * deno run -A service/main.ts                   # both roles
 * deno run -A service/main.ts --role api        # the HTTP/WebSocket API only
 * deno run -A service/main.ts --role collector  # the collector only (with /health and /metrics)
 * ```
 *
 * Settings come from the environment: `MDS_ROLE` (`api`, `collector` or `both`, the default;
 * `--role` wins), `MDS_DATABASE_URL` (alias `MDS_DSN`; without it the embedded store in
 * `MDS_DATA_DIR`, default `./.mds`, `MDS_LOCK_WAIT`, `MDS_MIN_FREE_MB`), `MDS_SERVICE_HOST`
 * (default `0.0.0.0`) and `MDS_SERVICE_PORT` (default 8001; `off` for none). The collector:
 * `MDS_TENANT_ID` (required) and `MDS_COLLECTOR_CONFIG` (a JSON file; without it the defaults:
 * Yahoo, then Finnhub when `FINNHUB_API_KEY` is set). The API: `ADMIN_TOKEN` for the ops
 * routes, `PULSE_ENABLED` and `EVENT_BUS_BACKEND` (`postgres` hears every writer of a server
 * store; `inmem` only this process's). Logs are JSON lines on stdout. SIGTERM or SIGINT: stop
 * claiming, let running jobs finish within `workers.graceSeconds`, close the API, exit 0.
 * SIGHUP: reload the configuration file; a refused one is logged and the running one stays.
 * With a server database the process waits for it at startup up to `--wait-for-db <seconds>` or
 * `MDS_WAIT_FOR_DB` (default 30), logging each attempt (`database_not_ready`); then it runs
 * degraded (`/health` answers 503) and recovers without a restart once the database answers.
 *
 * @module
 */
import { type Logger, waitForDatabase, waitForDbSetting } from "@mds/admin";
import { createClient, redact, storeOptionsFromEnv } from "@mds/client";
import { createFredSource, FRED_ENV_VARS, ProviderRegistry } from "@mds/providers";
import { parseTenantId } from "@mds/sql";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { createServiceApp } from "./app.ts";
import { Collector, type CollectorEvent } from "./collector.ts";
import { type CollectorConfig, defaultCollectorConfig, loadCollectorConfig } from "./config.ts";
import { InmemPulseBus, PostgresPulseBus, type PulseBus } from "./pulse_bus.ts";
import { pulseSettingsFromEnv } from "./pulse_settings.ts";
import { type CollectorSignal, superviseCollector } from "./supervise.ts";
import { StreamHub } from "./ws_hub.ts";

/** The roles a service process plays. */
export type ServiceRole = "api" | "collector" | "both";

function logLine(event: CollectorEvent): void {
  console.log(JSON.stringify({ ts: new Date().toISOString(), ...event }));
}

function port(env: Record<string, string | undefined>): number | null {
  const raw = env.MDS_SERVICE_PORT?.trim() || "8001";
  if (raw === "off") return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new Error(`MDS_SERVICE_PORT is "${raw}": expected a port 0-65535 or "off"`);
  }
  return n;
}

function roleOf(args: readonly string[], env: Record<string, string | undefined>): ServiceRole {
  const i = args.indexOf("--role");
  const raw = i >= 0 ? args[i + 1] : env.MDS_ROLE?.trim() || "both";
  if (raw !== "api" && raw !== "collector" && raw !== "both") {
    throw new Error(`The role is "${raw}": expected api, collector or both (--role, MDS_ROLE)`);
  }
  return raw;
}

/** Starts a pulse bus whose database was down at startup: retries every 5 s until it listens. */
async function startWhenReachable(bus: PulseBus, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      await bus.start();
      logLine({ event: "pulse_bus_started", attempt });
      return;
    } catch (e) {
      logLine({
        event: "pulse_bus_start_failed",
        attempt,
        code: (e as { code?: unknown }).code ?? "MDS_INTERNAL",
        error: e instanceof Error ? e.message : String(e),
      });
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, 5_000);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

const onSignal = (sig: CollectorSignal, fn: () => void) => {
  if (Deno.build.os === "windows" && sig !== "SIGINT") return () => {};
  Deno.addSignalListener(sig, fn);
  return () => Deno.removeSignalListener(sig, fn);
};

/**
 * Runs the service until SIGTERM or SIGINT.
 *
 * @param env The environment.
 * @param args The arguments (`--role`).
 * @returns The exit code.
 */
export async function main(
  env: Record<string, string | undefined>,
  args: readonly string[] = [],
): Promise<number> {
  const role = roleOf(args, env);
  const collecting = role !== "api";
  const tenantRaw = env.MDS_TENANT_ID ?? env.MDS_TENANT;
  if (collecting && !tenantRaw) {
    logLine({ event: "failed", code: "MDS_CONFIG", error: "MDS_TENANT_ID is not set" });
    return 1;
  }
  const tenant = tenantRaw ? parseTenantId(tenantRaw, "MDS_TENANT_ID") : undefined;
  const configPath = env.MDS_COLLECTOR_CONFIG?.trim() || undefined;
  const config = configPath === undefined
    ? defaultCollectorConfig(env)
    : await loadCollectorConfig(configPath, env);
  const listen = port(env);
  const pulse = pulseSettingsFromEnv(env);
  const registry = new Registry();
  const inmem = role !== "collector" && pulse.backend === "inmem"
    ? new InmemPulseBus({ registry, log: (event, f) => logLine({ event, ...f }) })
    : undefined;
  const waitSeconds = waitForDbSetting(args, env).seconds;
  const store = storeOptionsFromEnv(env);
  await using client = await createClient({
    ...store,
    ...(tenant ? { tenant } : {}),
    ...(inmem ? { onPulse: (events) => inmem.publish(events) } : {}),
  });
  // A server database may not be up yet: wait a bounded time, then run degraded rather than
  // exit (and be restarted in a loop); the pool reconnects when it comes up.
  const dbLogger: Logger = {
    log: (level, msg, fields) => logLine({ event: msg.replaceAll(" ", "_"), level, ...fields }),
  };
  const dbReady = store.url === undefined ||
    await waitForDatabase(client, {
      seconds: waitSeconds,
      store: redact(store.url),
      logger: dbLogger,
    });
  const stopping = new AbortController();
  const collector = collecting
    ? new Collector({ client, tenant: tenant!, config, env, metrics: registry, log: logLine })
    : undefined;
  let current: CollectorConfig = config;
  const reload = configPath === undefined ? undefined : async () => {
    const next = await loadCollectorConfig(configPath, env);
    collector?.reload(next);
    current = next;
    return next;
  };

  let server: Deno.HttpServer | undefined;
  let bus: PulseBus | undefined;
  let hub: StreamHub | undefined;
  let closeApp = () => {};
  if (listen !== null) {
    let fetch: (req: Request) => Response | Promise<Response>;
    if (role === "collector") {
      const app = new Hono();
      app.get("/health", async (c) => {
        const ok = await client.health().then(() => true, () => false);
        return c.json({
          status: ok ? "ok" : "degraded",
          service: "mds-collector",
          tenant,
          providers: collector!.registry.status(),
        }, ok ? 200 : 503);
      });
      app.get(
        "/metrics",
        async (c) =>
          c.body(await registry.metrics(), 200, { "content-type": registry.contentType }),
      );
      fetch = app.fetch;
    } else {
      hub = new StreamHub({ metrics: registry });
      bus = pulse.backend === "postgres"
        ? new PostgresPulseBus(client, { registry, log: (event, f) => logLine({ event, ...f }) })
        : inmem;
      if (bus !== undefined) {
        if (dbReady || pulse.backend !== "postgres") await bus.start();
        else void startWhenReachable(bus, stopping.signal);
      }
      const opsRegistry = collector?.registry ??
        new ProviderRegistry(config.providers, { env, metrics: registry });
      const app = createServiceApp({
        client,
        adminToken: env.ADMIN_TOKEN?.trim() || undefined,
        hub,
        events: bus,
        metrics: registry,
        ops: { registry: opsRegistry, config: () => current, reload, env },
        // POST /admin/macro/refresh: FRED_API_KEY, MDS_FRED_BASE_URL
        fred: env[FRED_ENV_VARS.apiKey]?.trim()
          ? createFredSource({
            apiKey: env[FRED_ENV_VARS.apiKey]!,
            baseUrl: env[FRED_ENV_VARS.baseUrl]?.trim() || undefined,
          })
          : undefined,
        log: (event, fields) => logLine({ event, ...fields }),
        health: () => ({
          role,
          ...(tenant ? { tenant } : {}),
          providers: opsRegistry.status(),
        }),
      });
      closeApp = () => app.close();
      fetch = app.fetch;
    }
    server = Deno.serve({
      hostname: env.MDS_SERVICE_HOST?.trim() || "0.0.0.0",
      port: listen,
      onListen: ({ hostname, port }) => logLine({ event: "listening", hostname, port, role }),
    }, fetch);
  }
  logLine({
    event: "started",
    role,
    ...(tenant ? { tenant } : {}),
    config: configPath ?? "defaults",
    pulse: pulse.enabled ? pulse.backend : "off",
  });
  try {
    if (collector !== undefined) {
      await superviseCollector({ collector, onSignal, reload, log: logLine });
    } else {
      await new Promise<void>((resolve) => {
        const offs: (() => void)[] = [];
        const stop = (signal: string) => () => {
          logLine({ event: "signal", signal });
          for (const off of offs) off();
          resolve();
        };
        offs.push(onSignal("SIGTERM", stop("SIGTERM")), onSignal("SIGINT", stop("SIGINT")));
        offs.push(onSignal("SIGHUP", () => {
          if (reload === undefined) return;
          reload().then(
            () => logLine({ event: "config_reloaded" }),
            (e) =>
              logLine({
                event: "reload_refused",
                error: e instanceof Error ? e.message : String(e),
                issues: (e as { issues?: unknown }).issues,
              }),
          );
        }));
      });
    }
  } finally {
    stopping.abort();
    closeApp();
    hub?.close();
    await server?.shutdown();
    await bus?.close();
  }
  logLine({ event: "stopped", role });
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.env.toObject(), Deno.args));
  } catch (e) {
    logLine({
      event: "failed",
      code: (e as { code?: unknown }).code ?? "MDS_INTERNAL",
      error: e instanceof Error ? e.message : String(e),
    });
    Deno.exit(1);
  }
}
