/**
 * The mds collector as a long-lived process.
 *
 * ```sh
 * MDS_TENANT_ID=<uuid> deno run -A service/main.ts
 * ```
 *
 * Settings come from the environment: `MDS_TENANT_ID` (required), `MDS_COLLECTOR_CONFIG` (a JSON
 * configuration file; without it the defaults: Yahoo, then Finnhub when `FINNHUB_API_KEY` is
 * set), `MDS_DATABASE_URL` (alias `MDS_DSN`; without it the embedded store in `MDS_DATA_DIR`,
 * default `./.mds`, `MDS_LOCK_WAIT`, `MDS_MIN_FREE_MB`), `MDS_SERVICE_HOST` (default `0.0.0.0`)
 * and `MDS_SERVICE_PORT` (default 8001; `off` for none) for `GET /health` and `GET /metrics`.
 * Logs are JSON lines on stdout. SIGTERM or SIGINT: stop claiming, let running jobs finish
 * within `workers.graceSeconds` (else return them to the queue), exit 0. SIGHUP: reload the
 * configuration file; a refused one is logged and the running one stays.
 *
 * @module
 */
import { createClient, storeOptionsFromEnv } from "@mds/client";
import { parseTenantId } from "@mds/sql";
import { Hono } from "hono";
import { Registry } from "prom-client";
import { Collector, type CollectorEvent } from "./collector.ts";
import { defaultCollectorConfig, loadCollectorConfig } from "./config.ts";
import { superviseCollector } from "./supervise.ts";

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

/**
 * Runs the collector until SIGTERM or SIGINT.
 *
 * @param env The environment.
 * @returns The exit code.
 */
export async function main(env: Record<string, string | undefined>): Promise<number> {
  const tenantRaw = env.MDS_TENANT_ID ?? env.MDS_TENANT;
  if (!tenantRaw) {
    logLine({ event: "failed", code: "MDS_CONFIG", error: "MDS_TENANT_ID is not set" });
    return 1;
  }
  const tenant = parseTenantId(tenantRaw, "MDS_TENANT_ID");
  const configPath = env.MDS_COLLECTOR_CONFIG?.trim() || undefined;
  const config = configPath === undefined
    ? defaultCollectorConfig(env)
    : await loadCollectorConfig(configPath, env);
  const listen = port(env);
  await using client = await createClient({ ...storeOptionsFromEnv(env), tenant });
  const registry = new Registry();
  const collector = new Collector({ client, tenant, config, env, metrics: registry, log: logLine });
  let server: Deno.HttpServer | undefined;
  if (listen !== null) {
    const app = new Hono();
    app.get("/health", async (c) => {
      const health = await client.health().catch((e) => ({ ok: false, error: String(e) }));
      return c.json({
        status: (health as { ok?: boolean }).ok === false ? "degraded" : "ok",
        service: "mds-collector",
        tenant,
        providers: collector.registry.status(),
      });
    });
    app.get(
      "/metrics",
      async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }),
    );
    server = Deno.serve({
      hostname: env.MDS_SERVICE_HOST?.trim() || "0.0.0.0",
      port: listen,
      onListen: ({ hostname, port }) => logLine({ event: "listening", hostname, port }),
    }, app.fetch);
  }
  logLine({
    event: "started",
    tenant,
    config: configPath ?? "defaults",
    workers: config.workers.count,
  });
  try {
    await superviseCollector({
      collector,
      onSignal: (sig, fn) => {
        if (Deno.build.os === "windows" && sig !== "SIGINT") return () => {};
        Deno.addSignalListener(sig, fn);
        return () => Deno.removeSignalListener(sig, fn);
      },
      reload: configPath === undefined ? undefined : () => loadCollectorConfig(configPath, env),
      log: logLine,
    });
  } finally {
    await server?.shutdown();
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.env.toObject()));
  } catch (e) {
    logLine({
      event: "failed",
      code: (e as { code?: unknown }).code ?? "MDS_INTERNAL",
      error: e instanceof Error ? e.message : String(e),
    });
    Deno.exit(1);
  }
}
