import type { MdsClient } from "@mds/client";
import type { MetricsRegistry, ProviderRegistry } from "@mds/providers";
import { Hono } from "hono";
import { matchedRoutes } from "hono/route";
import {
  adminAuth,
  apiErrorResponse,
  ApiHttpError,
  keyAuth,
  type KeyScope,
  WS_KEY_PROTOCOL_PREFIX,
  WS_PROTOCOL,
} from "./_api_http.ts";
import { coverageRoutes } from "./_routes_coverage.ts";
import { marketRoutes } from "./_routes_market.ts";
import { macroRoutes } from "./_routes_macro.ts";
import { optionsRoutes } from "./_routes_options.ts";
import type { FredSource } from "@mds/providers";
import { opsRoutes } from "./_routes_ops.ts";
import type { CollectorConfig } from "./config.ts";
import { HttpMetrics } from "./metrics.ts";

/** A socket as the hub sees it. */
export interface LiveSocket {
  /** Sends one text message. */
  send(data: string): void;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes queued but not yet sent. */
  readonly bufferedAmount?: number;
}

/** Fans live messages out to sockets, per tenant and stream, with replay (a `StreamHub`). */
export interface LiveHub {
  /**
   * Publishes a message on a tenant's stream.
   *
   * @returns Its sequence number.
   */
  publish(
    tenant: string,
    stream: string,
    message: { type: string; [k: string]: unknown },
    committedAt?: number,
  ): number;
  /** Attaches a socket to a tenant's stream, replaying after `since`. */
  attach(
    socket: LiveSocket,
    subscription: { tenant: string; stream: string; since?: number },
  ): { detach(): void };
}

/** One committed write's event (a `PulseEvent` of `@mds/sql`). */
export interface LiveEvent {
  /** Tenant. */
  tenant: string;
  /** `bars`, `quotes` or `options`. */
  stream: string;
  /** Ticker. */
  symbol: string;
  /** The rows. */
  rows: Record<string, unknown>[];
  /** The writer's commit time, epoch milliseconds. */
  at: number;
}

/** Where committed writes' events come from (a `PulseBus`). */
export interface LiveEvents {
  /**
   * Calls `fn` for each event.
   *
   * @returns The unsubscribe.
   */
  subscribe(fn: (event: LiveEvent) => void): () => void;
}

/** The route table entry of {@linkcode ServiceApp.routes}. */
export interface ServiceRoute {
  /** HTTP method (`GET` for WebSocket upgrades). */
  method: string;
  /** Path pattern, e.g. `/stocks/:symbol/price`. */
  path: string;
  /**
   * Who may call it: an API key (tenant-scoped), the admin token, either (`key_or_admin`: a
   * key reads its own tenant, the admin token names one), or anyone.
   */
  auth: "key" | "admin" | "key_or_admin" | "public";
}

/** What {@linkcode createServiceApp} returns. */
export interface ServiceApp {
  /** Answers one request (serve it with `Deno.serve`). */
  fetch(request: Request): Response | Promise<Response>;
  /** Answers a request built from a path, for tests. */
  request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response>;
  /** Every route with its authentication, so tests can prove each one is scoped. */
  readonly routes: readonly ServiceRoute[];
  /** Stops forwarding events. */
  close(): void;
}

/** Options of {@linkcode createServiceApp}. */
export interface ServiceAppOptions {
  /** The store; the app never closes it. */
  client: MdsClient;
  /**
   * Verifies an API key: its tenant and rights, or `null` for an unknown or revoked one.
   * @default {the store's API keys: `client.apiKeys.verify`}
   */
  verifyKey?: ((key: string) => Promise<KeyScope | null>) | undefined;
  /** The token of the ops routes; without it they answer 503. */
  adminToken?: string | undefined;
  /** The live hub WebSocket clients attach to; without it `/ws/*` answers 503. */
  hub?: LiveHub | undefined;
  /** Committed writes' events, forwarded to the hub. */
  events?: LiveEvents | undefined;
  /** Providers and configuration for the ops and stats routes; without them those answer 503. */
  ops?: {
    registry: ProviderRegistry;
    config(): CollectorConfig;
    reload?: (() => Promise<CollectorConfig>) | undefined;
    env?: Readonly<Record<string, string | undefined>> | undefined;
  } | undefined;
  /** What `GET /metrics` exposes. */
  metrics?: MetricsRegistry | undefined;
  /** Log lines. @default {none} */
  log?: ((event: string, fields: Record<string, unknown>) => void) | undefined;
  /**
   * How long a verified key is trusted without asking the store again, in seconds: a revoked
   * key stops working within this time. 0 asks the store on every request. @default {10}
   */
  keyCacheSeconds?: number | undefined;
  /** The FRED adapter of `POST /admin/macro/refresh`; without it that route answers 503. */
  fred?: FredSource | undefined;
  /** More fields of `GET /health`, e.g. the collector's tenant and providers. */
  health?: (() => Record<string, unknown>) | undefined;
}

