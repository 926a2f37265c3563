// The original Python CLI's spellings (its documented examples) run by the real `mds` as a subprocess:
// `--dsn`, `--tenant-id`, `latest-prices --symbols`, `enqueue-job` with the original flags and a
// named priority, `ingest-ndjson` with `--max-rows`/`--max-ms` from a gzip file and from stdin,
// `ingest-ndjson-async` and `stamp-head`. Each reads back what it wrote. Against the embedded
// store, and PostgreSQL when MDS_TEST_DATABASE_URL is set (there with `--dsn` instead of the
// environment). The write-* examples with per-field flags run verbatim (the DSN and tenant
// filled in), and NDJSON in the original models' field names goes through ingest-ndjson; each is
// read back with the client.
import { createClient, type MdsClient } from "@mds/client";
import { MIGRATION_FILES } from "@mds/sql";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, mds, ok } from "../testing/cli.ts";
import { ndjson, summaryOf } from "../testing/cli_ingest.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";

const LATEST = MIGRATION_FILES.length;

/** One store: its environment, and the flags that name it on each command line. */
interface Store extends AsyncDisposable {
  readonly env: Env;
  /** `--dsn URL` on PostgreSQL, nothing on the embedded store (found by MDS_DATA_DIR). */
  readonly where: string[];
  readonly tmp: string;
  /** Flags `migrate` needs on this backend. */
  readonly migrateFlags: string[];
}

