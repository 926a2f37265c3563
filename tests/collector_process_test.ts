// The collector as processes: `mds collect --once` filling a PostgreSQL store from a fake market
// on loopback, a collector SIGKILLed mid-job whose work a second one completes after the lease,
// and three collectors at once sharing 200 series. Needs MDS_TEST_DATABASE_URL (several
// processes share one database); reported as ignored without it.
import { assert, assertEquals } from "../testing/assert.ts";
import { cleanEnv, type Env, mds, spawnMds } from "../testing/cli.ts";
import { type Bench, startBench, symbols } from "../testing/collector_setup.ts";
import { serverUrl } from "../testing/backends.ts";

const ignore = serverUrl("postgres") === undefined;
const name = (s: string) => ignore ? `${s} (skipped: set MDS_TEST_DATABASE_URL)` : s;

async function setup(
  bench: Bench,
  config: Record<string, unknown> = {},
): Promise<{ env: Env; configFile: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "mds-collect-" });
  const configFile = `${dir}/collector.json`;
  await Deno.writeTextFile(configFile, JSON.stringify(bench.configInput(config)));
  const env = cleanEnv({ ...bench.env, MDS_DATABASE_URL: bench.url!, MDS_TENANT_ID: bench.tenant });
  return {
    env,
    configFile,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function addUniverse(bench: Bench, env: Env, syms: readonly string[], timeframes: string) {
  const run = await mds(
    [
      "universe",
      "add",
      ...syms,
      "--tier",
      "T1",
      "--timeframes",
      timeframes,
      "--start",
      bench.start.toISOString(),
    ],
    { env },
  );
  assertEquals(run.code, 0, run.stderr);
}

/** Every request's signature: vendor, symbol and the query; a job run twice repeats its own. */
function signatures(bench: Bench): string[] {
  return bench.market.log.map((r) => `${r.vendor} ${r.symbol} ${JSON.stringify(r.params)}`);
}

Deno.test({
  name: name(
    "mds collect --once fills the store from the vendors, row for row; mds gaps finds nothing",
  ),
  ignore,
  async fn() {
    await using bench = await startBench({ server: true });
    await using collector = await setup(bench);
    const { env, configFile } = collector;
    const syms = symbols(20);
    await addUniverse(bench, env, syms, "1m,1d");
    const run = await mds(
      ["--json", "collect", "--once", "--config", configFile, "--until", bench.end.toISOString()],
      { env },
    );
    assertEquals(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assertEquals([summary.jobs.done, summary.jobs.dead, summary.repair.gaps], [40, 0, 0]);
    assertEquals(await bench.storedBars(), bench.marketBars(syms, ["1m", "1d"]));
    for (const [symbol, timeframe] of [["S00", "1m"], ["S19", "1m"], ["S07", "1d"]]) {
      const gaps = await mds([
        "--json",
        "gaps",
        "--symbol",
        symbol!,
        "--timeframe",
        timeframe!,
        "--start",
        bench.start.toISOString(),
        "--end",
        bench.end.toISOString(),
      ], { env });
      assertEquals(gaps.code, 0, gaps.stderr);
      assertEquals(gaps.stdout.trim(), "", `no gap in ${symbol} ${timeframe}`);
    }
  },
});

Deno.test({
  name: name(
    "a collector SIGKILLed mid-job: after the lease a second one completes the work, no duplicate, no lost job",
  ),
  ignore,
  async fn() {
    await using bench = await startBench({ server: true, days: 7 });
    await using collector = await setup(bench, {
      workers: {
        count: 2,
        pollSeconds: 0.05,
        leaseSeconds: 10,
        backoff: { baseSeconds: 0, maxSeconds: 0 },
      },
    });
    const { env, configFile } = collector;
    const syms = symbols(6);
    await addUniverse(bench, env, syms, "1m,1d");
    // the third request hangs: a job is in flight when the collector dies
    bench.market.fault({ vendor: "yahoo", hang: true, times: 1 });
    const args = ["collect", "--once", "--config", configFile, "--until", bench.end.toISOString()];
    const first = spawnMds(args, env);
    for (let i = 0; i < 400 && !bench.market.log.some((r) => r.status === 0); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert(bench.market.log.some((r) => r.status === 0), "a request is hanging");
    first.kill("SIGKILL");
    const killed = await first.output();
    assertEquals(killed.code, 137);
    const jobs = bench.client.tenant(bench.tenant).jobs;
    const running = await jobs.listJobs({ state: "running" });
    assert(running.length >= 1, "the killed collector left a job running");
    // a second collector right away cannot take the leased job; after the lease it can
    await new Promise((r) => setTimeout(r, 10_500));
    const second = await mds(["--json", ...args], { env });
    assertEquals(second.code, 0, second.stderr);
    const all = await jobs.listJobs({ type: "bars_fetch", limit: 1000 });
    assertEquals(all.length, 12, "one job per series, none lost, none doubled");
    assert(all.every((j) => j.state === "done"), JSON.stringify(all.map((j) => j.state)));
    const retaken = all.filter((j) => running.some((r) => r.id === j.id));
    assert(
      retaken.every((j) => j.attempts === 2),
      "the killed job ran again on its second attempt",
    );
    assertEquals(await bench.storedBars(), bench.marketBars(syms, ["1m", "1d"]));
  },
});

Deno.test({
  name: name(
    "three collectors at once over 200 series: every job runs exactly once; the rows are one collector's",
  ),
  ignore,
  async fn() {
    await using bench = await startBench({ server: true, days: 5 });
    await using collector = await setup(bench, {
      workers: { count: 3, pollSeconds: 0.05, backoff: { baseSeconds: 0, maxSeconds: 0 } },
    });
    const { env, configFile } = collector;
    const syms = symbols(100, "T");
    await addUniverse(bench, env, syms, "1m,1d");
    const args = [
      "--json",
      "collect",
      "--once",
      "--config",
      configFile,
      "--until",
      bench.end.toISOString(),
    ];
    const runs = [spawnMds(args, env), spawnMds(args, env), spawnMds(args, env)];
    const outs = await Promise.all(runs.map(async (p) => {
      await p.stdin.close();
      return p.output();
    }));
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    for (const o of outs) assertEquals(o.code, 0, decode(o.stderr));
    const done = outs.map((o) => JSON.parse(decode(o.stdout)).jobs.done as number);
    assertEquals(done.reduce((a, b) => a + b, 0), 200, `jobs done per collector: ${done}`);
    assert(done.filter((n) => n > 0).length >= 2, `the work was shared: ${done}`);
    const sigs = signatures(bench);
    assertEquals(new Set(sigs).size, sigs.length, "no request was made twice");
    const jobs = await bench.client.tenant(bench.tenant).jobs.listJobs({
      type: "bars_fetch",
      limit: 1000,
    });
    assertEquals(jobs.length, 200);
    assert(jobs.every((j) => j.state === "done" && j.attempts === 1));
    assertEquals(await bench.storedBars(), bench.marketBars(syms, ["1m", "1d"]));
  },
});
