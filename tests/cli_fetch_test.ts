// `mds fetch bars` against a fake Yahoo and Finnhub on 127.0.0.1 (vendor JSON formats), into the
// embedded store: exactly the response's bars are stored (values equal, nulls skipped and
// counted, daily bars at the trading date 00:00 UTC), a second run changes nothing, --dry-run
// writes nothing, and a failing primary fails over to the secondary.
import { assert, assertEquals } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines } from "../testing/cli.ts";
import { startFakeVendors } from "../testing/fake_vendors.ts";
import { DAILY } from "../testing/vendor_fixtures.ts";

const TENANT = "f0f0f0f0-0000-4000-8000-00000000000f";

async function store(extra: Env): Promise<{ env: Env; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mds_fetch_" });
  return { dir, env: cleanEnv({ MDS_DATA_DIR: `${dir}/store`, MDS_TENANT_ID: TENANT, ...extra }) };
}

const AAPL_WINDOW = ["--start", "2020-08-24T00:00:00Z", "--end", "2020-09-05T00:00:00Z"];

Deno.test({
  name:
    "mds fetch bars --provider yahoo stores exactly the response's bars, and a second run changes nothing",
  sanitizeResources: false,
  fn: async () => {
    await using vendors = startFakeVendors();
    const s = await store({ MDS_YAHOO_BASE_URL: vendors.yahooBaseUrl });
    const args = ["fetch", "bars", "--provider", "yahoo", "--symbol", "AAPL", "--timeframe", "1d"];
    const first = jsonLines(
      (await expectExit(0, [...args, ...AAPL_WINDOW, "--json"], { env: s.env })).stdout,
    )[0]!;
    const expected = DAILY.AAPL!.rows.filter((r) =>
      r.t * 1000 >= Date.UTC(2020, 7, 24) && r.t * 1000 < Date.UTC(2020, 8, 5)
    );
    assert(expected.length >= 8, `fixture rows: ${expected.length}`);
    assertEquals(
      [first.provider, first.fetched, first.skipped_nulls, first.inserted, first.splits],
      ["yahoo", expected.length, 0, expected.length, 1],
    );
    const stored = jsonLines(
      (await expectExit(0, [
        "bars",
        "--symbol",
        "AAPL",
        "--timeframe",
        "1d",
        ...AAPL_WINDOW,
        "--json",
      ], { env: s.env })).stdout,
    );
    assertEquals(
      stored.map((b) => [b.ts, b.vendor, b.open, b.high, b.low, b.close, b.volume]),
      expected.map((r) => [
        `${new Date(r.t * 1000).toISOString().slice(0, 10)}T00:00:00.000Z`,
        "yahoo",
        r.o,
        r.h,
        r.l,
        r.c,
        r.v,
      ]),
    );
    const again = jsonLines(
      (await expectExit(0, [...args, ...AAPL_WINDOW, "--json"], { env: s.env })).stdout,
    )[0]!;
    assertEquals([again.inserted, again.updated, again.unchanged], [0, 0, expected.length]);
    await Deno.remove(s.dir, { recursive: true });
  },
});

Deno.test({
  name: "mds fetch bars skips and counts null entries; --dry-run prints NDJSON and writes nothing",
  sanitizeResources: false,
  fn: async () => {
    await using vendors = startFakeVendors();
    const s = await store({ MDS_YAHOO_BASE_URL: vendors.yahooBaseUrl });
    const window = ["--start", "2024-01-02T00:00:00Z", "--end", "2024-01-06T00:00:00Z"];
    const dry = await expectExit(0, [
      "fetch",
      "bars",
      "--symbol",
      "GAPPY",
      "--timeframe",
      "1d",
      ...window,
      "--dry-run",
    ], { env: s.env });
    const bars = jsonLines(dry.stdout);
    assertEquals(bars.map((b) => b.ts), ["2024-01-02T00:00:00.000Z", "2024-01-04T00:00:00.000Z"]);
    const summary = JSON.parse(dry.stderr.trim().split("\n").pop()!);
    assertEquals([summary.fetched, summary.skipped_nulls], [2, 2]);
    const none = await expectExit(0, [
      "bars",
      "--symbol",
      "GAPPY",
      "--timeframe",
      "1d",
      ...window,
      "--json",
    ], { env: s.env });
    assertEquals(none.stdout, "");
    await Deno.remove(s.dir, { recursive: true });
  },
});

Deno.test({
  name: "mds fetch bars --provider auto completes from Finnhub while Yahoo answers 500",
  sanitizeResources: false,
  fn: async () => {
    await using vendors = startFakeVendors();
    vendors.fault({ vendor: "yahoo", status: 500, body: { error: "boom" }, times: 1_000 });
    const s = await store({
      MDS_YAHOO_BASE_URL: vendors.yahooBaseUrl,
      MDS_FINNHUB_BASE_URL: vendors.finnhubBaseUrl,
      FINNHUB_API_KEY: vendors.finnhubToken,
    });
    const run = await expectExit(0, [
      "fetch",
      "bars",
      "--symbol",
      "AAPL",
      "--timeframe",
      "1d",
      ...AAPL_WINDOW,
      "--json",
    ], { env: s.env });
    const [summary] = jsonLines(run.stdout);
    assertEquals(summary?.provider, "finnhub", run.stdout);
    assert(Number(summary?.inserted) > 0, run.stdout);
    assert(vendors.requests("yahoo").length >= 1, "the primary was tried first");
    assert(vendors.requests("finnhub").every((r) => r.authorized), "the token went as a header");
    assert(
      !run.stderr.includes(vendors.finnhubToken) && !run.stdout.includes(vendors.finnhubToken),
    );
    await Deno.remove(s.dir, { recursive: true });
  },
});
