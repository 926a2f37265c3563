// `mds universe add|list|remove` and the unfillable gaps of `mds gaps`, end to end: each
// command runs as a real subprocess (`deno run cli/main.ts`) on an embedded store in a
// temporary directory.
import { createClient } from "@mds/client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, type Run } from "../testing/cli.ts";
import { newTenant } from "../testing/backends.ts";

/** Runs `mds args` with `env` (and stdin) and fails unless it exits with `code`. */
function run(code: number, args: readonly string[], env: Env, stdin?: string): Promise<Run> {
  return expectExit(code, args, stdin === undefined ? { env } : { env, stdin });
}

// deno-lint-ignore no-explicit-any
const lines = (stdout: string): any[] => jsonLines(stdout);

/** The universe as `[symbol, tier, timeframes, active]`, by tier then symbol. */
async function universe(env: Env, ...filter: string[]): Promise<unknown[][]> {
  const out = await run(0, ["universe", "list", ...filter, "--json"], env);
  return lines(out.stdout).map((e) => [e.symbol, e.tier, e.timeframes.join(","), e.active]);
}

async function withStore(fn: (dir: string, env: Env) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mds_cli_universe_" });
  try {
    await fn(dir, cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: newTenant() }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mds universe adds, lists and removes symbols of the tenant", async (t) => {
  await withStore(async (dir, env) => {
    await t.step("add takes symbols with their settings and says what it added", async () => {
      const out = await run(0, [
        "universe",
        "add",
        "aapl",
        "MSFT",
        "--tier",
        "T0",
        "--timeframes",
        "1d,1m",
        "--provider",
        "yahoo",
        "--start",
        "2024-01-02T00:00:00Z",
      ], env);
      assertEquals(out.stdout, "added 2, updated 0\n");
      const again = await run(0, ["universe", "add", "MSFT", "IBM", "--json"], env);
      assertEquals(lines(again.stdout), [{
        added: 1,
        updated: 1,
        added_symbols: ["IBM"],
        updated_symbols: ["MSFT"],
      }]);
      const [aapl] = lines(
        (await run(0, ["universe", "list", "--tier", "T0", "--json"], env)).stdout,
      );
      assertEquals(aapl, {
        symbol: "AAPL",
        tier: "T0",
        timeframes: ["1m", "1d"],
        provider: "yahoo",
        history_start: "2024-01-02T00:00:00.000Z",
        calendar: "nyse",
        active: true,
        created_at: aapl.created_at,
        updated_at: aapl.updated_at,
      });
      assertEquals(await universe(env), [
        ["AAPL", "T0", "1m,1d", true],
        ["IBM", "T1", "1d", true],
        ["MSFT", "T1", "1d", true],
      ]);
    });

    await t.step("add --file reads a symbol per line, skipping blanks and comments", async () => {
      await Deno.writeTextFile(
        `${dir}/plain.txt`,
        "\uFEFF# my watch list\r\nspy\r\n\r\n  qqq  # nasdaq\r\n# the end\r\n",
      );
      const out = await run(0, [
        "universe",
        "add",
        "--file",
        `${dir}/plain.txt`,
        "--tier",
        "T2",
        "--inactive",
        "--calendar",
        "24x7",
      ], env);
      assertEquals(out.stdout, "added 2, updated 0\n");
      const listed = lines(
        (await run(0, ["universe", "list", "--tier", "T2", "--json"], env)).stdout,
      );
      assertEquals(
        listed.map((e) => [e.symbol, e.tier, e.calendar, e.active, e.provider, e.history_start]),
        [["QQQ", "T2", "24x7", false, null, null], ["SPY", "T2", "24x7", false, null, null]],
      );
    });

    await t.step(
      "add --file - reads NDJSON from stdin, the flags filling what a line leaves out",
      async () => {
        const ndjson = [
          '{"symbol":"nvda","tier":"T0","timeframes":["1m","1d"]}',
          '{"symbol":"tsla"}',
          "amd",
          '{"symbol":"ibm","timeframes":"1w","active":false}',
          "",
        ].join("\n");
        const out = await run(
          0,
          ["universe", "add", "--file", "-", "--timeframes", "1h"],
          env,
          ndjson,
        );
        assertEquals(out.stdout, "added 3, updated 1\n");
        assertEquals(await universe(env, "--tier", "T0"), [
          ["AAPL", "T0", "1m,1d", true],
          ["NVDA", "T0", "1m,1d", true],
        ]);
        assertEquals(await universe(env, "--tier", "T1"), [
          ["AMD", "T1", "1h", true],
          ["IBM", "T1", "1w", false],
          ["MSFT", "T1", "1d", true],
          ["TSLA", "T1", "1h", true],
        ]);
      },
    );

    await t.step("a bad line fails the whole add, naming its number and field", async () => {
      const before = await universe(env);
      await Deno.writeTextFile(
        `${dir}/bad.ndjson`,
        ["NEW1", '{"symbol":"NEW2"}', "# fine so far", '{"symbol":"NEW3","timeframes":["1m","7x"]}']
          .join("\n"),
      );
      const bad = await run(1, ["universe", "add", "NEW0", "--file", `${dir}/bad.ndjson`], env);
      assertIncludes(
        bad.stderr,
        `Invalid universe entry on line 4 of "${dir}/bad.ndjson": "timeframes" is "7x"`,
      );
      assertIncludes(bad.stderr, "[MDS_VALIDATION]");
      await Deno.writeTextFile(`${dir}/bad.ndjson`, 'AAA\n{"symbol":"BBB",\n');
      const json = await run(1, ["universe", "add", "--file", `${dir}/bad.ndjson`], env);
      assertIncludes(json.stderr, "line 2");
      assertIncludes(json.stderr, "not valid JSON");
      await Deno.writeTextFile(`${dir}/bad.ndjson`, '{"symbol":"CCC","timeframe":"1m"}\n');
      const typo = await run(1, ["universe", "add", "--file", `${dir}/bad.ndjson`], env);
      assertIncludes(typo.stderr, "line 1 of");
      assertIncludes(typo.stderr, '"timeframe" is "1m": is not a universe field');
      assertEquals(await universe(env), before, "nothing was written");
    });

    await t.step("a tier's maximum comes from the collector configuration", async () => {
      await Deno.writeTextFile(`${dir}/collector.json`, '{"tiers":{"T0":{"maxSymbols":2}}}');
      const full = await run(1, [
        "universe",
        "add",
        "AMZN",
        "--tier",
        "T0",
        "--config",
        `${dir}/collector.json`,
      ], env);
      assertIncludes(
        full.stderr,
        "mds: Cannot add 1 symbol to tier T0: T0 would hold 3 symbols; its maximum is 2 [MDS_CAPACITY]",
      );
      const viaEnv = { ...env, MDS_COLLECTOR_CONFIG: `${dir}/collector.json` };
      await run(1, ["universe", "add", "AMZN", "GOOG", "--tier", "T0"], viaEnv);
      // a symbol already in the tier is no growth; other tiers keep their default maximum
      await run(0, ["universe", "add", "AAPL", "--tier", "T0", "--timeframes", "1d"], viaEnv);
      await run(0, ["universe", "add", "AMZN"], viaEnv);
      assertEquals(await universe(env), [
        ["AAPL", "T0", "1d", true],
        ["NVDA", "T0", "1m,1d", true],
        ["AMD", "T1", "1h", true],
        ["AMZN", "T1", "1d", true],
        ["IBM", "T1", "1w", false],
        ["MSFT", "T1", "1d", true],
        ["TSLA", "T1", "1h", true],
        ["QQQ", "T2", "1d", false],
        ["SPY", "T2", "1d", false],
      ]);
      await Deno.writeTextFile(`${dir}/collector.json`, '{"tiers":{"T0":{"maxSymbols":"two"}}}');
      const bad = await run(1, ["universe", "add", "X", "--config", `${dir}/collector.json`], env);
      assertIncludes(bad.stderr, `"${dir}/collector.json"`);
      assertIncludes(bad.stderr, "tiers.T0.maxSymbols");
    });

    await t.step("list filters by tier and active flag, as a table or JSON lines", async () => {
      assertEquals(await universe(env, "--inactive"), [
        ["IBM", "T1", "1w", false],
        ["QQQ", "T2", "1d", false],
        ["SPY", "T2", "1d", false],
      ]);
      const active = await universe(env, "--active", "--tier", "T1");
      assertEquals(active.map((e) => e[0]), ["AMD", "AMZN", "MSFT", "TSLA"]);
      const table = await run(0, ["universe", "list", "--tier", "T2"], env);
      const [header, rule, ...rows] = table.stdout.trimEnd().split("\n");
      assertEquals(
        header!.split(/\s+/),
        ["symbol", "tier", "timeframes", "provider", "start", "calendar", "active"],
      );
      assert(rule!.startsWith("------"));
      assertEquals(rows.map((r) => r.split(/\s+/)), [
        ["QQQ", "T2", "1d", "auto", "default", "24x7", "false"],
        ["SPY", "T2", "1d", "auto", "default", "24x7", "false"],
      ]);
      const none = await run(0, ["universe", "list", "--tier", "T0", "--inactive"], env);
      assertEquals(none.stdout, "");
      assertIncludes(none.stderr, "(no rows)");
    });

    await t.step("remove prints what it removed and names the symbols not there", async () => {
      const out = await run(0, ["universe", "remove", "spy", "QQQ", "NOPE"], env);
      assertEquals(out.stdout, "removed 2: QQQ, SPY\n");
      assertIncludes(out.stderr, "not in the universe: NOPE");
      const json = await run(0, ["universe", "remove", "ibm", "spy", "--json"], env);
      assertEquals(lines(json.stdout), [{ removed: ["IBM"], not_found: ["SPY"] }]);
      assertEquals(await universe(env, "--inactive"), []);
    });

    await t.step("bad usage exits 2 before anything is written", async () => {
      const before = await universe(env);
      const cases: [string[], string][] = [
        [["universe", "add"], "Name the symbols to add, or pass --file"],
        [["universe", "add", "X", "--tier", "T9"], "--tier"],
        [["universe", "add", "X", "--timeframes", "1m,7x"], "--timeframes must list timeframes"],
        [["universe", "add", "X", "--start", "2024-01-02"], "--start"],
        [["universe", "add", "X", "--calendar", "lse"], "--calendar"],
        [["universe", "add", "X", "--provider", "polygon"], "--provider"],
        [["universe", "add", "OK", "a b"], 'Invalid symbol argument 2: "symbol" is "a b"'],
        [["universe", "list", "--active", "--inactive"], "cannot be used with"],
        [["universe", "remove"], "missing required argument"],
      ];
      for (const [args, message] of cases) {
        const out = await run(2, args, env);
        assertIncludes(out.stderr, message);
      }
      const noTenant = { ...env };
      delete noTenant.MDS_TENANT_ID;
      for (
        const args of [["universe", "add", "X"], ["universe", "list"], ["universe", "remove", "X"]]
      ) {
        const out = await run(2, args, noTenant);
        assertIncludes(out.stderr, "No tenant: pass --tenant or set MDS_TENANT_ID");
      }
      assertEquals(await universe(env), before);
    });
  });
});

