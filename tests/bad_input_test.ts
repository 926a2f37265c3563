// The checked-in bad-input corpus (tests/data/bad_input/, described line by line in its
// README.md) through the real `mds ingest-ndjson`, on the embedded store and on PostgreSQL when
// MDS_TEST_DATABASE_URL is set, in write modes insert and copy. Every line is either stored
// exactly (text byte for byte, numbers exact, timestamps the same instant) or rejected with
// `line N: ` and the field (or why the line could not be read); the accepted lines around a bad
// one are never lost, and the SQL-looking input harms no table. The 10 MB line is generated here.
import { type Backend, createPgliteBackend, createPostgresBackend } from "@mds/client";
import { newsId } from "@mds/sql";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, type Run } from "../testing/cli.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";
import { soak } from "../testing/soak.ts";
import { ndjson } from "../testing/cli_ingest.ts";

const encoder = new TextEncoder();
const DATA = decodeURIComponent(new URL("./data/bad_input/", import.meta.url).pathname);

/** How often the corpus is repeated in one input: once normally, 25 times under test:soak. */
const REPEAT = soak(1, 25);

/** One corpus file and what each of its lines must come to. */
interface Corpus {
  readonly kind: "bars" | "news";
  readonly file: string;
  /** Rejected lines: parts the `line N: ` report must contain (the field, or why). */
  readonly rejected: Readonly<Record<number, readonly string[]>>;
  /** Blank lines, skipped. Every other line must be stored exactly. */
  readonly blank: readonly number[];
}

const FIELD_RULES = {
  symbol: "must be 1 to 64 characters without spaces or control characters",
  vendor: "must be 1 to 64 characters of a-z, 0-9, '_', '.' or '-'",
  timeframe: "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w",
  years: "is outside the years 0001 to 9999",
  iso: "expected ISO 8601 text such as 2024-01-02T15:30:00Z",
};

const BARS: Corpus = {
  kind: "bars",
  file: "bars.ndjson",
  blank: [52],
  rejected: {
    2: ["invalid JSON: "],
    4: ["invalid JSON: "],
    5: ["invalid JSON: "],
    7: ['"open" is "10": expected a number, got a string'],
    8: ['"volume" is true: expected a number, got a boolean'],
    9: ['"symbol" is 123: expected text, got a number'],
    10: ['"ts" is {}: expected ISO 8601 text or epoch milliseconds'],
    11: ['"close" is Infinity: must be a finite number'],
    12: ['"low" is -Infinity: must be a finite number'],
    14: ['"volume" is -5: must not be negative'],
    15: ['"open" is -0.01: must not be negative'],
    16: ['"high" is 9: is below the open, close or low'],
    17: ['"low" is 10.5: is above the open or close'],
    18: [`"timeframe" is "7m": ${FIELD_RULES.timeframe}`],
    19: [`"timeframe" is "1M": ${FIELD_RULES.timeframe}`],
    // line 20, "2024-03-01T15:00:00", has no zone: stored as UTC (the original's convention)
    21: [`"ts" is "2024-03-01": ${FIELD_RULES.iso}`],
    22: [`"ts" is "0000-01-01T00:00:00Z": ${FIELD_RULES.years}`],
    23: [`"ts" is "10000-01-01T00:00:00Z": ${FIELD_RULES.iso}`],
    24: [`"ts" is "+010000-01-01T00:00:00.000Z": ${FIELD_RULES.iso}`],
    25: [`"ts" is 253402300800000: ${FIELD_RULES.years}`],
    26: [`"ts" is "9999-12-31T23:59:59-01:00": ${FIELD_RULES.years}`],
    31: ["invalid JSON: "],
    32: [`"symbol" is "N\\u0000UL": ${FIELD_RULES.symbol}`],
    33: ["line is not valid UTF-8"],
    35: ["line is not valid UTF-8"],
    36: ["line is not valid UTF-8"],
    37: ["line is not valid UTF-8"],
    41: [`"symbol" is "'; DROP TABLE mds.bars; --": ${FIELD_RULES.symbol}`],
    45: [`"vendor" is "x'; drop table mds.bars": ${FIELD_RULES.vendor}`],
    47: ['"volume" is 9007199254740992: must be a whole number no larger than 9007199254740991'],
    48: ['"volume" is 1.5: must be a whole number'],
    49: ['"close" is missing: is required'],
    50: ["expected a JSON object (got ["],
    53: ["invalid JSON: "],
    // the client's tenant check names the tenant, not the field "tenant_id"
    55: ['names tenant "00000000-0000-4000-8000-00000000dead" but the scope is tenant'],
  },
};

