// `mds coverage --html FILE` end to end: the real command as a subprocess on an embedded store
// writes the page and says where; a bad option exits 2 naming the flag and writes nothing.
import { createClient } from "@mds/client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";
import { cleanEnv, expectExit, jsonLines, ok } from "../testing/cli.ts";

async function withStore(fn: (dir: string, env: Record<string, string>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "mds_cli_coverage_" });
  try {
    const tenant = newTenant();
    {
      await using client = await createClient({ dataDir: `${dir}/data` });
      await client.tenant(tenant).universe.add([{ symbol: "SPY", tier: "T0", timeframes: ["1d"] }]);
      await client.tenant(tenant).upsertBars(["2024-07-10", "2024-07-12"].map((d) => ({
        ts: `${d}T00:00:00Z`,
        vendor: "yahoo",
        symbol: "SPY",
        timeframe: "1d" as const,
        open: 1,
        high: 1,
        low: 1,
        close: 1,
      })));
    }
    await fn(dir, cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: tenant }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mds coverage --html writes the page of the tenant's universe and says where", async () => {
  await withStore(async (dir, env) => {
    const page = `${dir}/coverage.html`;
    const run = await ok(
      ["coverage", "--html", page, "--timeframe", "1d", "--days", "3", "--end", "2024-07-12"],
      { env },
    );
    assertEquals(
      run.stdout,
      `wrote ${page}: 1 symbol × 3 trading days, 1 symbol-day with gaps\n`,
    );
    const html = await Deno.readTextFile(page);
    assert(html.startsWith("<!doctype html>"));
    const cells = [
      ...html.matchAll(/data-symbol="(\w+)" data-day="([\d-]+)" data-share="([\d.]*)"/g),
    ]
      .map((m) => m.slice(1).join(" "));
    assertEquals(cells, ["SPY 2024-07-10 1", "SPY 2024-07-11 0", "SPY 2024-07-12 1"]);

    const json = await ok(
      [
        "coverage",
        "--html",
        page,
        "--symbols",
        "spy,QQQ",
        "--timeframe",
        "1d",
        "--days",
        "2",
        "--end",
        "2024-07-12",
        "--json",
      ],
      { env },
    );
    assertEquals(jsonLines(json.stdout), [{
      html: page,
      symbols: 2,
      days: 2,
      gaps: 3,
      backfills: 0,
      unfillable: 0,
    }]);
    assertIncludes(
      await Deno.readTextFile(page),
      'data-symbol="QQQ" data-day="2024-07-12" data-share="0"',
    );
  });
});

Deno.test("mds coverage refuses bad options with exit 2 naming the flag, and writes nothing", async () => {
  await withStore(async (dir, env) => {
    const page = `${dir}/refused.html`;
    const cases: [string[], string][] = [
      [["--days", "0"], "--days"],
      [["--days", "many"], "--days"],
      [["--days", "261"], "--days"],
      [["--timeframe", "1w"], "--timeframe"],
      [["--timeframe", "7x"], "--timeframe"],
      [["--tier", "T9"], "--tier"],
      [["--end", "2024-13-01"], "--end"],
      [["--end", "yesterday"], "--end"],
      [["--end", "2024-02-31"], "--end"],
      [["--symbols", " , "], "--symbols"],
      [["--tier", "T0", "--symbols", "SPY"], "--symbols"],
      [["--calendar", "lse"], "--calendar"],
    ];
    for (const [args, flag] of cases) {
      const run = await expectExit(2, ["coverage", "--html", page, ...args], { env });
      assertIncludes(run.stderr, flag, `mds coverage ${args.join(" ")}`);
    }
    const missing = await expectExit(2, ["coverage"], { env });
    assertIncludes(missing.stderr, "--html");
    const noTenant = await expectExit(2, ["coverage", "--html", page], {
      env: cleanEnv({ MDS_DATA_DIR: `${dir}/data` }),
    });
    assertIncludes(noTenant.stderr, "--tenant");
    assertEquals(await Deno.stat(page).then(() => true, () => false), false, "no file written");
  });
});
