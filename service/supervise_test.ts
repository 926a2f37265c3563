import { createClient } from "@mds/client";
import assert from "node:assert/strict";
import { Collector, type CollectorEvent } from "./collector.ts";
import { CollectorConfigError, parseCollectorConfig } from "./config.ts";
import { type CollectorSignal, superviseCollector } from "./supervise.ts";

const TENANT = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0c3";
const base = {
  providers: {
    providers: [{ name: "yahoo", requestsPerMinute: 600, baseUrl: "http://127.0.0.1:9/yahoo" }],
    routing: { bars: ["yahoo"] },
  },
  workers: { count: 1, pollSeconds: 0.05, graceSeconds: 0.2 },
  sweep: { everySeconds: 3600 },
  tiers: { T0: { quotesEverySeconds: null }, T1: { quotesEverySeconds: null } },
};

function signals() {
  const handlers = new Map<CollectorSignal, Set<() => void>>();
  return {
    onSignal(sig: CollectorSignal, fn: () => void) {
      const set = handlers.get(sig) ?? new Set();
      set.add(fn);
      handlers.set(sig, set);
      return () => set.delete(fn);
    },
    send(sig: CollectorSignal) {
      for (const fn of handlers.get(sig) ?? []) fn();
    },
    count: () => [...handlers.values()].reduce((n, s) => n + s.size, 0),
  };
}

const until = (cond: () => boolean) =>
  (async () => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(cond(), "condition never held");
  })();

Deno.test("SIGHUP reloads the configuration; a refused one keeps the running one; SIGTERM stops", async () => {
  await using client = await createClient({ memory: true });
  const collector = new Collector({ client, tenant: TENANT, config: parseCollectorConfig(base) });
  const sig = signals();
  const events: CollectorEvent[] = [];
  let next: unknown = { ...base, workers: { ...base.workers, maxAttempts: 9 } };
  const run = superviseCollector({
    collector,
    onSignal: sig.onSignal,
    reload: () => Promise.resolve(parseCollectorConfig(next)),
    log: (e) => events.push(e),
  });
  sig.send("SIGHUP");
  await until(() => collector.config.workers.maxAttempts === 9);
  next = { ...base, workers: { count: 0 } };
  sig.send("SIGHUP");
  await until(() => events.some((e) => e.event === "reload_refused"));
  const refused = events.find((e) => e.event === "reload_refused")!;
  assert.match(String(refused.error), /workers\.count/);
  assert.ok(Array.isArray(refused.issues));
  assert.equal(collector.config.workers.maxAttempts, 9, "the running configuration stays");
  assert.throws(() => parseCollectorConfig(next), CollectorConfigError);
  sig.send("SIGTERM");
  await run;
  assert.equal(sig.count(), 0, "signal handlers removed");
});

Deno.test("SIGTERM: a job still running after the grace period returns to the queue without spending its attempt", async () => {
  await using client = await createClient({ memory: true });
  let started = 0;
  // a vendor that never answers, until the call is aborted
  const fetch = (_: unknown, init?: RequestInit) =>
    new Promise<Response>((_, reject) => {
      started++;
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
    });
  const config = parseCollectorConfig({
    ...base,
    providers: {
      ...base.providers,
      providers: [{ ...base.providers.providers[0]!, timeoutMs: 60_000 }],
    },
  });
  const collector = new Collector({ client, tenant: TENANT, config, fetch });
  const jobs = client.tenant(TENANT).jobs;
  await jobs.enqueueJob({
    idempotency_key: "k",
    job_type: "bars_fetch",
    payload: {
      symbols: ["AAPL"],
      timeframe: "1d",
      start: "2024-07-01T00:00:00Z",
      end: "2024-07-10T00:00:00Z",
    },
  });
  const sig = signals();
  const run = superviseCollector({ collector, onSignal: sig.onSignal });
  await until(() => started > 0);
  const t0 = performance.now();
  sig.send("SIGTERM");
  await run;
  assert.ok(performance.now() - t0 < 5_000);
  const [job] = await jobs.listJobs();
  assert.deepEqual([job!.state, job!.attempts, job!.last_error_code], [
    "queued",
    0,
    "MDS_SHUTDOWN",
  ]);
});
