// service/main.ts as a process: it collects from a fake market, serves /health and /metrics
// (promtool-clean), keeps its configuration when a SIGHUP brings a broken file, and exits 0 on
// SIGTERM. The embedded store in a temporary directory; every server on 127.0.0.1.
import { createClient } from "@mds/client";
import { assert, assertEquals } from "../testing/assert.ts";
import { ROOT } from "../testing/cli.ts";
import { marketEnd, symbols } from "../testing/collector_setup.ts";
import { startFakeMarket } from "../testing/fake_market.ts";
import { hasPromtool, promtool } from "../testing/promtool.ts";
import { newTenant } from "../testing/backends.ts";

const MAIN = `${ROOT}/service/main.ts`;

/** Reads JSON log lines from a stream, handing each to `seen`. */
async function follow(
  stream: ReadableStream<Uint8Array>,
  seen: (line: Record<string, unknown>) => void,
) {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        seen(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  }
}

Deno.test("service/main.ts collects, serves /health and /metrics, survives a bad SIGHUP, stops on SIGTERM", async () => {
  const end = marketEnd();
  await using market = startFakeMarket({ end, days: 5 });
  const dir = await Deno.makeTempDir({ prefix: "mds-service-" });
  const tenant = newTenant();
  const start = new Date(end.getTime() - 4 * 86_400_000);
  {
    await using client = await createClient({ dataDir: `${dir}/store` });
    await client.tenant(tenant).universe.add(
      symbols(3).map((symbol) => ({
        symbol,
        tier: "T1",
        timeframes: ["1d"],
        history_start: start,
      })),
    );
  }
  const configFile = `${dir}/collector.json`;
  const config = {
    providers: {
      providers: [{ name: "yahoo", requestsPerMinute: 60_000, burst: 100 }],
      routing: { bars: ["yahoo"] },
    },
    workers: { count: 2, pollSeconds: 0.05 },
    sweep: { everySeconds: 1 },
  };
  await Deno.writeTextFile(configFile, JSON.stringify(config));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      MDS_DATA_DIR: `${dir}/store`,
      MDS_TENANT_ID: tenant,
      MDS_COLLECTOR_CONFIG: configFile,
      MDS_SERVICE_HOST: "127.0.0.1",
      MDS_SERVICE_PORT: "0",
      MDS_YAHOO_BASE_URL: market.yahooBaseUrl,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const events: Record<string, unknown>[] = [];
  const logs = follow(child.stdout, (e) => events.push(e));
  const stderr = new Response(child.stderr).text();
  const waitFor = async (pred: (e: Record<string, unknown>) => boolean, what: string) => {
    for (let i = 0; i < 600; i++) {
      const e = events.find(pred);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`never logged ${what}: ${JSON.stringify(events)}`);
  };
  try {
    const listening = await waitFor((e) => e.event === "listening", "listening");
    const base = `http://127.0.0.1:${listening.port}`;
    // the three daily series are fetched by the running collector
    for (let i = 0; i < 600; i++) {
      const text = await (await fetch(`${base}/metrics`)).text();
      if (
        /mds_jobs_processed_total\{type="bars_fetch",provider="yahoo",outcome="done"\} 3/.test(text)
      ) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert(
      /mds_jobs_processed_total\{type="bars_fetch",provider="yahoo",outcome="done"\} 3/.test(
        metrics,
      ),
      metrics,
    );
    assert(/mds_provider_selected_total\{capability="bars",provider="yahoo"\} 3/.test(metrics));
    if (hasPromtool()) {
      const lint = await promtool(metrics);
      assertEquals(
        [lint.code, lint.output.trim()],
        [0, ""],
        "promtool on the collector's exposition",
      );
    }
    const health = await (await fetch(`${base}/health`)).json();
    assertEquals([health.status, health.tenant, health.providers[0].provider], [
      "ok",
      tenant,
      "yahoo",
    ]);

    await Deno.writeTextFile(configFile, JSON.stringify({ ...config, workers: { count: 0 } }));
    child.kill("SIGHUP");
    const refused = await waitFor((e) => e.event === "reload_refused", "reload_refused");
    assert(/workers\.count/.test(String(refused.error)), String(refused.error));
    assertEquals(
      (await fetch(`${base}/health`)).status,
      200,
      "still serving on the old configuration",
    );

    child.kill("SIGTERM");
    const status = await child.status;
    await logs;
    assertEquals(status.code, 0, await stderr);
    assert(events.some((e) => e.event === "stopped"));
    // the store holds the market's daily bars (the lock was released on exit)
    await using client = await createClient({ dataDir: `${dir}/store` });
    for (const symbol of symbols(3)) {
      const bars = await client.tenant(tenant).barsWindow({ symbol, timeframe: "1d", start, end });
      assertEquals(bars.length, market.bars(symbol, "1d", start, end).length);
      assert(bars.length >= 2);
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
});