type Env = { Variables: { scope: KeyScope } };

const SYMBOL = /^[A-Za-z0-9.\-^=_]{1,32}$/;

/** The hub stream of a pulse event: a symbol's bars and quotes share `stock:SYM`. */
export function streamOf(event: { stream: string; symbol: string }): string {
  return `${event.stream === "options" ? "options" : "stock"}:${event.symbol.toUpperCase()}`;
}

/**
 * The market-data API as one Hono app: reads in the scope of the caller's API key
 * (`Authorization: Bearer <key>`), the original service's ops routes behind the admin token,
 * and live updates over WebSocket (`/ws/{symbol}`, `/ws/options/{symbol}`, `/ws/replay`) with
 * sequence numbers and replay. A WebSocket client that cannot set headers (a browser) offers
 * its key as the subprotocol `bearer.<key>` next to `mds.v1`, which the server selects; keys
 * never travel in URLs.
 *
 * @example A key's price, another key's nothing
 * ```ts
 * import { createClient } from "@mds/client";
 * import { createServiceApp } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const tenant = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0d4";
 * await client.tenant(tenant).upsertBars([{ ts: "2024-07-01T00:00:00Z", vendor: "yahoo",
 *   symbol: "AAPL", timeframe: "1d", open: 212, high: 217, low: 211, close: 216.75 }]);
 * const app = createServiceApp({
 *   client,
 *   verifyKey: (key) => Promise.resolve(key === "k1" ? { id: "1", tenant, readOnly: true } : null),
 * });
 * const res = await app.request("/stocks/aapl/price", { headers: { authorization: "Bearer k1" } });
 * assert.equal((await res.json()).price, 216.75);
 * assert.equal((await app.request("/stocks/AAPL/price")).status, 401);
 * ```
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const { client } = options;
  const log = options.log ?? (() => {});
  const verify = options.verifyKey ??
    ((key: string) => {
      const keys =
        (client as unknown as { apiKeys?: { verify(k: string): Promise<KeyScope | null> } })
          .apiKeys;
      if (keys === undefined) throw new ApiHttpError(503, "MDS_NOT_CONFIGURED", "No API keys");
      return keys.verify(key);
    });
  const cacheMs = (options.keyCacheSeconds ?? 10) * 1000;
  if (!(cacheMs >= 0 && cacheMs <= 3_600_000)) {
    throw new RangeError(`Invalid option: "keyCacheSeconds" is ${options.keyCacheSeconds}`);
  }
  const verified = new Map<string, { scope: KeyScope | null; until: number }>();
  const verifyCached = cacheMs === 0 ? verify : async (key: string) => {
    const now = Date.now();
    const hit = verified.get(key);
    if (hit !== undefined && hit.until > now) return hit.scope;
    const scope = await verify(key);
    // unknown keys are not remembered: a flood of made-up keys must not fill the cache
    if (scope !== null) {
      if (verified.size >= 10_000) verified.clear();
      verified.set(key, { scope, until: now + cacheMs });
    } else verified.delete(key);
    return scope;
  };
  const app = new Hono<Env>();
  const auth = new Map<string, ServiceRoute["auth"]>();
  // mds_http_requests_total / mds_http_request_duration_seconds, as the admin server's: labelled
  // by the route template that answered (never the raw path), `unmatched` for none.
  const http = options.metrics === undefined ? undefined : new HttpMetrics(options.metrics);
  if (http !== undefined) {
    app.use("*", async (c, next) => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1)?.path ??
          "unmatched";
        http.request(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
      }
    });
  }
  app.onError((err, c) => apiErrorResponse(err, c, log));
  app.notFound((c) => c.json({ error: { code: "MDS_NOT_FOUND", message: "No such route" } }, 404));

  app.get("/health", async (c) => {
    const health = await client.health().then(() => "ok", () => "degraded");
    return c.json(
      { status: health, service: "mds-api", ...options.health?.() },
      health === "ok" ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) => {
    if (options.metrics === undefined) return c.text("", 200);
    return c.body(await options.metrics.metrics(), 200, {
      "content-type": options.metrics.contentType,
    });
  });

  const keyed = keyAuth(verifyCached);
  const admin = adminAuth(options.adminToken);
  for (const prefix of ["/stocks/*", "/options/*", "/ws/*", "/factors/*"]) app.use(prefix, keyed);
  for (const prefix of ["/ops/*", "/admin/*", "/stats/*", "/providers/*"]) app.use(prefix, admin);
  app.use("/stocks/*", async (c, next) => {
    const symbol = c.req.param("symbol") ?? c.req.path.split("/")[2];
    if (symbol !== "batch" && symbol !== undefined && !SYMBOL.test(decodeURIComponent(symbol))) {
      throw new ApiHttpError(400, "MDS_VALIDATION", `Invalid symbol "${symbol}"`);
    }
    await next();
  });

  marketRoutes(app, client);
  macroRoutes(app, client, { fred: options.fred });
  optionsRoutes(app, client);
  coverageRoutes(app, client, { verify: verifyCached, adminToken: options.adminToken });
  if (options.ops !== undefined) {
    opsRoutes(app as unknown as Hono, client, options.ops);
  } else {
    const off = () => {
      throw new ApiHttpError(503, "MDS_NOT_CONFIGURED", "The ops routes are not configured");
    };
    for (const p of ["/ops/*", "/stats/*", "/providers/*", "/admin/*"]) app.all(p, off);
  }

  const live = (
    stream: (
      c: { req: { param(n: string): string | undefined; query(n: string): string | undefined } },
    ) => string,
  ) =>
  (c: import("hono").Context<Env>) => {
    if (options.hub === undefined) {
      throw new ApiHttpError(503, "MDS_NOT_CONFIGURED", "Live updates are not configured");
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiHttpError(426, "MDS_UPGRADE_REQUIRED", "Connect with a WebSocket");
    }
    const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim())
      .filter((p) => p !== "");
    if (
      offered.some((p) => p.startsWith(WS_KEY_PROTOCOL_PREFIX)) && !offered.includes(WS_PROTOCOL)
    ) {
      throw new ApiHttpError(
        400,
        "MDS_VALIDATION",
        `Offer the subprotocol "${WS_PROTOCOL}" beside "${WS_KEY_PROTOCOL_PREFIX}<key>"`,
      );
    }
    const sinceRaw = c.req.query("since");
    const since = sinceRaw === undefined ? undefined : Number(sinceRaw);
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) {
      throw new ApiHttpError(400, "MDS_VALIDATION", '"since" must be a whole number');
    }
    const name = stream(c);
    const tenant = c.get("scope").tenant;
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, {
      ...(offered.length > 0 ? { protocol: WS_PROTOCOL } : {}),
      idleTimeout: 30,
    });
    let handle: { detach(): void } | undefined;
    socket.onopen = () => {
      handle = options.hub!.attach(socket, {
        tenant,
        stream: name,
        ...(since === undefined ? {} : { since }),
      });
    };
    socket.onclose = () => handle?.detach();
    socket.onerror = () => handle?.detach();
    return response;
  };
  const symbolParam = (c: { req: { param(n: string): string | undefined } }) => {
    const s = c.req.param("symbol") ?? "";
    if (!SYMBOL.test(s)) throw new ApiHttpError(400, "MDS_VALIDATION", `Invalid symbol "${s}"`);
    return s.toUpperCase();
  };
  app.get("/ws/options/:symbol", live((c) => `options:${symbolParam(c)}`));
  app.get(
    "/ws/replay",
    live((c) => {
      const s = c.req.query("stream") ?? "";
      if (!/^(stock|options):[A-Za-z0-9.\-^=_]{1,32}$/.test(s)) {
        throw new ApiHttpError(
          400,
          "MDS_VALIDATION",
          '"stream" must be stock:<symbol> or options:<symbol>',
        );
      }
      const [kind, sym] = s.split(":") as [string, string];
      return `${kind}:${sym.toUpperCase()}`;
    }),
  );
  app.get("/ws/:symbol", live((c) => `stock:${symbolParam(c)}`));

  const unsubscribe = options.events?.subscribe((e) => {
    options.hub?.publish(e.tenant, streamOf(e), {
      type: e.stream === "bars" ? "bars" : e.stream === "quotes" ? "quote" : "options",
      symbol: e.symbol,
      rows: e.rows,
      // the writer's commit time, epoch milliseconds: clients can measure their lag
      committed_at: e.at,
    }, e.at);
  });

  for (const r of app.routes) {
    const path = r.path;
    const kind: ServiceRoute["auth"] = /^\/(stocks|options|ws|factors)\//.test(path)
      ? "key"
      : path === "/coverage"
      ? "key_or_admin"
      : /^\/(ops|admin|stats|providers)\//.test(path)
      ? "admin"
      : "public";
    if (r.method === "ALL" && (path.endsWith("*") || kind === "public")) continue;
    auth.set(`${r.method} ${path}`, kind);
  }
  const routes = [...auth].map(([k, a]) => {
    const [method, path] = k.split(" ") as [string, string];
    return { method, path, auth: a };
  });
  return {
    fetch: (request) => app.fetch(request),
    request: (input, init) => app.request(input, init),
    routes,
    close: () => unsubscribe?.(),
  };
}
