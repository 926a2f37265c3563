// The service section of the benchmark: the market-data API's `GET /stocks/{symbol}/price` under
// concurrent keep-alive connections (p50/p99 and requests per second), and the WebSocket fan-out
// of committed bars to many clients on loopback, commit to receive (p50/p99). A scratch
// database on the server; real API keys; the postgres pulse bus.
import { createClient } from "@mds/client";
import { createServiceApp, PostgresPulseBus, StreamHub } from "@mds/service";
import { Registry } from "prom-client";
import { createServerDatabase } from "../testing/backends.ts";
import { percentile } from "./_stats.ts";

/** Latency figures of one measurement. */
export interface LatencyFigures {
  /** Median, milliseconds. */
  p50: number;
  /** 99th percentile, milliseconds. */
  p99: number;
}

/** What {@linkcode benchService} measured. */
export interface ServiceFigures {
  /** `GET /stocks/{symbol}/price`. */
  price: LatencyFigures & { rps: number; requests: number; connections: number };
  /** WebSocket fan-out, commit to receive, over every client and message. */
  fanout: LatencyFigures & { clients: number; messages: number; received: number };
}

/** Options of {@linkcode benchService}. */
export interface ServiceBenchOptions {
  /** A server URL; a scratch database is created there and dropped after. */
  baseUrl: string;
  /** Concurrent HTTP connections. */
  connections: number;
  /** HTTP requests in all. */
  requests: number;
  /** WebSocket clients. */
  clients: number;
  /** Bars written (one transaction each) while the clients listen. */
  messages: number;
  /** Progress lines. */
  log: (line: string) => void;
}

const SYMBOLS = 100;

/** Runs the service section. */
export async function benchService(o: ServiceBenchOptions): Promise<ServiceFigures> {
  const db = await createServerDatabase(o.baseUrl);
  try {
    await using client = await createClient({ url: db.url, migrate: true, pool: { max: 16 } });
    await using writer = await createClient({ url: db.url, pool: { max: 2 } });
    const tenant = crypto.randomUUID();
    const { key } = await client.apiKeys.create(tenant, { name: "bench" });
    const bars = Array.from({ length: SYMBOLS }, (_, i) => ({
      ts: "2024-07-01T13:30:00Z",
      vendor: "bench",
      symbol: `S${i}`,
      timeframe: "1m" as const,
      open: 100,
      high: 100 + i + 1,
      low: 99,
      close: 100 + i,
    }));
    await client.tenant(tenant).upsertBars(bars);
    const registry = new Registry();
    await using bus = new PostgresPulseBus(client, { registry });
    await bus.start();
    const hub = new StreamHub({ heartbeatMs: 0, metrics: registry, maxBufferedBytes: 8 << 20 });
    const app = createServiceApp({ client, hub, events: bus, metrics: registry });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      // HTTP: `connections` loops, each keeping its connection alive
      o.log(`service: ${o.requests} price requests over ${o.connections} connections`);
      const latencies: number[] = [];
      const per = Math.ceil(o.requests / o.connections);
      const headers = { authorization: `Bearer ${key}` };
      // warm-up: the key lookup, the statement cache, the connections
      for (let i = 0; i < 20; i++) {
        await (await fetch(`${base}/stocks/S1/price`, { headers })).body?.cancel();
      }
      const started = performance.now();
      await Promise.all(Array.from({ length: o.connections }, async (_, c) => {
        for (let i = 0; i < per; i++) {
          const t0 = performance.now();
          const res = await fetch(`${base}/stocks/S${(c * per + i) % SYMBOLS}/price`, { headers });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`price answered ${res.status}`);
          latencies.push(performance.now() - t0);
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      const price = {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        rps: latencies.length / seconds,
        requests: latencies.length,
        connections: o.connections,
      };

      // WebSocket fan-out: every client follows stock:S0; each bar is its own commit
      o.log(`service: ${o.messages} bars fanned out to ${o.clients} WebSocket clients`);
      const lags: number[] = [];
      const sockets: WebSocket[] = [];
      const url = `ws://127.0.0.1:${server.addr.port}/ws/S0`;
      for (let i = 0; i < o.clients; i += 100) {
        await Promise.all(
          Array.from(
            { length: Math.min(100, o.clients - i) },
            () =>
              new Promise<void>((resolve, reject) => {
                const ws = new WebSocket(url, ["mds.v1", `bearer.${key}`]);
                ws.onopen = () => resolve();
                ws.onerror = () => reject(new Error("WebSocket connect failed"));
                ws.onmessage = (e) => {
                  const m = JSON.parse(e.data);
                  if (m.type === "bars") lags.push(Date.now() - m.committed_at);
                };
                sockets.push(ws);
              }),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < o.messages; i++) {
        await writer.tenant(tenant).upsertBars([{
          ...bars[0]!,
          ts: new Date(Date.UTC(2024, 6, 1, 14) + i * 60_000).toISOString(),
        }]);
        await new Promise((r) => setTimeout(r, 20));
      }
      const expected = o.clients * o.messages;
      for (let i = 0; i < 500 && lags.length < expected; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      for (const ws of sockets) ws.close();
      return {
        price,
        fanout: {
          p50: percentile(lags, 50),
          p99: percentile(lags, 99),
          clients: o.clients,
          messages: o.messages,
          received: lags.length,
        },
      };
    } finally {
      app.close();
      hub.close();
      await server.shutdown();
    }
  } finally {
    await db.drop();
  }
}
