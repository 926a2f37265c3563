// `mds ingest-ndjson` end to end: the real command as a subprocess, with an environment built from
// scratch, on the embedded store and on PostgreSQL when MDS_TEST_DATABASE_URL is set. Gzip and
// plain input, every kind of bad line, --rejects, CRLF/blank lines/BOM, --strict, SIGINT and
// rerun, the --json summary and idempotent re-ingest. Inputs are generated, deterministically.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, type Input, jsonLines, type Run } from "../testing/cli.ts";
import { ndjson, sleep, startIngest, summaryOf } from "../testing/cli_ingest.ts";
const decoder = new TextDecoder();
const encoder = new TextEncoder();
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";
import { randomBar, seeded } from "../testing/random.ts";

type BackendName = "embedded" | "postgres";

/** One store for one suite: an embedded data directory or a fresh, migrated server database. */
interface Store extends AsyncDisposable {
  readonly backend: BackendName;
  readonly env: Env;
  /** A scratch directory for input and rejects files. */
  readonly tmp: string;
}

async function openStore(backend: BackendName): Promise<Store> {
  const tmp = await Deno.makeTempDir({ prefix: "mds_cli_ingest_test_" });
  if (backend === "embedded") {
    const store = {
      backend,
      env: cleanEnv({ MDS_DATA_DIR: `${tmp}/data` }),
      tmp,
      [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
    };
    await expectExit(0, ["migrate"], { env: store.env });
    return store;
  }
  const db = await createServerDatabase(serverUrl("postgres")!);
  const store = {
    backend,
    // MDS_DATA_DIR is set too, so a command that wrongly ignores the URL cannot touch ./.mds
    env: cleanEnv({ MDS_DATABASE_URL: db.url, MDS_DATA_DIR: `${tmp}/unused` }),
    tmp,
    [Symbol.asyncDispose]: async () => {
      await db.drop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
  await expectExit(0, ["migrate", "--timescale", "off"], { env: store.env });
  return store;
}

/** One Deno test per backend, its steps run in order on one store; PostgreSQL skipped unset. */
function ingestSuite(suite: string, steps: Record<string, (store: Store) => Promise<void>>) {
  for (const backend of ["embedded", "postgres"] as const) {
    const configured = backend === "embedded" || serverUrl("postgres") !== undefined;
    Deno.test({
      name: configured
        ? `mds ${suite} [${backend}]`
        : `mds ${suite} [${backend}] skipped: set MDS_TEST_DATABASE_URL`,
      ignore: !configured,
      fn: async (t) => {
        await using store = await openStore(backend);
        for (const [name, fn] of Object.entries(steps)) await t.step(name, () => fn(store));
      },
    });
  }
}

/** The bars of `symbol` a tenant has, as `mds bars --json` prints them (no tenant column). */
async function storedBars(store: Store, tenant: string, symbol: string): Promise<string> {
  const run = await expectExit(0, [
    "bars",
    "--symbol",
    symbol,
    "--start",
    "2024-01-01T00:00:00Z",
    "--end",
    "2024-03-01T00:00:00Z",
    "--json",
  ], { env: { ...store.env, MDS_TENANT_ID: tenant } });
  return run.stdout;
}

/** A valid 1m bar of `symbol` at minute `i` after 2024-01-02T14:30Z, as an NDJSON line. */
function barLine(symbol: string, i: number, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ts: new Date(Date.UTC(2024, 0, 2, 14, 30 + i)).toISOString(),
    vendor: "v",
    symbol,
    timeframe: "1m",
    open: 10 + i,
    high: 11 + i,
    low: 9 + i,
    close: 10.5 + i,
    volume: 100 + i,
    ...over,
  });
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The 20,000-line input of the interrupt test: 18,000 distinct bars, then 2,000 corrections. */
function interruptInput(): string[] {
  const line = (i: number, close: number) =>
    JSON.stringify({
      ts: Date.UTC(2024, 0, 2, 14, 30) + Math.floor(i / 2) * 60_000,
      vendor: i % 2 === 0 ? "a" : "b",
      symbol: "INT",
      timeframe: "1m",
      open: 100 + (i % 97),
      high: 120 + (i % 97),
      low: 90 + (i % 97),
      close,
      volume: i,
    });
  const lines: string[] = [];
  for (let i = 0; i < 18_000; i++) lines.push(line(i, 105 + (i % 97)));
  // corrections of bars in the first half: same key, another close
  for (let k = 0; k < 2_000; k++) lines.push(line(k * 5, 106.25 + ((k * 5) % 97)));
  return lines;
}

ingestSuite("ingest-ndjson", {
  "a gzip file, plain stdin and gzip stdin give the same table": async (s) => {
    const rand = seeded(7);
    // 400 random bars over 300 minutes and 2 vendors: keys repeat, the last one wins
    const plain = ndjson(
      Array.from({ length: 400 }, () => JSON.stringify(randomBar(rand, ["GZ"], 300))),
    );
    const packed = await gzip(plain);
    assertEquals([packed[0], packed[1]], [0x1f, 0x8b]);
    const file = `${s.tmp}/bars.ndjson.gz`;
    await Deno.writeFile(file, packed);
    const tenants = [newTenant(), newTenant(), newTenant()];
    const runs = [
      await expectExit(0, ["ingest-ndjson", "bars", file, "--tenant", tenants[0]!, "--json"], {
        env: s.env,
      }),
      await expectExit(0, ["ingest-ndjson", "bars", "-", "--tenant", tenants[1]!, "--json"], {
        env: s.env,
        stdin: plain,
      }),
      await expectExit(0, ["ingest-ndjson", "bars", "--tenant", tenants[2]!, "--json"], {
        env: s.env,
        stdin: packed,
      }),
    ];
    const summaries = runs.map(summaryOf);
    for (const summary of summaries) {
      assertEquals([summary.lines, summary.accepted, summary.rejected], [400, 400, 0]);
    }
    const tables = [];
    for (const tenant of tenants) tables.push(await storedBars(s, tenant, "GZ"));
    const rows = jsonLines(tables[0]!).length;
    assert(rows > 100 && rows < 400, `expected repeated keys, got ${rows} distinct bars`);
    assertEquals(rows, Number(summaries[0]!.inserted));
    assertEquals(tables[1], tables[0], "plain stdin stored another table than the gzip file");
    assertEquals(tables[2], tables[0], "gzip stdin stored another table than the gzip file");
  },
  "every kind of bad line is reported as `line N: reason` and written verbatim to --rejects; exit 3; the good lines are stored":
    async (s) => {
      const tenant = newTenant();
      const other = newTenant();
      const invalidUtf8 = encoder.encode(barLine("BAD", 8, { vendor: "v__" }));
      const at = invalidUtf8.indexOf(0x5f); // "__" -> 0xff 0xfe
      invalidUtf8.set([0xff, 0xfe], at);
      const lines: { line: Input; reason?: string[] }[] = [
        { line: barLine("BAD", 0) },
        { line: '{"ts":"2024-01-02T14:31:00Z","vendor":', reason: ["invalid JSON"] },
        { line: barLine("BAD", 1) },
        { line: barLine("BAD", 2, { open: "12" }), reason: ['"open" is "12"', "number"] },
        {
          line: barLine("BAD", 3).replace('"close":13.5', '"close":1e999'),
          reason: ['"close" is Infinity', "finite"],
        },
        { line: barLine("BAD", 4, { volume: -5 }), reason: ['"volume" is -5', "negative"] },
        {
          line: barLine("BAD", 5, { open: 15, close: 15, low: 15, high: 14.5 }),
          reason: ['"high" is 14.5', "below"],
        },
        { line: barLine("BAD", 6, { timeframe: "7m" }), reason: ['"timeframe" is "7m"'] },
        {
          line: barLine("BAD", 7, { ts: "2024-01-02T14:37:00" }),
          reason: ['"ts" is "2024-01-02T14:37:00"', "time zone"],
        },
        { line: invalidUtf8, reason: ["not valid UTF-8"] },
        {
          line: barLine("BAD", 9, { vendor: "x".repeat(400) }),
          reason: ["longer than 300 bytes"],
        },
        { line: `[${barLine("BAD", 10)}]`, reason: ["expected a JSON object"] },
        { line: "null", reason: ["expected a JSON object (got null)"] },
        { line: barLine("BAD", 11, { tenant_id: other }), reason: [`tenant "${other}"`] },
        { line: barLine("BAD", 12, { symbol: undefined }), reason: ['"symbol" is missing'] },
        { line: barLine("BAD", 13, { volume: 1.5 }), reason: ['"volume" is 1.5', "whole"] },
        { line: barLine("BAD", 14) },
        { line: barLine("BAD", 15, { tenant_id: tenant }) }, // its own tenant is fine
      ];
      const bad = lines.flatMap((l, i) => (l.reason ? [{ ...l, number: i + 1 }] : []));
      const rejects = `${s.tmp}/rejects-${tenant}.ndjson`;
      const run = await expectExit(3, [
        "ingest-ndjson",
        "bars",
        "-",
        "--strict-timestamps", // refuses the zone-less line 9, which is UTC otherwise
        "--tenant",
        tenant,
        "--max-line-bytes",
        "300",
        "--rejects",
        rejects,
      ], { env: s.env, stdin: ndjson(lines.map((l) => l.line)) });
      const reports = run.stderr.split("\n").filter((l) => l.startsWith("line "));
      assertEquals(
        reports.map((r) => Number(/^line (\d+): /.exec(r)?.[1])),
        bad.map((b) => b.number),
        run.stderr,
      );
      for (const [i, b] of bad.entries()) {
        for (const part of b.reason!) assertIncludes(reports[i]!, part, `line ${b.number}`);
      }
      assertIncludes(
        run.stderr,
        `bars: ${lines.length} lines, 4 accepted, ${bad.length} rejected; 4 inserted, 0 updated, 0 unchanged;`,
      );
      assertEquals(
        jsonLines(await storedBars(s, tenant, "BAD")).map((b) => b.ts),
        [0, 1, 14, 15].map((m) => new Date(Date.UTC(2024, 0, 2, 14, 30 + m)).toISOString()),
      );
      const written = await Deno.readFile(rejects);
      assertEquals(
        decoder.decode(written),
        decoder.decode(ndjson(bad.map((b) => b.line))),
        "--rejects must hold exactly the bad lines",
      );
      assertEquals(written, ndjson(bad.map((b) => b.line)), "--rejects differs byte for byte");
    },
  "--rejects keeps a rejected over-long line whole, also past 1,024 bytes": async (s) => {
    const tenant = newTenant();
    const long = barLine("LONG", 1, { vendor: "y".repeat(3_000) });
    const rejects = `${s.tmp}/rejects-${tenant}.ndjson`;
    const run = await expectExit(3, [
      "ingest-ndjson",
      "bars",
      "--tenant",
      tenant,
      "--max-line-bytes",
      "2000",
      "--rejects",
      rejects,
    ], { env: s.env, stdin: ndjson([barLine("LONG", 0), long, barLine("LONG", 2)]) });
    assertIncludes(run.stderr, "line 2: line is longer than 2000 bytes");
    const written = await Deno.readFile(rejects);
    assertEquals(
      written.length,
      long.length + 1,
      `the README promises bad lines "verbatim, so no input is lost", but a ${long.length}-byte line was cut to ${
        written.length - 1
      } bytes`,
    );
    assertEquals(decoder.decode(written), long + "\n");
  },
  "CRLF line endings, blank lines and a UTF-8 BOM are accepted": async (s) => {
    const tenant = newTenant();
    const input = "\uFEFF" + barLine("CRLF", 0) + "\r\n" + "\r\n" + barLine("CRLF", 1) + "\r\n" +
      " \t \r\n" + "\n" + barLine("CRLF", 2); // no line ending at the end
    const run = await expectExit(0, ["ingest-ndjson", "bars", "--tenant", tenant, "--json"], {
      env: s.env,
      stdin: input,
    });
    const summary = summaryOf(run);
    assertEquals([summary.lines, summary.blank, summary.accepted, summary.rejected], [6, 3, 3, 0]);
    assertEquals(run.stderr, "");
    const stored = jsonLines(await storedBars(s, tenant, "CRLF"));
    assertEquals(
      stored,
      [0, 1, 2].map((i) => {
        const { symbol: _s, timeframe: _t, ...bar } = JSON.parse(barLine("CRLF", i));
        return bar;
      }).map((b) => ({ ...b, ts: new Date(b.ts).toISOString() })),
    );
  },
  "--strict stops at the first bad line: exit 1, committed batches stay, the open batch is dropped":
    async (s) => {
      const tenant = newTenant();
      const lines = [
        ...[0, 1, 2, 3, 4].map((i) => barLine("STRICT", i)),
        barLine("STRICT", 5, { volume: -1 }), // line 6
        barLine("STRICT", 6),
        barLine("STRICT", 7),
      ];
      const run = await expectExit(1, [
        "ingest-ndjson",
        "bars",
        "--tenant",
        tenant,
        "--strict",
        "--max-rows",
        "2",
        "--max-ms",
        "60000",
      ], { env: s.env, stdin: ndjson(lines) });
      assertIncludes(run.stderr, 'line 6: "volume" is -1');
      assertIncludes(run.stderr, "(stopped at line 6)");
      assertIncludes(run.stderr, "bars: 6 lines, 4 accepted, 1 rejected; 4 inserted,");
      // batches [1,2] and [3,4] were committed; line 5 was in the open batch; 7 and 8 never read
      assertEquals(
        jsonLines(await storedBars(s, tenant, "STRICT")).map((b) => b.ts),
        [0, 1, 2, 3].map((m) => new Date(Date.UTC(2024, 0, 2, 14, 30 + m)).toISOString()),
      );
    },
  "SIGINT mid-ingest: exit 130, accepted rows committed; rerunning the input completes the same table as one clean ingest":
    async (s) => {
      const lines = interruptInput();
      const half = ndjson(lines.slice(0, 10_000));
      const interrupted = newTenant();
      const ingest = startIngest(s, [
        "ingest-ndjson",
        "bars",
        "-",
        "--tenant",
        interrupted,
        "--max-ms",
        "200",
        // the counts below assume 5,000-row batches: a key and its correction in two batches
        // count once in each
        "--max-rows",
        "5000",
        "--progress",
      ]);
      ingest.write(half);
      const deadline = Date.now() + 60_000;
      let stopped: Run;
      try {
        if (s.backend === "embedded") {
          // a second process cannot open the data directory: wait until the first half is read
          // (progress on stderr), then for the 200 ms flush timer
          while (ingest.accepted() < 10_000 && Date.now() < deadline) await sleep(100);
          await sleep(600);
        } else {
          while (Date.now() < deadline) {
            if (jsonLines(await storedBars(s, interrupted, "INT")).length > 0) break;
            await sleep(100);
          }
        }
        assert(Date.now() < deadline, `the ingest made no progress: ${ingest.stderr}`);
      } finally {
        stopped = await ingest.stop("SIGINT");
      }
      const { code, stdout, stderr } = stopped;
      assertEquals(code, 130, `stdout: ${stdout}\nstderr: ${stderr}`);
      assertIncludes(stderr, "(interrupted: accepted rows committed)");
      const summary = /bars: (\d+) lines, (\d+) accepted, 0 rejected; (\d+) inserted/.exec(stderr);
      assert(summary, stderr);
      const acceptedRows = Number(summary[2]);
      assert(acceptedRows > 0 && acceptedRows <= 10_000, stderr);
      if (s.backend === "embedded") assertEquals(acceptedRows, 10_000);
      assertEquals(Number(summary[3]), acceptedRows);
      assertEquals(
        jsonLines(await storedBars(s, interrupted, "INT")).length,
        acceptedRows,
        "every accepted row is committed on SIGINT",
      );

      const all = ndjson(lines);
      const rerun = summaryOf(
        await expectExit(0, [
          "ingest-ndjson",
          "bars",
          "--tenant",
          interrupted,
          "--json",
          "--max-rows",
          "5000",
        ], {
          env: s.env,
          stdin: all,
        }),
      );
      assertEquals(
        [rerun.lines, rerun.accepted, rerun.inserted, rerun.updated, rerun.unchanged],
        [20_000, 20_000, 18_000 - acceptedRows, 2_000, acceptedRows],
      );
      const clean = newTenant();
      const once = summaryOf(
        await expectExit(0, [
          "ingest-ndjson",
          "bars",
          "--tenant",
          clean,
          "--json",
          "--max-rows",
          "5000",
        ], {
          env: s.env,
          stdin: all,
        }),
      );
      assertEquals([once.inserted, once.updated, once.unchanged], [18_000, 2_000, 0]);
      const expected = await storedBars(s, clean, "INT");
      assertEquals(jsonLines(expected).length, 18_000);
      const actual = await storedBars(s, interrupted, "INT");
      assert(actual === expected, "the interrupted-and-rerun table differs from a clean ingest");
    },
  "SIGTERM is handled like SIGINT: accepted rows committed, exit 130": async (s) => {
    const tenant = newTenant();
    const ingest = startIngest(s, ["ingest-ndjson", "bars", "--tenant", tenant, "--progress"]);
    ingest.write(ndjson(Array.from({ length: 50 }, (_, i) => barLine("TERM", i))));
    const deadline = Date.now() + 60_000;
    let stopped: Run;
    try {
      while (ingest.accepted() < 50 && Date.now() < deadline) await sleep(100);
    } finally {
      stopped = await ingest.stop("SIGTERM");
    }
    assertEquals(stopped.code, 130, stopped.stderr);
    assertIncludes(
      stopped.stderr,
      "bars: 50 lines, 50 accepted, 0 rejected; 50 inserted, 0 updated, 0 unchanged;",
    );
    assertIncludes(stopped.stderr, "(interrupted: accepted rows committed)");
    assertEquals(jsonLines(await storedBars(s, tenant, "TERM")).length, 50);
  },
  "--json prints the summary: lines, accepted, rejected, inserted, updated, unchanged, seconds, rows_per_second":
    async (s) => {
      const tenant = newTenant();
      const input = ndjson([
        barLine("SUM", 0),
        barLine("SUM", 1),
        "",
        "{oops",
        barLine("SUM", 2),
        barLine("SUM", 0, { close: 10.25 }), // same key as line 1, another value
      ]);
      const run = await expectExit(3, ["ingest-ndjson", "bars", "--tenant", tenant, "--json"], {
        env: s.env,
        stdin: input,
      });
      const summary = summaryOf(run);
      assertEquals(Object.keys(summary), [
        "kind",
        "lines",
        "blank",
        "accepted",
        "rejected",
        "inserted",
        "updated",
        "unchanged",
        "seconds",
        "rows_per_second",
        "interrupted",
        "stopped_at_line",
      ]);
      const { seconds, rows_per_second, ...counts } = summary;
      assertEquals(counts, {
        kind: "bars",
        lines: 6,
        blank: 1,
        accepted: 4,
        rejected: 1,
        inserted: 3,
        updated: 0,
        unchanged: 0,
        interrupted: false,
        stopped_at_line: null,
      });
      assert(typeof seconds === "number" && seconds > 0 && seconds < 60, String(seconds));
      assert(Number.isInteger(rows_per_second) && (rows_per_second as number) > 0);
      assertEquals(run.stderr.split("\n").filter((l) => l !== "").length, 1, run.stderr);
      assertIncludes(run.stderr, "line 4: invalid JSON: ");
    },
  "the last line for a key wins, also when its batches are in flight at once (--max-rows 1)":
    async (s) => {
      const tenant = newTenant();
      // 60 keys, each sent three times in a row with close 1, 2, 3: every batch holds one row
      const lines = Array.from(
        { length: 60 },
        (_, i) =>
          [1, 2, 3].map((close) => barLine("ORDER", i, { open: 2, high: 5, low: 1, close })),
      ).flat();
      const run = await expectExit(0, [
        "ingest-ndjson",
        "bars",
        "--tenant",
        tenant,
        "--max-rows",
        "1",
        "--json",
      ], {
        env: s.env,
        stdin: ndjson(lines),
      });
      assertEquals([summaryOf(run).inserted, summaryOf(run).updated], [60, 120]);
      const closes = jsonLines(await storedBars(s, tenant, "ORDER")).map((b) => b.close);
      const stale = closes.filter((c) => c !== 3).length;
      assertEquals(
        stale,
        0,
        `${stale} of 60 bars kept an earlier line's value: on a server BatchProcessor runs 2 batches at once, so a later batch can commit before an earlier one`,
      );
    },
  "--concurrency: 0 and x are refused naming the flag (exit 2); 4 batches in flight store every row":
    async (s) => {
      const tenant = newTenant();
      const lines = Array.from({ length: 250 }, (_, i) => barLine("CONC", i));
      for (const bad of ["0", "x", "65"]) {
        const run = await expectExit(2, [
          "ingest-ndjson",
          "bars",
          "--tenant",
          tenant,
          "--concurrency",
          bad,
        ], { env: s.env, stdin: ndjson(lines) });
        assertIncludes(
          run.stderr,
          `--concurrency must be a whole number from 1 to 64 (got "${bad}")`,
        );
      }
      assertEquals(jsonLines(await storedBars(s, tenant, "CONC")).length, 0, "a refused run wrote");
      // 25-row batches: ten of them, up to four in flight at once
      const run = await expectExit(0, [
        "ingest-ndjson",
        "bars",
        "--tenant",
        tenant,
        "--concurrency",
        "4",
        "--max-rows",
        "25",
        "--json",
      ], { env: s.env, stdin: ndjson(lines) });
      const summary = summaryOf(run);
      assertEquals(
        [summary.lines, summary.accepted, summary.rejected, summary.inserted, summary.updated],
        [250, 250, 0, 250, 0],
      );
      assertEquals(
        jsonLines(await storedBars(s, tenant, "CONC")),
        lines.map((line) => {
          const { symbol: _s, timeframe: _t, ...bar } = JSON.parse(line);
          return bar;
        }),
      );
    },
  "quotes from stdin: bad ones are reported by field, good ones stored once however often sent":
    async (s) => {
      const tenant = newTenant();
      const quote = (ms: number, over: Record<string, unknown> = {}) =>
        JSON.stringify({
          ts: Date.UTC(2024, 0, 2, 14, 30) + ms,
          vendor: "v",
          symbol: "QTE",
          bid: 10,
          ask: 10.02,
          bid_size: 300,
          ...over,
        });
      const input = ndjson([
        quote(0),
        quote(250, { bid: 10.02, ask: 10 }),
        quote(500, { ask: null, last: 10.01 }),
        quote(750, { bid: null, ask: undefined, bid_size: 5 }),
        quote(1_000, { ask_size: -1 }),
        quote(0), // a repeat of line 1
      ]);
      const args = ["ingest-ndjson", "quotes", "-", "--tenant", tenant, "--json"];
      const run = await expectExit(3, args, { env: s.env, stdin: input });
      const reports = run.stderr.split("\n").filter((l) => l.startsWith("line "));
      assertEquals(reports, [
        'line 2: "ask" is 10: is below the bid',
        'line 4: "bid" is null: a quote needs a bid, an ask or a last price',
        'line 5: "ask_size" is -1: must not be negative',
      ]);
      const first = summaryOf(run);
      assertEquals([first.kind, first.accepted, first.rejected, first.inserted], [
        "quotes",
        3,
        3,
        2,
      ]);
      const again = summaryOf(await expectExit(3, args, { env: s.env, stdin: input }));
      assertEquals([again.inserted, again.updated, again.unchanged], [0, 0, 2]);
    },
  "re-ingesting the same file reports every row unchanged": async (s) => {
    const tenant = newTenant();
    const file = `${s.tmp}/again.ndjson`;
    await Deno.writeFile(file, ndjson(Array.from({ length: 300 }, (_, i) => barLine("AGAIN", i))));
    const args = ["ingest-ndjson", "bars", file, "--tenant", tenant, "--json"];
    const first = summaryOf(await expectExit(0, args, { env: s.env }));
    assertEquals([first.accepted, first.inserted, first.updated, first.unchanged], [
      300,
      300,
      0,
      0,
    ]);
    const before = await storedBars(s, tenant, "AGAIN");
    const again = summaryOf(await expectExit(0, args, { env: s.env }));
    assertEquals([again.accepted, again.inserted, again.updated, again.unchanged], [
      300,
      0,
      0,
      300,
    ]);
    assertEquals(await storedBars(s, tenant, "AGAIN"), before);
  },
});
