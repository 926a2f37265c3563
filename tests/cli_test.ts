// The `mds` command end to end: every command runs as a real subprocess (`deno run cli/main.ts`)
// with an environment built from scratch, against the embedded store, PostgreSQL when
// MDS_TEST_DATABASE_URL is set and TimescaleDB when MDS_TEST_TIMESCALE_URL is set. Output, exit
// codes and the README's command reference are checked.
import { MIGRATION_FILES } from "@mds/sql";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, mds, ok } from "../testing/cli.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";

const README = new URL("../README.md", import.meta.url);
const DEMO_TENANT = "d3e0d3e0-0000-4000-8000-000000000001";

type BackendName = "embedded" | "postgres" | "timescale";
const SERVER_ENV = { postgres: "MDS_TEST_DATABASE_URL", timescale: "MDS_TEST_TIMESCALE_URL" };

/** One store for one suite: an embedded data directory or a fresh server database. */
interface Store extends AsyncDisposable {
  readonly backend: BackendName;
  /** The environment of every command on this store. */
  readonly env: Env;
  /** The server database's URL. */
  readonly url: string | undefined;
  /** A scratch directory for input files. */
  readonly tmp: string;
  /** Extra `migrate` flags for this backend. */
  readonly migrateFlags: string[];
}

async function openStore(backend: BackendName): Promise<Store> {
  const tmp = await Deno.makeTempDir({ prefix: "mds_cli_test_" });
  if (backend === "embedded") {
    return {
      backend,
      env: cleanEnv({ MDS_DATA_DIR: `${tmp}/data` }),
      url: undefined,
      tmp,
      migrateFlags: [],
      [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
    };
  }
  const db = await createServerDatabase(serverUrl(backend)!);
  return {
    backend,
    // MDS_DATA_DIR is set too, so a command that wrongly ignores the URL cannot touch ./.mds
    env: cleanEnv({ MDS_DATABASE_URL: db.url, MDS_DATA_DIR: `${tmp}/unused` }),
    url: db.url,
    tmp,
    migrateFlags: ["--timescale", backend === "timescale" ? "require" : "off"],
    [Symbol.asyncDispose]: async () => {
      await db.drop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

type Steps = Record<string, (store: Store) => Promise<void>>;

/** One Deno test per backend, its steps run in order on one store; unset servers are skipped. */
function cliSuite(suite: string, backends: BackendName[], steps: (b: BackendName) => Steps) {
  for (const backend of backends) {
    const configured = backend === "embedded" || serverUrl(backend) !== undefined;
    Deno.test({
      name: configured
        ? `mds ${suite} [${backend}]`
        : `mds ${suite} [${backend}] skipped: set ${SERVER_ENV[backend as "postgres"]}`,
      ignore: !configured,
      fn: async (t) => {
        await using store = await openStore(backend);
        for (const [name, fn] of Object.entries(steps(backend))) {
          await t.step(name, () => fn(store));
        }
      },
    });
  }
}

/** The shipped migration files; the schema version of a migrated store is their count. */
const MIGRATIONS = MIGRATION_FILES.map((f) => f.name);
const LATEST = MIGRATIONS.length;

/** Every command `mds --help` must list. */
const COMMANDS = [
  "ping",
  "schema-version",
  "status",
  "migrate",
  "stamp",
  "write-bar",
  "write-fundamental",
  "write-news",
  "write-option",
  "latest-prices",
  "bars",
  "enqueue-job",
  "ingest-ndjson",
  "policies",
  "refresh-aggregate",
  "seed",
  "jobs",
  "cursors",
  "gaps",
  "fetch",
  "universe",
  "macro",
  "options",
  "collect",
  "coverage",
  "api-keys",
  "corrections",
  "history",
];

/**
 * 1m bar `i` of AGG from vendor v: minute i after 14:30Z of `day` (2024-01-02 unless given),
 * prices rising with i.
 */
function aggBar(i: number, day = Date.UTC(2024, 0, 2)) {
  return {
    ts: new Date(day + (14 * 60 + 30 + i) * 60_000).toISOString(),
    vendor: "v",
    symbol: "AGG",
    timeframe: "1m",
    open: 100 + i,
    high: 101 + i,
    low: 99.5 + i,
    close: 100.5 + i,
    volume: 10 + i,
  };
}

const VALID = {
  bar: {
    ts: "2024-01-02T14:30:00Z",
    vendor: "v",
    symbol: "ONE",
    timeframe: "1m",
    open: 1,
    high: 2,
    low: 1,
    close: 1.5,
    volume: 10,
  },
  fundamental: {
    asof: "2023-12-31",
    vendor: "v",
    symbol: "ONE",
    market_cap: 1e9,
    pe_ratio: 21.5,
    shares_outstanding: 1_000_000,
  },
  news: {
    published_at: "2024-01-02T15:00:00Z",
    vendor: "wire",
    title: "One up",
    symbols: ["ONE"],
    sentiment: 0.5,
  },
  option: {
    ts: "2024-01-02T21:00:00Z",
    vendor: "v",
    symbol: "ONE",
    expiry: "2024-01-19",
    option_type: "C",
    strike: 10,
    bid: 1.1,
    ask: 1.2,
  },
};

/** Each write command with a valid row, an invalid one and the field the error must name. */
const WRITES = [
  { command: "write-bar", row: VALID.bar, bad: { ...VALID.bar, high: 0.5 }, field: "high" },
  {
    command: "write-fundamental",
    row: VALID.fundamental,
    bad: { ...VALID.fundamental, asof: "2023-13-45" },
    field: "asof",
  },
  {
    command: "write-news",
    row: VALID.news,
    bad: { ...VALID.news, sentiment: 2 },
    field: "sentiment",
  },
  { command: "write-option", row: VALID.option, bad: { ...VALID.option, ask: 1 }, field: "ask" },
];

const WINDOW = ["--start", "2024-01-02T14:00:00Z", "--end", "2024-01-02T17:00:00Z"];

cliSuite("commands", ["embedded", "postgres"], (backend) => {
  const market = newTenant(); // AGG bars shared by the ingest, latest-prices and bars steps
  const steps: Steps = {
    "migrate --plan on a fresh store prints every file's statements and runs nothing": async (
      s,
    ) => {
      const plan = await ok(["migrate", "--plan", ...s.migrateFlags], { env: s.env });
      const headers = plan.stdout.split("\n").filter((l) => /^-- \d{4}_/.test(l));
      assertEquals(headers, MIGRATIONS.map((m) => `-- ${m} (plain)`));
      assertIncludes(plan.stdout, "CREATE TABLE mds_core.bars (");
      const status = await ok(["status", "--json"], { env: s.env });
      assertEquals(jsonLines(status.stdout).map((e) => e.state), MIGRATIONS.map(() => "pending"));
      const version = await ok(["schema-version", "--json"], { env: s.env });
      assertEquals(jsonLines(version.stdout)[0]?.version, 0);
    },
    "migrate applies every file; a second run applies nothing; then --plan has nothing to apply":
      async (s) => {
        const first = await ok(["migrate", "--json", ...s.migrateFlags], { env: s.env });
        assertEquals(jsonLines(first.stdout), [
          { mode: "plain", version: LATEST, applied: MIGRATIONS.join(", ") },
        ]);
        const second = await ok(["migrate", ...s.migrateFlags], { env: s.env });
        assertEquals(second.stdout, `mode     plain\nversion  ${LATEST}\napplied  (none)\n`);
        const plan = await ok(["migrate", "--plan", ...s.migrateFlags], { env: s.env });
        assertEquals([plan.stdout, plan.stderr], ["", "nothing to apply\n"]);
      },
    "status lists every shipped file as applied and exits 0": async (s) => {
      const table = await ok(["status"], { env: s.env });
      const lines = table.stdout.trimEnd().split("\n");
      assertEquals(lines.length, 2 + MIGRATIONS.length, table.stdout);
      assert(/^version\s+name\s+state\s+applied_at\s+duration_ms\s+timescale$/.test(lines[0]!));
      for (const [i, name] of MIGRATIONS.entries()) {
        assert(
          new RegExp(`^\\s*${i + 1}\\s+${name}\\s+applied\\s+\\d{4}-.*Z\\s+\\d+\\s+false$`).test(
            lines[i + 2]!,
          ),
          lines[i + 2],
        );
      }
      const json = jsonLines((await ok(["status", "--json"], { env: s.env })).stdout);
      assertEquals(json.map((e) => [e.version, e.name, e.state, e.timescale]), [
        ...MIGRATIONS.map((m, i) => [i + 1, m, "applied", false]),
      ]);
    },
    "schema-version reports the latest version in plain mode": async (s) => {
      const table = await ok(["schema-version"], { env: s.env });
      const shown = /^version\s+(\d+)\nmode\s+plain\napplied_at\s+\d{4}-\d\d-\d\dT.*Z\n$/.exec(
        table.stdout,
      );
      assertEquals(shown?.[1], String(LATEST), table.stdout);
      const [v] = jsonLines((await ok(["schema-version", "--json"], { env: s.env })).stdout);
      assertEquals([v?.version, v?.mode], [LATEST, "plain"]);
    },
    "ping --json reports the backend and the latency": async (s) => {
      const [p] = jsonLines((await ok(["ping", "--json"], { env: s.env })).stdout);
      assertEquals(p?.backend, backend === "embedded" ? "pglite" : "postgres");
      assert(typeof p?.latency_ms === "number" && p.latency_ms >= 0, JSON.stringify(p));
      assert(typeof p?.server_version === "string" && p.server_version !== "");
      assertEquals(p?.timescaledb, null);
      const table = await ok(["ping"], { env: s.env });
      assertIncludes(table.stdout, `backend         ${p?.backend}\nlatency_ms  `);
    },
    "write-bar, write-fundamental, write-news, write-option: inserted 1, then unchanged 1; a bad row exits 1 naming the field":
      async (s) => {
        const tenant = newTenant();
        const env = { ...s.env, MDS_TENANT_ID: tenant };
        for (const w of WRITES) {
          const first = await ok([w.command, JSON.stringify(w.row), "--json"], { env });
          assertEquals(jsonLines(first.stdout), [
            { rows: 1, unique: 1, inserted: 1, updated: 0, unchanged: 0 },
          ], w.command);
          const again = await ok([w.command, JSON.stringify(w.row)], { env });
          assertEquals(
            again.stdout,
            "rows       1\nunique     1\ninserted   0\nupdated    0\nunchanged  1\n",
            w.command,
          );
          const bad = await expectExit(1, [w.command, JSON.stringify(w.bad)], { env });
          assertIncludes(bad.stderr, `"${w.field}" is `);
          assertIncludes(bad.stderr, "[MDS_VALIDATION]");
          assertEquals(bad.stdout, "");
        }
        // a changed value is an update, and latest-prices follows it
        const changed = await ok(["write-bar", JSON.stringify({ ...VALID.bar, close: 1.75 })], {
          env,
        });
        assertIncludes(changed.stdout, "updated    1\n");
        const [p] = jsonLines((await ok(["latest-prices", "ONE", "--json"], { env })).stdout);
        assertEquals([p?.price, p?.as_of], [1.75, "2024-01-02T14:31:00.000Z"]);
      },
    "ingest-ndjson reads NDJSON from stdin and from a file and reports what it wrote": async (
      s,
    ) => {
      const lines = [
        ...Array.from({ length: 90 }, (_, i) => JSON.stringify(aggBar(i))),
        JSON.stringify({ ...aggBar(0), vendor: "w", open: 50, high: 50, low: 50, close: 50 }),
      ];
      const run = await ok(["ingest-ndjson", "bars", "-", "--tenant", market], {
        env: s.env,
        stdin: lines.join("\n") + "\n",
      });
      assertEquals(run.stdout, "");
      assertIncludes(
        run.stderr,
        "bars: 91 lines, 91 accepted, 0 rejected; 91 inserted, 0 updated, 0 unchanged; ",
      );
      const file = `${s.tmp}/news.ndjson`;
      await Deno.writeTextFile(
        file,
        [VALID.news, { ...VALID.news, title: "One down", sentiment: -0.5 }].map((n) =>
          JSON.stringify(n)
        ).join("\n") + "\n",
      );
      const news = await ok(["ingest-ndjson", "news", file, "--tenant", market, "--json"], {
        env: s.env,
      });
      const [summary] = jsonLines(news.stdout);
      assertEquals(
        [summary?.kind, summary?.lines, summary?.accepted, summary?.inserted, summary?.rejected],
        ["news", 2, 2, 2, 0],
      );
    },
    "latest-prices prints a table and --json lines, one row per vendor": async (s) => {
      const env = { ...s.env, MDS_TENANT_ID: market };
      const table = await ok(["latest-prices", "AGG", "NONE"], { env });
      assertEquals(
        table.stdout,
        [
          "symbol  vendor  price  as_of                     timeframe",
          "------  ------  -----  ------------------------  ---------",
          "AGG     v       189.5  2024-01-02T16:00:00.000Z  1m",
          "AGG     w          50  2024-01-02T14:31:00.000Z  1m",
          "",
        ].join("\n"),
      );
      const json = await ok(["latest-prices", "agg", "--vendor", "w", "--json"], { env });
      assertEquals(jsonLines(json.stdout), [
        {
          symbol: "AGG",
          vendor: "w",
          price: 50,
          as_of: "2024-01-02T14:31:00.000Z",
          price_timestamp: "2024-01-02T14:31:00.000Z",
          timeframe: "1m",
        },
      ]);
      const none = await ok(["latest-prices", "NONE"], { env });
      assertEquals([none.stdout, none.stderr], ["", "(no rows)\n"]);
    },
    "bars prints 1m bars and 1h bars computed from them, as a table or --json lines": async (
      s,
    ) => {
      const env = { ...s.env, MDS_TENANT_ID: market };
      const oneMinute = jsonLines(
        (await ok(["bars", "--symbol", "AGG", ...WINDOW, "--vendor", "v", "--json"], { env }))
          .stdout,
      );
      assertEquals(oneMinute.length, 90);
      const { symbol: _s, timeframe: _t, ...first } = aggBar(0);
      assertEquals(oneMinute[0], { ...first, ts: "2024-01-02T14:30:00.000Z" });
      assertEquals(oneMinute[89]?.ts, "2024-01-02T15:59:00.000Z");
      const hourly = await ok(
        ["bars", "--symbol", "AGG", "--timeframe", "1h", ...WINDOW, "--vendor", "v", "--json"],
        { env },
      );
      assertEquals(jsonLines(hourly.stdout), [
        {
          ts: "2024-01-02T14:00:00.000Z",
          vendor: "v",
          open: 100,
          high: 130,
          low: 99.5,
          close: 129.5,
          volume: 735,
        },
        {
          ts: "2024-01-02T15:00:00.000Z",
          vendor: "v",
          open: 130,
          high: 190,
          low: 129.5,
          close: 189.5,
          volume: 4170,
        },
      ]);
      const table = await ok(["bars", "--symbol", "AGG", ...WINDOW], { env });
      const lines = table.stdout.trimEnd().split("\n");
      assertEquals(lines.length, 2 + 91);
      assertEquals(
        lines[0],
        "ts                        vendor  open  high    low  close  volume",
      );
      assertEquals(
        lines[2],
        "2024-01-02T14:30:00.000Z  v        100   101   99.5  100.5      10",
      );
      assertEquals(
        lines[3],
        "2024-01-02T14:30:00.000Z  w         50    50     50     50      10",
      );
    },
    "bars --limit N prints at most N bars": async (s) => {
      const env = { ...s.env, MDS_TENANT_ID: market };
      const run = await ok(["bars", "--symbol", "AGG", ...WINDOW, "--limit", "5", "--json"], {
        env,
      });
      assertEquals(
        jsonLines(run.stdout).length,
        5,
        "--limit is parsed and validated but never applied: every bar in the window is printed",
      );
    },
    "bars without --json prints one table, also past the first page of 10,000 bars": async (
      s,
    ) => {
      const tenant = newTenant();
      const input = Array.from({ length: 10_003 }, (_, i) =>
        JSON.stringify({
          ts: Date.UTC(2024, 0, 2) + i * 60_000,
          vendor: "v",
          symbol: "BIG",
          timeframe: "1m",
          open: 1,
          high: 1,
          low: 1,
          close: 1,
        })).join("\n");
      await ok(["ingest-ndjson", "bars", "--tenant", tenant], { env: s.env, stdin: input });
      const table = await ok(
        [
          "bars",
          "--symbol",
          "BIG",
          "--start",
          "2024-01-01T00:00:00Z",
          "--end",
          "2024-02-01T00:00:00Z",
        ],
        { env: { ...s.env, MDS_TENANT_ID: tenant } },
      );
      const lines = table.stdout.trimEnd().split("\n");
      assertEquals(lines.length, 2 + 10_003);
      const json = lines.filter((l) => l.startsWith("{"));
      assertEquals(
        json.length,
        0,
        `table output switches to JSON lines after the first page: ${json.length} lines such as ${
          json[0]
        }`,
      );
    },
    "enqueue-job: the same key twice gives the same id, created false": async (s) => {
      const env = { ...s.env, MDS_TENANT_ID: newTenant() };
      const args = ["enqueue-job", "--key", "backfill:AGG", "--type", "backfill"];
      const [first] = jsonLines(
        (await ok([...args, "--payload", '{"symbol":"AGG"}', "--priority", "-5", "--json"], {
          env,
        })).stdout,
      );
      assert(typeof first?.id === "string" && /^[0-9a-f-]{36}$/.test(first.id), String(first?.id));
      assertEquals(first?.created, true);
      const again = await ok(args, { env });
      assertEquals(again.stdout, `id       ${first?.id}\ncreated  false\n`);
      const [other] = jsonLines(
        (await ok(["enqueue-job", "--key", "other", "--type", "backfill", "--json"], { env }))
          .stdout,
      );
      assert(other?.id !== first?.id && other?.created === true, JSON.stringify(other));
    },
    "policies and refresh-aggregate exit 1: they require TimescaleDB": async (s) => {
      const policies = await expectExit(1, ["policies"], { env: s.env });
      assertIncludes(policies.stderr, "requires TimescaleDB");
      assertIncludes(policies.stderr, "[MDS_REQUIRES_TIMESCALE]");
      const refresh = await expectExit(1, ["refresh-aggregate", "bars_5m", ...WINDOW], {
        env: s.env,
      });
      assertIncludes(refresh.stderr, "requires TimescaleDB");
      assertEquals([policies.stdout, refresh.stdout], ["", ""]);
    },
    "seed loads the demo tenant, latest-prices shows AAPL, and seeding again changes nothing":
      async (s) => {
        const first = await ok(["seed"], { env: s.env });
        assertEquals(first.stderr, `tenant ${DEMO_TENANT}\n`);
        for (
          const [kind, rows] of [["bars", 3900], ["fundamentals", 5], ["news", 3], ["options", 14]]
        ) {
          assert(
            new RegExp(`^${kind}\\s+${rows}\\s+${rows}\\s+0\\s+0$`, "m").test(first.stdout),
            `${kind}: ${first.stdout}`,
          );
        }
        const prices = await ok(["latest-prices", "AAPL", "--tenant", DEMO_TENANT, "--json"], {
          env: s.env,
        });
        const [aapl] = jsonLines(prices.stdout);
        assertEquals([aapl?.symbol, aapl?.vendor, aapl?.as_of, aapl?.timeframe], [
          "AAPL",
          "demo",
          "2024-01-03T21:00:00.000Z",
          "1m",
        ]);
        assert(typeof aapl?.price === "number" && aapl.price > 0);
        const again = jsonLines((await ok(["seed", "--json"], { env: s.env })).stdout);
        assertEquals(again, [
          { kind: "bars", rows: 3900, inserted: 0, updated: 0, unchanged: 3900 },
          { kind: "fundamentals", rows: 5, inserted: 0, updated: 0, unchanged: 5 },
          { kind: "news", rows: 3, inserted: 0, updated: 0, unchanged: 3 },
          { kind: "options", rows: 14, inserted: 0, updated: 0, unchanged: 14 },
        ]);
      },
    "data commands without a tenant exit 2 naming --tenant and MDS_TENANT_ID; MDS_TENANT_ID is read":
      async (s) => {
        for (const args of [["latest-prices", "AGG"], ["write-bar", JSON.stringify(VALID.bar)]]) {
          const run = await expectExit(2, args, { env: s.env });
          assertIncludes(run.stderr, "--tenant");
          assertIncludes(run.stderr, "MDS_TENANT_ID");
        }
        const run = await ok(["latest-prices", "AGG", "--json"], {
          env: { ...s.env, MDS_TENANT_ID: market },
        });
        assertEquals(jsonLines(run.stdout).length, 2);
      },
  };
  if (backend !== "postgres") return steps;
  return {
    ...steps,
    "MDS_DSN is an alias of MDS_DATABASE_URL, which wins over it; --database-url wins over both":
      async (s) => {
        const { MDS_DATABASE_URL: url, ...rest } = s.env;
        const bogus = "postgres://nobody:nothing@127.0.0.1:1/none";
        for (
          const [env, args] of [
            [{ ...rest, MDS_DSN: url! }, []],
            [{ ...rest, MDS_DSN: bogus, MDS_DATABASE_URL: url! }, []],
            [{ ...rest, MDS_DSN: bogus, MDS_DATABASE_URL: bogus }, ["--database-url", url!]],
          ] as const
        ) {
          const [p] = jsonLines((await ok(["ping", "--json", ...args], { env })).stdout);
          assertEquals(p?.backend, "postgres");
        }
        const refused = await expectExit(1, ["ping"], { env: { ...rest, MDS_DSN: bogus } });
        assertIncludes(refused.stderr, "127.0.0.1:1");
      },
    "stamp --through 1 on a fresh database marks the first file applied, nothing else":
      async () => {
        await using fresh = await openStore("postgres");
        const run = await ok(["stamp", "--through", "1"], { env: fresh.env });
        assertEquals(run.stdout, `stamped  ${MIGRATIONS[0]}\n`);
        const status = jsonLines((await ok(["status", "--json"], { env: fresh.env })).stdout);
        assertEquals(status.map((e) => e.state), [
          "applied",
          ...MIGRATIONS.slice(1).map(() => "pending"),
        ]);
      },
    "migrate with the default --timescale auto works, also where TimescaleDB is installed but not preloaded":
      async () => {
        await using fresh = await openStore("postgres");
        const run = await ok(["migrate", "--json"], { env: fresh.env });
        assertEquals(jsonLines(run.stdout)[0]?.version, LATEST);
      },
  };
});

cliSuite("TimescaleDB commands", ["timescale"], () => ({
  "migrate --timescale require, schema-version and ping report TimescaleDB": async (s) => {
    const [m] = jsonLines(
      (await ok(["migrate", "--json", ...s.migrateFlags], { env: s.env })).stdout,
    );
    assertEquals([m?.mode, m?.version], ["timescale", LATEST]);
    const [v] = jsonLines((await ok(["schema-version", "--json"], { env: s.env })).stdout);
    assertEquals([v?.version, v?.mode], [LATEST, "timescale"]);
    const [p] = jsonLines((await ok(["ping", "--json"], { env: s.env })).stdout);
    assert(
      typeof p?.timescaledb === "string" && /^\d+\.\d+/.test(p.timescaledb),
      String(p?.timescaledb),
    );
  },
  "policies shows the columnstore and retention policies": async (s) => {
    const run = await ok(["policies"], { env: s.env });
    const lines = run.stdout.trimEnd().split("\n");
    assertEquals(lines.length, 2 + 12, run.stdout);
    assert(/^table\s+policy\s+every\s+config$/.test(lines[0]!), lines[0]);
    const rows: [string, string, string][] = [
      ["bars", "compression", '"7 days"'],
      ["bars", "retention", '"1825 days"'],
      // the point-in-time history (migration 0013): kept 365 days
      ["bars_history", "compression", '"7 days"'],
      ["bars_history", "retention", '"365 days"'],
      ["fundamentals_history", "compression", '"30 days"'],
      ["fundamentals_history", "retention", '"365 days"'],
      ["option_snapshots", "compression", '"3 days"'],
      ["option_snapshots", "retention", '"730 days"'],
      ["option_snapshots_history", "compression", '"7 days"'],
      ["option_snapshots_history", "retention", '"365 days"'],
      ["quotes_l1", "compression", '"1 day"'],
      ["quotes_l1", "retention", '"14 days"'],
    ];
    for (const [i, [table, policy, value]] of rows.entries()) {
      const line = lines[i + 2]!;
      assert(new RegExp(`^${table}\\s+policy_${policy}\\s.*${value}`).test(line), line);
    }
  },
  "policies --apply --bars-retention-days 400 changes the bars retention": async (s) => {
    const configs = (stdout: string) =>
      Object.fromEntries(
        jsonLines(stdout).map((r) => [
          `${r.table} ${r.policy}`,
          JSON.parse(r.config as string).drop_after ??
            JSON.parse(r.config as string).compress_after,
        ]),
      );
    const applied = await ok(["policies", "--apply", "--bars-retention-days", "400", "--json"], {
      env: s.env,
    });
    const expected = {
      "bars policy_compression": "7 days",
      "bars policy_retention": "400 days",
      "bars_history policy_compression": "7 days",
      "bars_history policy_retention": "365 days",
      "fundamentals_history policy_compression": "30 days",
      "fundamentals_history policy_retention": "365 days",
      "option_snapshots policy_compression": "3 days",
      "option_snapshots policy_retention": "730 days",
      "option_snapshots_history policy_compression": "7 days",
      "option_snapshots_history policy_retention": "365 days",
      "quotes_l1 policy_compression": "1 day",
      "quotes_l1 policy_retention": "14 days",
    };
    assertEquals(configs(applied.stdout), expected);
    assertEquals(configs((await ok(["policies", "--json"], { env: s.env })).stdout), expected);
  },
  "refresh-aggregate bars_5m over a window exits 0, says what it materialised, and 5m bars read back":
    async (s) => {
      // Ten days back: inside any retention horizon an earlier step sets (400 days: a 2024 chunk
      // was dropped by the retention job under this step, which was the flakiness), outside the
      // 2-day window of the bars_5m refresh policy.
      const day = Math.floor(Date.now() / 86_400_000 - 10) * 86_400_000;
      const at = (minutes: number) => new Date(day + minutes * 60_000).toISOString();
      const window = ["--start", at(14 * 60), "--end", at(17 * 60)];
      const tenant = newTenant();
      const input = Array.from({ length: 10 }, (_, i) => JSON.stringify(aggBar(i, day))).join(
        "\n",
      );
      await ok(["ingest-ndjson", "bars", "-", "--tenant", tenant], { env: s.env, stdin: input });
      const run = await ok(["refresh-aggregate", "bars_5m", ...window, "--json"], { env: s.env });
      const [r] = jsonLines(run.stdout);
      assertEquals([r?.aggregate, r?.start, r?.end], ["bars_5m", at(14 * 60), at(17 * 60)]);
      assertEquals([r?.materialized_buckets, r?.source_bars], [2, 10], run.stdout);
      const bars = jsonLines(
        (await ok(["bars", "--symbol", "AGG", "--timeframe", "5m", ...window, "--json"], {
          env: { ...s.env, MDS_TENANT_ID: tenant },
        })).stdout,
      );
      assertEquals(bars.map((b) => [b.ts, b.open, b.close, b.volume]), [
        [at(14 * 60 + 30), 100, 104.5, 60],
        [at(14 * 60 + 35), 105, 109.5, 85],
      ]);
    },
  "stamp --through 1 on a fresh database marks the first file applied, nothing else": async () => {
    await using fresh = await openStore("timescale");
    const run = await ok(["stamp", "--through", "1"], { env: fresh.env });
    assertEquals(run.stdout, `stamped  ${MIGRATIONS[0]}\n`);
    const status = jsonLines((await ok(["status", "--json"], { env: fresh.env })).stdout);
    assertEquals(status.map((e) => e.state), [
      "applied",
      ...MIGRATIONS.slice(1).map(() => "pending"),
    ]);
  },
}));

Deno.test("mds usage errors exit 2 before opening any store", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mds_cli_test_" });
  try {
    const env = cleanEnv({ MDS_DATA_DIR: `${tmp}/data`, MDS_TENANT_ID: newTenant() });
    const window = ["--start", "2024-01-02T00:00:00Z", "--end", "2024-01-03T00:00:00Z"];
    const cases: [string[], string][] = [
      [["frobnicate"], "unknown command 'frobnicate'"],
      [["--write-mode", "bogus", "ping"], "--write-mode must be one of auto, insert, copy"],
      [["latest-prices", "AGG", "--write-mode", "fast"], "--write-mode"],
      [["bars", "--symbol", "A", ...window, "--limit", "0"], "--limit must be a whole number"],
      [["bars", "--symbol", "A", ...window, "--limit", "ten"], "--limit"],
      [["bars", "--symbol", "A", ...window, "--timeframe", "2m"], "--timeframe"],
      [["bars", ...window], "--symbol"],
      [["migrate", "--timescale", "maybe"], "--timescale"],
      [["stamp", "--through", "0"], "--through"],
      [
        ["enqueue-job", "--key", "k", "--type", "t", "--payload", "{"],
        "--payload is not valid JSON",
      ],
      [
        ["ingest-ndjson", "trades"],
        '<kind> must be one of bars, fundamentals, news, options, quotes (got "trades")',
      ],
      [["ingest-ndjson", "bars", "--max-rows", "0"], "--max-rows"],
      [
        ["refresh-aggregate", "bars_9m", ...window],
        "<aggregate> must be bars_5m, bars_1h or bars_1d",
      ],
      [["seed", "--days", "999"], "--days"],
      [["ping", "extra"], "too many arguments"],
      ...WRITES.map((
        w,
      ): [string[], string] => [[w.command, "{not json"], "<json> is not valid JSON"]),
    ];
    const runs = await Promise.all(cases.map(([args]) => mds(args, { env })));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      assertEquals(run.code, 2, `mds ${args.join(" ")}: ${run.stderr}`);
      assertIncludes(run.stderr, message, `mds ${args.join(" ")}: ${JSON.stringify(run.stderr)}`);
      assertEquals(run.stdout, "", `mds ${args.join(" ")}`);
    }
    const created = await Deno.stat(`${tmp}/data`).then(() => true, () => false);
    assertEquals(created, false, "a usage error opened (and created) the embedded store");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("mds --help lists every command and exits 0; mds with no arguments prints it and exits 2", async () => {
  const env = cleanEnv({ MDS_DATA_DIR: "/nonexistent/mds-cli-test" });
  const [help, bare, version] = await Promise.all([
    mds(["--help"], { env }),
    mds([], { env }),
    mds(["--version"], { env }),
  ]);
  assertEquals(help.code, 0, help.stderr);
  assertEquals(helpCommands(help.stdout), [...COMMANDS, "help"]);
  assertEquals([bare.code, bare.stdout], [2, help.stdout]);
  assertEquals([version.code, version.stdout], [0, "0.1.0\n"]);
});

/** Command names in the "Commands:" section of `mds --help`. */
function helpCommands(help: string): string[] {
  const section = help.slice(help.indexOf("\nCommands:\n"));
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

/** Long options in the "Options:" section of a help text, `--help` and `--version` included. */
function helpOptions(help: string): string[] {
  const start = help.indexOf("\nOptions:\n");
  const end = help.indexOf("\nCommands:\n");
  const section = help.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^ {2}(?:-[A-Za-z], )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

/** The README's command reference: each command with the long options of its row. */
function readmeReference(readme: string): Map<string, string[]> {
  const section = readme.slice(readme.indexOf("### Command reference"));
  const lines = section.split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  let last = first;
  while (lines[last + 1]?.startsWith("|")) last++;
  const table = new Map<string, string[]>();
  for (const row of lines.slice(first + 2, last + 1)) {
    const [, commands, options] = row.split("|");
    const opts = [...(options ?? "").matchAll(/`(--[a-z][a-z-]*)`/g)].map((m) => m[1]!);
    for (const m of (commands ?? "").matchAll(/`([a-z][a-z-]*)[^`]*`/g)) table.set(m[1]!, opts);
  }
  return table;
}

Deno.test("mds --help and the README's command reference agree", async () => {
  const readme = await Deno.readTextFile(README);
  const reference = readmeReference(readme);
  const env = cleanEnv({ MDS_DATA_DIR: "/nonexistent/mds-cli-test" });
  const help = await mds(["--help"], { env });
  assertEquals(help.code, 0);
  const commands = helpCommands(help.stdout).filter((c) => c !== "help");
  assertEquals(
    [...commands].sort(),
    [...reference.keys()].sort(),
    "commands of mds --help vs the README table",
  );
  const helps = await Promise.all(commands.map((c) => mds([c, "--help"], { env })));
  for (const [i, command] of commands.entries()) {
    assertEquals(helps[i]!.code, 0, `${command} --help`);
    const options = helpOptions(helps[i]!.stdout).filter((o) => o !== "--help");
    assertEquals(
      [...options].sort(),
      [...reference.get(command)!].sort(),
      `options of mds ${command} --help vs its README row`,
    );
  }
  const global = /Global options:([\s\S]*?)\.\s/.exec(readme)?.[1] ?? "";
  assertEquals(
    [...helpOptions(help.stdout)].sort(),
    [...global.matchAll(/`(--[a-z][a-z-]*)`/g)].map((m) => m[1]!).sort(),
    "global options of mds --help vs the README",
  );
});
