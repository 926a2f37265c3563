// The coverage page in a real browser: a planted-gap dataset on an embedded store, the page made
// by the real `mds coverage --html` (a subprocess) and by `GET /coverage` of a service on
// 127.0.0.1, both loaded in headless Chromium. The DOM Chromium builds must hold exactly the
// expected cells with the expected shares; the screenshot becomes docs/coverage.png.
import { createClient, type MdsClient } from "@mds/client";
import { createServiceApp } from "@mds/service";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { newTenant } from "../testing/backends.ts";
import { cleanEnv, ok, ROOT } from "../testing/cli.ts";

const CHROMIUM_TIMEOUT_MS = 60_000;
const ADMIN = "admin-token-0123456789abcdef";
const SYMBOLS = ["AAPL", "MSFT", "NVDA"];
// Monday to Friday, every session 09:30 to 16:00 New York (13:30 to 20:00 UTC): 390 bars each
const DAYS = ["2024-07-08", "2024-07-09", "2024-07-10", "2024-07-11", "2024-07-12"];
const OPEN_UTC_MINUTES = 13 * 60 + 30;
/** AAPL misses 15:00 to 15:30 UTC of this day; an unfillable range is recorded over it. */
const PARTIAL = { symbol: "AAPL", day: "2024-07-10", from: 90, to: 120 };
/** MSFT misses this whole day; a backfill of it is queued. */
const MISSING = { symbol: "MSFT", day: "2024-07-11" };