async function embedded(): Promise<Store> {
  const tmp = await Deno.makeTempDir({ prefix: "mds_cli_compat_" });
  return {
    env: cleanEnv({ MDS_DATA_DIR: `${tmp}/data` }),
    where: [],
    tmp,
    migrateFlags: [],
    [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
  };
}

async function postgres(url: string): Promise<Store> {
  const tmp = await Deno.makeTempDir({ prefix: "mds_cli_compat_" });
  const db = await createServerDatabase(url);
  return {
    // MDS_DATA_DIR is set so a command that ignored --dsn would not touch ./.mds; nothing
    // names the server but --dsn.
    env: cleanEnv({ MDS_DATA_DIR: `${tmp}/unused` }),
    where: ["--dsn", db.url],
    tmp,
    migrateFlags: ["--timescale", "off"],
    [Symbol.asyncDispose]: async () => {
      await db.drop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A client on the store `s` names, to read back what the commands wrote. */
function clientOf(s: Store): Promise<MdsClient> {
  return s.where[0] === "--dsn"
    ? createClient({ url: s.where[1]! })
    : createClient({ dataDir: s.env.MDS_DATA_DIR! });
}

/** NDJSON bars of `symbol` from `vendor`, one a minute from 2024-01-02 14:30 UTC. */
function bars(symbol: string, vendor: string, count: number, close = 100): Uint8Array {
  return ndjson(Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      ts: new Date(Date.UTC(2024, 0, 2, 14, 30 + i)).toISOString(),
      vendor,
      symbol,
      timeframe: "1m",
      open: close,
      high: close + i + 1,
      low: close - 1,
      close: close + i,
      volume: 1000 + i,
    })));
}

/** The stored bars of one series, as `mds bars --json` prints them. */
async function storedBars(s: Store, tenant: string, symbol: string) {
  const run = await ok([
    "bars",
    "--symbol",
    symbol,
    "--start",
    "2024-01-02T00:00:00Z",
    "--end",
    "2024-01-03T00:00:00Z",
    "--json",
    ...s.where,
    "--tenant-id",
    tenant,
  ], { env: s.env });
  return jsonLines(run.stdout);
}

/** `mds ingest-ndjson KIND -` of `rows` for `tenant`; exit 0 or 3 (rejected lines). */
async function mdsIngest(s: Store, kind: string, tenant: string, rows: readonly object[]) {
  const stdin = ndjson(rows.map((r) => JSON.stringify(r)));
  const args = ["ingest-ndjson", kind, "-", ...s.where, "--tenant-id", tenant, "--json"];
  const run = await mds(args, { env: s.env, stdin });
  assert(run.code === 0 || run.code === 3, `${kind}: exit ${run.code}: ${run.stderr}`);
  return run;
}

function compatSuite(name: string, open: () => Promise<Store>, ignore = false): void {
  Deno.test({
    name: `the original CLI's spellings on ${name}`,
    ignore,
    fn: async (t) => {
      await using s = await open();
      await ok(["migrate", ...s.migrateFlags, ...s.where], { env: s.env });

      await t.step("ping --dsn --tenant-id and schema-version", async () => {
        const tenant = newTenant();
        const [ping] = jsonLines(
          (await ok(["ping", ...s.where, "--tenant-id", tenant, "--json"], { env: s.env })).stdout,
        );
        assert(typeof ping?.latency_ms === "number", JSON.stringify(ping));
        const [version] = jsonLines(
          (await ok(["schema-version", ...s.where, "--json"], { env: s.env })).stdout,
        );
        assertEquals(version?.version, LATEST);
        // The global spellings also go before the command, as the current ones do.
        const before = await ok([...s.where, "--tenant-id", tenant, "schema-version", "--json"], {
          env: s.env,
        });
        assertEquals(jsonLines(before.stdout)[0]?.version, LATEST);
      });

      await t.step(
        "ingest-ndjson bars FILE.gz --max-rows --max-ms, then latest-prices --symbols",
        async () => {
          const tenant = newTenant();
          const file = `${s.tmp}/bars.ndjson.gz`;
          await Deno.writeFile(
            file,
            await gzip(
              ndjson(
                [bars("AAPL", "ibkr", 5), bars("MSFT", "ibkr", 3, 300)].map((b) =>
                  new TextDecoder().decode(b).trimEnd()
                ),
              ),
            ),
          );
          const run = await ok([
            "ingest-ndjson",
            "bars",
            file,
            ...s.where,
            "--tenant-id",
            tenant,
            "--max-rows",
            "2",
            "--max-ms",
            "3000",
            "--json",
          ], { env: s.env });
          const summary = summaryOf(run);
          assertEquals([summary.lines, summary.accepted, summary.inserted], [8, 8, 8]);
          assertEquals((await storedBars(s, tenant, "AAPL")).length, 5);
          const prices = jsonLines(
            (await ok([
              "latest-prices",
              ...s.where,
              "--tenant-id",
              tenant,
              "--vendor",
              "ibkr",
              "--symbols",
              "AAPL,MSFT",
              "--json",
            ], { env: s.env })).stdout,
          );
          assertEquals(
            prices.map((p) => [p.symbol, p.vendor, p.price]).sort(),
            [["AAPL", "ibkr", 104], ["MSFT", "ibkr", 302]],
          );
          // --symbols and positional symbols together; neither is a usage error.
          const both = await ok([
            "latest-prices",
            "AAPL",
            "--symbols",
            "MSFT",
            ...s.where,
            "--tenant-id",
            tenant,
            "--json",
          ], { env: s.env });
          assertEquals(jsonLines(both.stdout).length, 2);
          const none = await expectExit(
            2,
            ["latest-prices", ...s.where, "--tenant-id", tenant],
            { env: s.env },
          );
          assertIncludes(none.stderr, "No symbols");
          // the tenant may ride in the DSN: options=-c app.tenant_id=<uuid>, no --tenant-id
          if (s.where[0] === "--dsn") {
            const dsn = `${s.where[1]}?options=${encodeURIComponent(`-c app.tenant_id=${tenant}`)}`;
            const viaDsn = await ok(["latest-prices", "AAPL", "--dsn", dsn, "--json"], {
              env: s.env,
            });
            assertEquals(jsonLines(viaDsn.stdout).map((p) => p.price), [104]);
          }
        },
      );

      await t.step("cat bars.ndjson | ingest-ndjson bars -, plain and gzip", async () => {
        const tenant = newTenant();
        const plain = bars("IBM", "ibkr", 4);
        for (const stdin of [plain, await gzip(plain)]) {
          const run = await ok(
            ["ingest-ndjson", "bars", "-", ...s.where, "--tenant-id", tenant, "--json"],
            { env: s.env, stdin },
          );
          assertEquals(summaryOf(run).accepted, 4);
        }
        const stored = await storedBars(s, tenant, "IBM");
        assertEquals(stored.map((b) => b.close), [100, 101, 102, 103]);
      });

      await t.step("ingest-ndjson-async is ingest-ndjson under another name", async () => {
        const tenant = newTenant();
        const file = `${s.tmp}/async.ndjson`;
        await Deno.writeFile(file, bars("NVDA", "ibkr", 6));
        const run = await ok([
          "ingest-ndjson-async",
          "bars",
          file,
          ...s.where,
          "--tenant-id",
          tenant,
          "--max-rows",
          "2000",
          "--max-ms",
          "3000",
          "--json",
        ], { env: s.env });
        assertEquals(summaryOf(run).inserted, 6);
        assertEquals((await storedBars(s, tenant, "NVDA")).length, 6);
      });

      await t.step(
        "enqueue-job --idempotency-key --job-type --payload --priority high",
        async () => {
          const tenant = newTenant();
          const args = [
            "enqueue-job",
            ...s.where,
            "--tenant-id",
            tenant,
            "--idempotency-key",
            "job-123",
            "--job-type",
            "backfill",
            "--payload",
            '{"symbol": "AAPL", "start": "2024-01-01"}',
            "--priority",
            "high",
            "--json",
          ];
          const [first] = jsonLines((await ok(args, { env: s.env })).stdout);
          assertEquals(first?.created, true);
          const [again] = jsonLines((await ok(args, { env: s.env })).stdout);
          assertEquals([again?.id, again?.created], [first?.id, false]);
          // Today's spelling of the same key is the same job.
          const [current] = jsonLines(
            (await ok([
              "enqueue-job",
              "--key",
              "job-123",
              "--type",
              "backfill",
              "--tenant",
              tenant,
              ...s.where,
              "--json",
            ], { env: s.env })).stdout,
          );
          assertEquals(current?.id, first?.id);
          for (const [key, priority] of [["job-low", "low"], ["job-normal", "normal"]]) {
            await ok([
              "enqueue-job",
              ...s.where,
              "--tenant-id",
              tenant,
              "--idempotency-key",
              key!,
              "--job-type",
              "backfill",
              "--priority",
              priority!,
            ], { env: s.env });
          }
          const jobs = jsonLines(
            (await ok([
              "jobs",
              "list",
              "--state",
              "queued",
              ...s.where,
              "--tenant-id",
              tenant,
              "--json",
            ], { env: s.env })).stdout,
          );
          const byKey = Object.fromEntries(jobs.map((j) => [j.idempotency_key, j]));
          assertEquals(
            [byKey["job-123"]?.priority, byKey["job-normal"]?.priority, byKey["job-low"]?.priority],
            [-10, 0, 10],
            JSON.stringify(jobs),
          );
          assertEquals(byKey["job-123"]?.payload, { symbol: "AAPL", start: "2024-01-01" });
          const usage: [string[], string][] = [
            [["--key", "k", "--priority", "urgent"], "--priority must be high, normal, low"],
            [["--key", "a", "--idempotency-key", "b"], "same option"],
            [[], "Missing --key or --idempotency-key"],
          ];
          for (const [flags, message] of usage) {
            const run = await expectExit(
              2,
              ["enqueue-job", "--job-type", "t", ...flags, ...s.where, "--tenant-id", tenant],
              { env: s.env },
            );
            assertIncludes(run.stderr, message);
          }
        },
      );

      await t.step(
        "write-bar, write-fundamental, write-news, write-option: the original's examples verbatim",
        async () => {
          const tenant = newTenant();
          // The original documentation's lines, with "..." and "uuid" filled in.
          const lines = [
            `write-bar --vendor ibkr --symbol AAPL --timeframe 1m --ts 2024-01-01T10:00:00 --close-price 150.5 --volume 1000`,
            `write-fundamental --vendor alpha --symbol AAPL --asof 2024-01-01 --eps 1.25`,
            `write-news --vendor reuters --title AAPL_Reports_Strong_Q4 --published-at 2024-01-01T10:00:00 --symbol AAPL --sentiment-score 0.8`,
            `write-option --vendor ibkr --symbol AAPL --expiry 2024-12-20 --option-type C --strike 200 --ts 2024-01-01T10:00:00 --iv 0.25 --delta 0.55`,
          ];
          for (const line of lines) {
            const args = line.split(" ").map((a) => a.replaceAll("_", " "));
            const [command, ...flags] = args;
            const run = await ok(
              [command!, ...s.where, "--tenant-id", tenant, ...flags, "--json"],
              {
                env: s.env,
              },
            );
            assertEquals(jsonLines(run.stdout)[0]?.inserted, 1, `${line}: ${run.stderr}`);
          }
          // Zone-less timestamps are UTC; --strict-timestamps refuses them, naming the field.
          const strict = await expectExit(1, [
            "write-bar",
            ...s.where,
            "--tenant-id",
            tenant,
            "--strict-timestamps",
            ...lines[0]!.split(" ").slice(1),
          ], { env: s.env });
          assertIncludes(strict.stderr, '"ts" is "2024-01-01T10:00:00": has no time zone');
          // A flag that is not a number, and JSON with flags, are usage errors naming them.
          const bad = await expectExit(2, [
            "write-bar",
            ...s.where,
            "--tenant-id",
            tenant,
            "--close-price",
            "abc",
          ], { env: s.env });
          assertIncludes(bad.stderr, '--close-price must be a number (got "abc")');
          const both = await expectExit(2, [
            "write-bar",
            "{}",
            "--vendor",
            "x",
            ...s.where,
            "--tenant-id",
            tenant,
          ], { env: s.env });
          assertIncludes(both.stderr, "not both");
          // The JSON argument still works, in the original's field names too.
          await ok([
            "write-bar",
            JSON.stringify({
              vendor: "ibkr",
              symbol: "MSFT",
              timeframe: "1d",
              ts: "2025-07-11T00:00:00Z",
              close_price: 503.32,
            }),
            ...s.where,
            "--tenant-id",
            tenant,
          ], { env: s.env });

          await using client = await clientOf(s);
          const api = client.tenant(tenant);
          const [bar] = await api.barsWindow({
            symbol: "AAPL",
            timeframe: "1m",
            start: "2024-01-01T00:00:00Z",
            end: "2024-01-02T00:00:00Z",
          });
          assertEquals(
            [bar?.ts.toISOString(), bar?.vendor, bar?.open, bar?.high, bar?.low, bar?.close],
            ["2024-01-01T10:00:00.000Z", "ibkr", null, null, null, 150.5],
          );
          assertEquals(bar?.volume, 1000);
          const [f] = await api.fundamentals({ symbol: "AAPL", asOf: "2024-01-01" });
          assertEquals([f?.vendor, f?.asof, f?.eps], ["alpha", "2024-01-01", 1.25]);
          const [n] = await api.news({ symbol: "AAPL" });
          assertEquals(
            [n?.title, n?.published_at.toISOString(), n?.symbols, n?.sentiment],
            ["AAPL Reports Strong Q4", "2024-01-01T10:00:00.000Z", ["AAPL"], 0.8],
          );
          const [o] = await api.optionChain({
            symbol: "AAPL",
            expiry: "2024-12-20",
            at: "2024-01-02T00:00:00Z",
          });
          assertEquals(
            [o?.option_type, o?.strike, o?.implied_volatility, o?.delta, o?.ts.toISOString()],
            ["C", 200, 0.25, 0.55, "2024-01-01T10:00:00.000Z"],
          );
          const [p] = await api.latestPrices(["MSFT"]);
          assertEquals([p?.price, p?.price_timestamp.toISOString()], [
            503.32,
            "2025-07-12T00:00:00.000Z",
          ]);
        },
      );

      await t.step("ingest-ndjson of every kind in the original models' field names", async () => {
        const tenant = newTenant();
        const rows = {
          bars: [
            {
              vendor: "ibkr",
              symbol: "AAPL",
              timeframe: "1d",
              ts: "2025-07-11T00:00:00Z",
              close_price: 503.32,
            },
            {
              id: "b-1",
              tenant_id: tenant,
              vendor: "ibkr",
              symbol: "aapl",
              timeframe: "1d",
              ts: "2025-07-14T00:00:00",
              open_price: 503,
              high_price: 510,
              low_price: 501.5,
              close_price: 508,
              volume: 1200,
            },
            // both spellings of close, different: refused naming both
            {
              vendor: "ibkr",
              symbol: "AAPL",
              timeframe: "1d",
              ts: "2025-07-15T00:00:00Z",
              close: 1,
              close_price: 2,
            },
          ],
          fundamentals: [{
            id: 1,
            vendor: "alpha",
            symbol: "AAPL",
            asof: "2024-01-01T00:00:00",
            total_assets: 3.5e11,
            total_liabilities: 2.9e11,
            net_income: 9.7e10,
            eps: 1.25,
          }],
          news: [{
            vendor: "reuters",
            published_at: "2024-01-01T10:00:00",
            title: "AAPL Reports Strong Q4",
            symbol: "AAPL",
            url: "https://example.com/aapl-q4",
            sentiment_score: 0.8,
          }],
          options: [{
            id: "o-1",
            vendor: "ibkr",
            symbol: "AAPL",
            expiry: "2024-12-20",
            option_type: "P",
            strike: 180,
            ts: "2024-01-01T10:00:00",
            iv: 0.3,
            delta: -0.35,
            gamma: 0.02,
            oi: 1500,
            volume: 40,
            spot: 185.5,
          }],
        };
        for (const [kind, list] of Object.entries(rows)) {
          const run = await mdsIngest(s, kind, tenant, list);
          const summary = summaryOf(run);
          const bad = kind === "bars" ? 1 : 0;
          assertEquals([summary.accepted, summary.rejected], [list.length - bad, bad], run.stderr);
          if (bad) {
            assertIncludes(
              run.stderr,
              'line 3: "close" is 1: differs from "close_price" (2): give one',
            );
          }
        }
        await using client = await clientOf(s);
        const api = client.tenant(tenant);
        const bars = await api.barsWindow({
          symbol: "AAPL",
          timeframe: "1d",
          start: "2025-07-01T00:00:00Z",
          end: "2025-08-01T00:00:00Z",
        });
        assertEquals(
          bars.map((b) => [b.ts.toISOString(), b.open, b.high, b.low, b.close, b.volume]),
          [
            ["2025-07-11T00:00:00.000Z", null, null, null, 503.32, 0],
            ["2025-07-14T00:00:00.000Z", 503, 510, 501.5, 508, 1200],
          ],
        );
        const [f] = await api.fundamentals({ symbol: "AAPL", asOf: "2024-01-01" });
        assertEquals(
          [f?.asof, f?.total_assets, f?.total_liabilities, f?.net_income, f?.eps],
          ["2024-01-01", 3.5e11, 2.9e11, 9.7e10, 1.25],
        );
        const [n] = await api.news({ symbol: "AAPL" });
        assertEquals([n?.symbols, n?.sentiment], [["AAPL"], 0.8]);
        const [o] = await api.optionChain({
          symbol: "AAPL",
          expiry: "2024-12-20",
          at: "2024-01-02T00:00:00Z",
        });
        assertEquals(
          [o?.implied_volatility, o?.open_interest, o?.underlying_price, o?.volume],
          [0.3, 1500, 185.5, 40],
        );
      });

      await t.step(
        "--tenant-id and --tenant given two different values is a usage error",
        async () => {
          const run = await expectExit(2, [
            "latest-prices",
            "AAPL",
            "--tenant",
            newTenant(),
            "--tenant-id",
            newTenant(),
            ...s.where,
          ], { env: s.env });
          assertIncludes(run.stderr, "--tenant and --tenant-id are the same option");
        },
      );
    },
  });

  Deno.test({
    name: `stamp-head on a fresh store (${name}) marks every migration applied`,
    ignore,
    fn: async () => {
      await using s = await open();
      const [stamped] = jsonLines(
        (await ok(["stamp-head", ...s.where, "--json"], { env: s.env })).stdout,
      );
      assert(typeof stamped?.stamped === "string", JSON.stringify(stamped));
      // Stamping runs no migration: the ledger (status) has them all, through the newest.
      const status = jsonLines((await ok(["status", ...s.where, "--json"], { env: s.env })).stdout);
      assertEquals(status.length, LATEST);
      assertEquals(status.filter((e) => e.state !== "applied"), []);
      const [again] = jsonLines(
        (await ok(["stamp-head", ...s.where, "--json"], { env: s.env })).stdout,
      );
      assertEquals(again?.stamped, "(none)");
    },
  });
}

compatSuite("the embedded store", embedded);
const url = serverUrl("postgres");
compatSuite(
  url ? "PostgreSQL with --dsn" : "PostgreSQL skipped: set MDS_TEST_DATABASE_URL",
  () => postgres(url!),
  !url,
);