const NEWS: Corpus = {
  kind: "news",
  file: "news.ndjson",
  blank: [],
  rejected: {
    2: ["invalid JSON: "],
    15: [
      `"symbols" is ["AAPL","'; DROP TABLE mds.bars; --"]: has a ticker that ${FIELD_RULES.symbol}`,
    ],
    16: ["invalid JSON: "],
    17: ["invalid JSON: "],
    18: ['"title" is "NUL\\u0000inside": contains a NUL character'],
    19: ['"title" is "lone \\ud83d": is not well-formed Unicode'],
    20: ["line is not valid UTF-8"],
    21: ["line is not valid UTF-8"],
    // quoted to 76 UTF-16 units: the reason must not end in half an emoji
    23: [`"title" is "x${"📈".repeat(37)}...: is longer than 2000 characters`],
    24: ['"title" is " \\t\\n ": must not be blank'],
    25: ['"title" is 42: expected text, got a number'],
    26: ['"sentiment" is 1.5: must be between -1 and 1'],
    27: ['"sentiment" is "NaN": expected a number, got a string'],
    // line 28, "2024-03-01T12:00:00", has no zone: stored as UTC
    29: [`"published_at" is "0000-12-31T23:59:59Z": ${FIELD_RULES.years}`],
    30: [`"published_at" is "10000-01-01T00:00:00Z": ${FIELD_RULES.iso}`],
    35: [`"vendor" is "news; drop": ${FIELD_RULES.vendor}`],
    36: ['"symbols" is "AAPL": expected an array of tickers'],
  },
};

const CORPORA = [BARS, NEWS] as const;

/** The lines of a file split on LF, without the empty piece after the final LF. */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let from = 0;
  for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a, from)) {
    lines.push(bytes.subarray(from, nl));
    from = nl + 1;
  }
  assertEquals(from, bytes.length, "a corpus file ends with a line feed");
  return lines;
}