async function chromiumPath(): Promise<string | undefined> {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const { success } = await new Deno.Command(name, {
        args: ["--version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return name;
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

const CHROMIUM = await chromiumPath();

/** Runs headless Chromium on a page; killed (SIGKILL) when it outlives the timeout. */
async function chromium(
  args: readonly string[],
  profile: string,
): Promise<{ stdout: string; stderr: string }> {
  const child = new Deno.Command(CHROMIUM!, {
    args: [
      "--headless=new",
      "--disable-gpu",
      "--no-sandbox",
      "--no-first-run",
      "--disable-dev-shm-usage",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, CHROMIUM_TIMEOUT_MS);
  try {
    const out = await child.output();
    const text = {
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
    assert(!timedOut, `chromium took more than ${CHROMIUM_TIMEOUT_MS} ms: ${args.join(" ")}`);
    assert(
      out.success,
      `chromium ${args.join(" ")} exited ${out.code}: ${text.stderr.slice(0, 2_000)}`,
    );
    return text;
  } finally {
    clearTimeout(timer);
  }
}

function minuteBar(symbol: string, day: string, minute: number) {
  const ts = Date.parse(`${day}T00:00:00Z`) + (OPEN_UTC_MINUTES + minute) * 60_000;
  return {
    ts,
    vendor: "yahoo",
    symbol,
    timeframe: "1m" as const,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
  };
}

async function plant(client: MdsClient, tenant: string): Promise<void> {
  const api = client.tenant(tenant);
  await api.universe.add([
    { symbol: "AAPL", tier: "T0", timeframes: ["1m"] },
    { symbol: "MSFT", tier: "T0", timeframes: ["1m"] },
    { symbol: "NVDA", tier: "T1", timeframes: ["1m"] },
  ]);
  const bars = [];
  for (const symbol of SYMBOLS) {
    for (const day of DAYS) {
      if (symbol === MISSING.symbol && day === MISSING.day) continue;
      for (let i = 0; i < 390; i++) {
        if (
          symbol === PARTIAL.symbol && day === PARTIAL.day && i >= PARTIAL.from && i < PARTIAL.to
        ) {
          continue;
        }
        bars.push(minuteBar(symbol, day, i));
      }
    }
  }
  // what must not count: another day, another timeframe, a bar between two expected times
  bars.push(minuteBar("NVDA", "2024-07-05", 0));
  bars.push({ ...minuteBar("NVDA", "2024-07-08", 0), ts: Date.parse("2024-07-08T14:00:30Z") });
  await api.copyBars(bars);
  await api.upsertBars([{
    ...minuteBar("MSFT", MISSING.day, 0),
    timeframe: "1d",
    ts: `${MISSING.day}T00:00:00Z`,
  }]);
  await api.jobs.requestBackfill({
    symbol: MISSING.symbol,
    timeframe: "1m",
    start: `${MISSING.day}T13:30:00Z`,
    end: `${MISSING.day}T20:00:00Z`,
    tier: "T0",
  });
  await api.universe.markUnfillable({
    symbol: PARTIAL.symbol,
    timeframe: "1m",
    start: `${PARTIAL.day}T15:00:00Z`,
    end: `${PARTIAL.day}T15:30:00Z`,
    reason: "every provider answered no data",
    providers: ["yahoo"],
    retryAfter: "2099-01-01T00:00:00Z",
  });
  // another tenant's bars of the same symbol and day fill nothing here
  await client.tenant(newTenant()).copyBars(
    Array.from({ length: 390 }, (_, i) => minuteBar(MISSING.symbol, MISSING.day, i)),
  );
}

/** The cells of the DOM Chromium dumped: symbol, day, share, present, expected and marks. */
function domCells(dom: string): Record<string, string>[] {
  return [...dom.matchAll(/<rect\b[^>]*\bclass="cell[^"]*"[^>]*>/g)].map((m) =>
    Object.fromEntries([...m[0].matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]))
  );
}

function expectedShare(symbol: string, day: string): { share: number; present: number } {
  if (symbol === PARTIAL.symbol && day === PARTIAL.day) return { share: 360 / 390, present: 360 };
  if (symbol === MISSING.symbol && day === MISSING.day) return { share: 0, present: 0 };
  return { share: 1, present: 390 };
}

function assertPlantedCells(dom: string, source: string): void {
  const cells = domCells(dom);
  assertEquals(cells.length, SYMBOLS.length * DAYS.length, `${source}: cells`);
  assertEquals(
    cells.map((c) => `${c["data-symbol"]} ${c["data-day"]}`),
    SYMBOLS.flatMap((s) => DAYS.map((d) => `${s} ${d}`)),
    `${source}: one cell per symbol and day, in order`,
  );
  for (const c of cells) {
    const want = expectedShare(c["data-symbol"]!, c["data-day"]!);
    const where = `${source}: ${c["data-symbol"]} ${c["data-day"]}`;
    assertEquals(Number(c["data-share"]), want.share, where);
    assertEquals([c["data-present"], c["data-expected"]], [String(want.present), "390"], where);
    assertEquals(c.class, want.share < 1 ? "cell gap" : "cell", where);
    const isMissing = c["data-symbol"] === MISSING.symbol && c["data-day"] === MISSING.day;
    const isPartial = c["data-symbol"] === PARTIAL.symbol && c["data-day"] === PARTIAL.day;
    assertEquals(c["data-backfill"], isMissing ? "true" : undefined, `${where}: backfill mark`);
    assertEquals(c["data-unfillable"], isPartial ? "true" : undefined, `${where}: unfillable`);
  }
  assertIncludes(
    dom,
    "<title>AAPL 2024-07-10: 360/390 bars (92.3%); gap, unfillable range recorded</title>",
  );
  assertIncludes(dom, "<title>MSFT 2024-07-11: 0/390 bars (0%); gap, backfill queued</title>");
}

/** The heatmap of a page: everything from `<svg class="heatmap"` to its `</svg>`. */
function heatmapOf(html: string): string {
  const start = html.indexOf('<svg xmlns="http://www.w3.org/2000/svg" class="heatmap"');
  assert(start >= 0, "the page has a heatmap");
  return html.slice(start, html.indexOf("</svg>", start) + "</svg>".length);
}

Deno.test({
  name: CHROMIUM === undefined
    ? "the coverage page renders in headless Chromium skipped: chromium is not installed (apt-get install chromium)"
    : "the coverage page from `mds coverage --html` and GET /coverage renders in headless Chromium with exactly the planted gaps",
  ignore: CHROMIUM === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mds_coverage_browser_" });
    try {
      const tenant = newTenant();
      const dataDir = `${dir}/data`;
      let key: string;
      {
        await using client = await createClient({ dataDir });
        await plant(client, tenant);
        key = (await client.apiKeys.create(tenant, { name: "coverage" })).key;
      }

      // the real command, as a subprocess on the embedded store
      const cliPage = `${dir}/cli.html`;
      const run = await ok(
        ["coverage", "--html", cliPage, "--end", "2024-07-12", "--days", "5"],
        { env: cleanEnv({ MDS_DATA_DIR: dataDir, MDS_TENANT_ID: tenant }) },
      );
      assertEquals(
        run.stdout,
        `wrote ${cliPage}: 3 symbols × 5 trading days, 2 symbol-days with gaps\n`,
      );

      // the service on 127.0.0.1, with the store's own API keys
      const apiPage = `${dir}/api.html`;
      {
        await using client = await createClient({ dataDir });
        const app = createServiceApp({ client, adminToken: ADMIN });
        const server = Deno.serve(
          { hostname: "127.0.0.1", port: 0, onListen: () => {} },
          app.fetch,
        );
        try {
          const base = `http://127.0.0.1:${server.addr.port}/coverage?end=2024-07-12&days=5`;
          const res = await fetch(base, { headers: { authorization: `Bearer ${key}` } });
          assertEquals(res.status, 200);
          assertEquals(res.headers.get("content-type"), "text/html; charset=utf-8");
          assertIncludes(res.headers.get("content-security-policy") ?? "", "default-src 'none'");
          const html = await res.text();
          await Deno.writeTextFile(apiPage, html);
          const admin = await fetch(`${base}&tenant_id=${tenant}`, {
            headers: { authorization: `Bearer ${ADMIN}` },
          });
          assertEquals(admin.status, 200);
          // one renderer: the key's page, the admin's page and the command's file draw the same map
          const adminHtml = await admin.text();
          assertEquals(heatmapOf(adminHtml), heatmapOf(html));
          assertEquals(heatmapOf(await Deno.readTextFile(cliPage)), heatmapOf(html));
        } finally {
          await server.shutdown();
          app.close();
        }
      }

      for (const [source, page] of [["mds coverage --html", cliPage], ["GET /coverage", apiPage]]) {
        const { stdout } = await chromium(["--dump-dom", `file://${page}`], `${dir}/profile`);
        assertIncludes(stdout, "Coverage of 1m bars, 2024-07-08 to 2024-07-12", source);
        assertPlantedCells(stdout, source!);
      }

      const png = `${ROOT}docs/coverage.png`;
      await Deno.remove(png).catch(() => {});
      await chromium(
        [`--screenshot=${png}`, "--window-size=1200,600", "--hide-scrollbars", `file://${cliPage}`],
        `${dir}/profile`,
      );
      const bytes = await Deno.readFile(png);
      assertEquals(
        [...bytes.slice(0, 8)],
        [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
        "PNG magic",
      );
      assert(bytes.length > 5_000, `the screenshot has ${bytes.length} bytes`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