const DAY = 86_400_000;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

Deno.test("mds gaps shows a gap inside a recorded unfillable range as unfillable", async () => {
  await withStore(async (dir, env) => {
    const tenant = env.MDS_TENANT_ID!;
    {
      // two NYSE weeks of daily XYZ bars, missing 07-09, 07-12 and 07-17; 07-12 is unfillable
      // until 2030, 07-17 was until a past time
      await using client = await createClient({ dataDir: `${dir}/data` });
      const api = client.tenant(tenant);
      const missing = ["2024-07-09", "2024-07-12", "2024-07-17"];
      const bars = [];
      for (let ts = day("2024-07-08").getTime(); ts < day("2024-07-20").getTime(); ts += DAY) {
        const d = new Date(ts);
        if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
        if (missing.includes(d.toISOString().slice(0, 10))) continue;
        bars.push({
          ts,
          vendor: "v",
          symbol: "XYZ",
          timeframe: "1d",
          open: 1,
          high: 1,
          low: 1,
          close: 1,
        });
      }
      await api.upsertBars(bars);
      await api.universe.markUnfillable({
        symbol: "XYZ",
        timeframe: "1d",
        start: "2024-07-12T00:00:00Z",
        end: "2024-07-15T00:00:00Z",
        reason: "every provider answered no data",
        providers: ["yahoo", "finnhub"],
        retryAfter: "2030-01-01T00:00:00Z",
      });
      await api.universe.markUnfillable({
        symbol: "XYZ",
        timeframe: "1d",
        start: "2024-07-17T00:00:00Z",
        end: "2024-07-18T00:00:00Z",
        reason: "halted",
        retryAfter: "2024-08-01T00:00:00Z",
      });
    }
    const args = [
      "gaps",
      "--symbol",
      "XYZ",
      "--timeframe",
      "1d",
      "--start",
      "2024-07-08T00:00:00Z",
      "--end",
      "2024-07-20T00:00:00Z",
    ];
    const gap = (start: string) => ({
      start: day(start).toISOString(),
      end: new Date(day(start).getTime() + DAY).toISOString(),
      missing_bars: 1,
    });
    const out = await run(0, [...args, "--json"], env);
    assertEquals(lines(out.stdout), [
      gap("2024-07-09"),
      {
        ...gap("2024-07-12"),
        unfillable: {
          reason: "every provider answered no data",
          providers: ["yahoo", "finnhub"],
          retry_after: "2030-01-01T00:00:00.000Z",
        },
      },
      {
        ...gap("2024-07-17"),
        unfillable: { reason: "halted", providers: [], retry_after: "2024-08-01T00:00:00.000Z" },
      },
    ]);
    assertIncludes(out.stderr, "3 gaps, 3 missing bars; 1 gaps missing, 2 unfillable");

    const table = await run(0, args, env);
    const rows = table.stdout.trimEnd().split("\n");
    assertEquals(rows[0]!.split(/\s{2,}/), [
      "start",
      "end",
      "missing_bars",
      "status",
      "reason",
      "retry_after",
    ]);
    assertIncludes(rows[2]!, "missing");
    assertIncludes(
      rows[3]!,
      "unfillable  every provider answered no data  2030-01-01T00:00:00.000Z",
    );

    // no backfill before the retry time; 07-17's has passed
    const requested = lines((await run(0, [...args, "--request-backfill", "--json"], env)).stdout);
    assertEquals(requested.map((r) => [r.start.slice(0, 10), r.created]), [
      ["2024-07-09", true],
      ["2024-07-12", null],
      ["2024-07-17", true],
    ]);
    const stats = lines((await run(0, ["jobs", "stats", "--json"], env)).stdout);
    assertEquals(stats, [{ job_type: "backfill", state: "queued", jobs: 2 }]);

    const none = await run(0, [
      ...args.slice(0, 5),
      "--start",
      "2024-07-15T00:00:00Z",
      "--end",
      "2024-07-17T00:00:00Z",
    ], env);
    assertIncludes(none.stderr, "0 gaps, 0 missing bars; 0 gaps missing, 0 unfillable");
  });
});