const hex = (text: string): string =>
  Array.from(encoder.encode(text), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The instant of an accepted timestamp, computed without the product's parser; text without a
 * zone is UTC (Date.parse would read it as local time).
 */
function instant(value: unknown): number {
  const text = String(value);
  const zoneless = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  const ms = typeof value === "number" ? value : Date.parse(zoneless ? `${text}Z` : text);
  assert(Number.isFinite(ms), `corpus timestamp ${String(value)} does not parse`);
  return ms;
}

// Stored rows in a form where equality means exact: text as the hex of its UTF-8 bytes, float8
// as the number its shortest exact text reads as (so -0 stays -0), int8 as its decimal text,
// timestamps as epoch milliseconds.
type Canon = Record<string, string | number | null>;

const hexOf = (col: string) => `encode(convert_to(${col}, 'UTF8'), 'hex') AS ${col}`;
const msOf = (col: string) => `(extract(epoch FROM ${col}) * 1000)::text AS ${col}`;

const READ: Record<Corpus["kind"], string> = {
  bars: `SELECT ${msOf("ts")}, ${hexOf("vendor")}, ${hexOf("symbol")}, ${hexOf("timeframe")},
      open::text, high::text, low::text, close::text, volume::text, vwap::text,
      trade_count::text
    FROM mds_core.bars WHERE tenant_id = $1`,
  news: `SELECT ${msOf("published_at")}, ${hexOf("vendor")}, ${hexOf("id")},
      array_to_string(ARRAY(SELECT encode(convert_to(s, 'UTF8'), 'hex')
        FROM unnest(symbols) WITH ORDINALITY AS u(s, i) ORDER BY i), ',') AS symbols,
      ${hexOf("title")}, ${hexOf("url")}, ${hexOf("summary")}, ${hexOf("source")},
      sentiment::text
    FROM mds_core.news WHERE tenant_id = $1`,
};

const FLOATS = new Set(["open", "high", "low", "close", "vwap", "sentiment"]);

function canonStored(row: Record<string, unknown>): Canon {
  const out: Canon = {};
  for (const [name, value] of Object.entries(row)) {
    if (value === null) out[name] = null;
    else if (name === "ts" || name === "published_at" || FLOATS.has(name)) {
      out[name] = Number(value);
    } else out[name] = String(value);
  }
  return out;
}

const nullableHex = (
  v: unknown,
): string | null => (v === undefined || v === null ? null : hex(String(v)));
const nullableNumber = (
  v: unknown,
): number | null => (v === undefined || v === null ? null : v as number);

/** What an accepted corpus line must read back as. */
function canonExpected(kind: Corpus["kind"], input: Record<string, unknown>): Canon {
  if (kind === "bars") {
    return {
      ts: instant(input.ts),
      vendor: hex(input.vendor as string),
      symbol: hex(input.symbol as string),
      timeframe: hex(input.timeframe as string),
      open: input.open as number,
      high: input.high as number,
      low: input.low as number,
      close: input.close as number,
      volume: String(input.volume ?? 0),
      vwap: nullableNumber(input.vwap),
      trade_count: input.trade_count == null ? null : String(input.trade_count),
    };
  }
  const published = instant(input.published_at);
  const id = (input.id as string | undefined) ??
    newsId(
      input.vendor as string,
      (input.url as string | null | undefined) ?? null,
      input.title as string,
      new Date(published),
    );
  return {
    published_at: published,
    vendor: hex(input.vendor as string),
    id: hex(id),
    symbols: ((input.symbols ?? []) as string[]).map(hex).join(","),
    title: hex(input.title as string),
    url: nullableHex(input.url),
    summary: nullableHex(input.summary),
    source: nullableHex(input.source),
    sentiment: nullableNumber(input.sentiment),
  };
}

const byJson = (a: Canon, b: Canon) => {
  const x = JSON.stringify(a), y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

type BackendName = "embedded" | "postgres";

/** One store for one suite: an embedded data directory or a fresh, migrated server database. */
interface Store extends AsyncDisposable {
  readonly backend: BackendName;
  readonly env: Env;
  readonly tmp: string;
  /** Runs `fn` on a superuser connection; the embedded store is opened only while it runs. */
  superuser<T>(fn: (db: Backend) => Promise<T>): Promise<T>;
}

async function openStore(backend: BackendName): Promise<Store> {
  const tmp = await Deno.makeTempDir({ prefix: "mds_bad_input_test_" });
  if (backend === "embedded") {
    const dataDir = `${tmp}/data`;
    const env = cleanEnv({ MDS_DATA_DIR: dataDir });
    await expectExit(0, ["migrate"], { env });
    return {
      backend,
      env,
      tmp,
      superuser: async (fn) => {
        await using db = await createPgliteBackend({ dataDir });
        return await fn(db);
      },
      [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
    };
  }
  const db = await createServerDatabase(serverUrl("postgres")!);
  const env = cleanEnv({ MDS_DATABASE_URL: db.url, MDS_DATA_DIR: `${tmp}/unused` });
  await expectExit(0, ["migrate", "--timescale", "off"], { env });
  const pool = createPostgresBackend({ url: db.url, max: 1 });
  return {
    backend,
    env,
    tmp,
    superuser: (fn) => fn(pool),
    [Symbol.asyncDispose]: async () => {
      await pool.close();
      await db.drop();
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

/** The one `--json` summary an ingest printed. */
function summaryOf(run: Run): Record<string, unknown> {
  const lines = jsonLines(run.stdout);
  assertEquals(lines.length, 1, `one summary line expected: ${run.stdout}`);
  return lines[0]!;
}

/** The `line N: reason` reports on stderr, checked to be all of stderr. */
function reportsOf(run: Run): Map<number, string> {
  const reports = new Map<number, string>();
  for (const line of run.stderr.split("\n").filter((l) => l !== "")) {
    const m = /^line (\d+): (.+)$/.exec(line);
    assert(m, `stderr holds something other than a line report: ${JSON.stringify(line)}`);
    assert(!reports.has(Number(m[1])), `line ${m[1]} reported twice`);
    reports.set(Number(m[1]), m[2]!);
  }
  return reports;
}

function assertReasonIsClean(line: number, reason: string): void {
  assert(reason.length <= 300, `line ${line}: a ${reason.length}-character reason`);
  assert(!reason.includes("\uFFFD"), `line ${line}: the reason holds U+FFFD: ${reason}`);
}

/** Rows accepted so far in a store, by kind, to check nothing else is there at the end. */
type Tally = Record<Corpus["kind"], number>;

async function ingestCorpus(
  store: Store,
  corpus: Corpus,
  mode: "insert" | "copy",
  tally: Tally,
): Promise<void> {
  const fileBytes = await Deno.readFile(`${DATA}${corpus.file}`);
  const lines = splitLines(fileBytes);
  const n = lines.length;
  const rejected = Object.keys(corpus.rejected).map(Number);
  const accepted = lines.flatMap((_, i) =>
    rejected.includes(i + 1) || corpus.blank.includes(i + 1) ? [] : [i + 1]
  );
  assert(rejected.length > 0 && accepted.length > 0);
  // the corpus interleaves: a rejected line is never first or last, and good lines follow bad
  assert(!rejected.includes(1) && !rejected.includes(n), "bad lines sit between good ones");

  let input = `${DATA}${corpus.file}`;
  if (REPEAT > 1) {
    input = `${store.tmp}/${corpus.kind}-x${REPEAT}.ndjson`;
    await Deno.writeFile(input, ndjson(Array.from({ length: REPEAT }, () => lines).flat()));
  }
  const tenant = newTenant();
  const rejects = `${store.tmp}/rejects-${tenant}.ndjson`;
  const run = await expectExit(3, [
    "ingest-ndjson",
    corpus.kind,
    input,
    "--tenant",
    tenant,
    "--write-mode",
    mode,
    "--max-rows",
    "7", // several batches, with bad lines on both sides of their edges
    "--rejects",
    rejects,
    "--json",
  ], { env: store.env });
  tally[corpus.kind] += accepted.length;

  const summary = summaryOf(run);
  assertEquals(
    {
      lines: summary.lines,
      blank: summary.blank,
      accepted: summary.accepted,
      rejected: summary.rejected,
      inserted: summary.inserted,
      updated: summary.updated,
      unchanged: summary.unchanged,
      interrupted: summary.interrupted,
    },
    {
      lines: n * REPEAT,
      blank: corpus.blank.length * REPEAT,
      accepted: accepted.length * REPEAT,
      rejected: rejected.length * REPEAT,
      inserted: accepted.length,
      updated: 0,
      unchanged: accepted.length * (REPEAT - 1),
      interrupted: false,
    },
  );

  const reports = reportsOf(run);
  const expectedNumbers = Array.from(
    { length: REPEAT },
    (_, r) => rejected.map((line) => line + r * n),
  ).flat();
  assertEquals([...reports.keys()], expectedNumbers, run.stderr.slice(0, 4_000));
  for (const [number, reason] of reports) {
    const line = ((number - 1) % n) + 1;
    for (const part of corpus.rejected[line]!) {
      assertIncludes(reason, part, `${corpus.file} line ${line}: ${reason}`);
    }
    assertReasonIsClean(number, reason);
  }

  const bad = rejected.map((line) => lines[line - 1]!);
  assertEquals(
    await Deno.readFile(rejects),
    ndjson(Array.from({ length: REPEAT }, () => bad).flat()),
    "--rejects must hold the bad lines byte for byte",
  );

  const expected = accepted.map((line) =>
    canonExpected(corpus.kind, JSON.parse(new TextDecoder().decode(lines[line - 1]!)))
  ).sort(byJson);
  const stored = await store.superuser((db) => db.query(READ[corpus.kind], [tenant]));
  assertEquals(stored.map(canonStored).sort(byJson), expected);
}

/** A valid news line for the 10 MB tests, or that line's summary grown to about 10 MB. */
function newsLine(id: string, summary = "Short."): string {
  return JSON.stringify({
    published_at: "2024-04-01T09:30:00+02:00",
    vendor: "corpus",
    id,
    symbols: ["BIG"],
    title: `Around a 10 MB line: ${id}`,
    summary,
  });
}

async function ingestTenMegabyteLine(
  store: Store,
  tally: Tally,
  options: { maxLineBytes?: number; reason: string },
): Promise<void> {
  const tenant = newTenant();
  const big = encoder.encode(newsLine("big", "é".repeat(5 * 1024 * 1024))); // 2 bytes each
  assert(big.length > 10 * 1024 * 1024);
  const around = [newsLine("before"), newsLine("after")];
  const file = `${store.tmp}/ten-mb-${tenant}.ndjson`;
  await Deno.writeFile(
    file,
    ndjson([encoder.encode(around[0]!), big, encoder.encode(around[1]!)]),
  );
  const rejects = `${store.tmp}/rejects-${tenant}.ndjson`;
  const run = await expectExit(3, [
    "ingest-ndjson",
    "news",
    file,
    "--tenant",
    tenant,
    "--rejects",
    rejects,
    "--json",
    ...(options.maxLineBytes ? ["--max-line-bytes", String(options.maxLineBytes)] : []),
  ], { env: store.env });
  tally.news += 2;
  const summary = summaryOf(run);
  assertEquals([summary.lines, summary.accepted, summary.rejected, summary.inserted], [3, 2, 1, 2]);
  const reports = reportsOf(run);
  assertEquals([...reports.keys()], [2]);
  assertIncludes(reports.get(2)!, options.reason);
  assertReasonIsClean(2, reports.get(2)!);
  assertEquals(await Deno.readFile(rejects), ndjson([big]), "--rejects keeps the line whole");
  const stored = await store.superuser((db) => db.query(READ.news, [tenant]));
  assertEquals(
    stored.map(canonStored).sort(byJson),
    around.map((l) => canonExpected("news", JSON.parse(l))).sort(byJson),
  );
}

const SCHEMA_TABLES = `SELECT table_schema || '.' || table_name AS name, table_type AS type
  FROM information_schema.tables WHERE table_schema IN ('mds', 'mds_core') ORDER BY 1`;

for (const backend of ["embedded", "postgres"] as const) {
  const configured = backend === "embedded" || serverUrl("postgres") !== undefined;
  Deno.test({
    name: configured
      ? `bad-input corpus: every line stored exactly or rejected naming line and field [${backend}]`
      : `bad-input corpus [${backend}] skipped: set MDS_TEST_DATABASE_URL`,
    ignore: !configured,
    fn: async (t) => {
      await using store = await openStore(backend);
      const tablesBefore = await store.superuser((db) => db.query(SCHEMA_TABLES));
      assert(tablesBefore.some((r) => r.name === "mds_core.bars"), JSON.stringify(tablesBefore));
      const tally: Tally = { bars: 0, news: 0 };

      for (const corpus of CORPORA) {
        for (const mode of ["insert", "copy"] as const) {
          await t.step(
            `${corpus.file} with --write-mode ${mode}: exit 3, counts, one report per bad line naming it, --rejects byte-equal, accepted rows read back exactly`,
            () => ingestCorpus(store, corpus, mode, tally),
          );
        }
      }

      await t.step(
        "a 10 MB line over --max-line-bytes is rejected whole to --rejects; the rows around it are stored",
        () => ingestTenMegabyteLine(store, tally, { reason: "line is longer than 1048576 bytes" }),
      );
      await t.step(
        "a 10 MB line within --max-line-bytes is rejected naming its field, the value quoted short",
        () =>
          ingestTenMegabyteLine(store, tally, {
            maxLineBytes: 16 * 1024 * 1024,
            reason: `"summary" is "${"é".repeat(76)}...: is longer than 100000 characters`,
          }),
      );

      await t.step(
        "after the SQL-looking input every table and view is still there and holds exactly the accepted rows",
        async () => {
          await store.superuser(async (db) => {
            assertEquals(await db.query(SCHEMA_TABLES), tablesBefore);
            const [counts] = await db.query<{ bars: number; news: number }>(
              `SELECT (SELECT count(*) FROM mds_core.bars)::int AS bars,
                (SELECT count(*) FROM mds_core.news)::int AS news`,
            );
            assertEquals(counts, tally);
            // the stored SQL-looking values are data: look them up by value
            const [found] = await db.query<{ bars: number; news: number }>(
              `SELECT (SELECT count(*) FROM mds_core.bars WHERE symbol = $1)::int AS bars,
                (SELECT count(*) FROM mds_core.news WHERE id = $2 AND title = $3)::int AS news`,
              [
                "';DROP_TABLE_MDS.BARS;--",
                "1'; DELETE FROM mds_core.news; --",
                "'); DROP TABLE mds.news; --",
              ],
            );
            assertEquals(found, { bars: 2, news: 2 }); // one per write mode
          });
        },
      );
    },
  });
}

Deno.test("the corpus README lists every line of every corpus file with the outcome the test expects", async () => {
  const readme = await Deno.readTextFile(`${DATA}README.md`);
  for (const corpus of CORPORA) {
    const section = readme.split(/^## /m).find((s) => s.startsWith(`\`${corpus.file}\``));
    assert(section, `README.md has no "## \`${corpus.file}\`" section`);
    const listed = [
      ...section.matchAll(/^\| *(\d+) *\|.*\| *(stored|rejected|blank)\b[^|]*\| *$/gm),
    ]
      .map((m) => [Number(m[1]), m[2]] as const);
    const lines = splitLines(await Deno.readFile(`${DATA}${corpus.file}`));
    assertEquals(
      listed,
      lines.map((_, i) => {
        const line = i + 1;
        const outcome = corpus.blank.includes(line)
          ? "blank"
          : corpus.rejected[line]
          ? "rejected"
          : "stored";
        return [line, outcome] as const;
      }),
      `README.md and the expectations of ${corpus.file} disagree`,
    );
  }
});
