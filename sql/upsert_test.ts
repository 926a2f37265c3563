// The upsert statements tested as data: their text and parameters, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { parseBar } from "./bar.ts";
import { parseFundamentals } from "./fundamentals.ts";
import { parseNews } from "./news.ts";
import { parseOptionSnap } from "./option_snap.ts";
import { parseQuote } from "./quote.ts";
import { type ColumnType, ROW_KINDS, type RowKind, TABLES, type TableSpec } from "./tables.ts";
import { buildSeriesUpdate, buildUpsert, prepareRows, rowKey } from "./upsert.ts";
import { buildStageTable, copyTarget, stageTable } from "./copy.ts";

const T1 = "00000000-0000-4000-8000-000000000001";
const T2 = "00000000-0000-4000-8000-000000000002";

/**
 * Parses a one-dimensional PostgreSQL array literal: quoted elements with `\"` and `\\`
 * escapes, unquoted elements (trimmed), and unquoted `NULL` as null.
 */
function parseArrayLiteral(text: string): (string | null)[] {
  if (!text.startsWith("{") || !text.endsWith("}")) {
    throw new Error(`not an array literal: ${text}`);
  }
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  if (i === end) return out;
  while (true) {
    if (text[i] === '"') {
      let value = "";
      i++;
      while (text[i] !== '"') {
        if (i >= end) throw new Error(`unterminated element in ${text}`);
        if (text[i] === "\\") i++;
        value += text[i];
        i++;
      }
      i++;
      out.push(value);
    } else {
      let token = "";
      while (i < end && text[i] !== ",") {
        if (text[i] === "{" || text[i] === "}" || text[i] === '"') {
          throw new Error(`unexpected ${text[i]} at ${i} in ${text}`);
        }
        if (text[i] === "\\") i++;
        token += text[i];
        i++;
      }
      token = token.trim();
      if (token === "") throw new Error(`empty unquoted element in ${text}`);
      out.push(/^null$/i.test(token) ? null : token);
    }
    if (i === end) return out;
    if (text[i] !== ",") throw new Error(`expected "," at ${i} in ${text}`);
    i++;
  }
}

/** Turns one array element back into the value the model holds. */
function decodeElement(type: ColumnType, element: string | null): unknown {
  if (element === null) return null;
  switch (type) {
    case "timestamptz":
      return new Date(element);
    case "float8":
    case "int8":
      return Number(element);
    case "text[]":
      return parseArrayLiteral(element);
    case "jsonb":
      return JSON.parse(element);
    default:
      return element;
  }
}

Deno.test("parseArrayLiteral() in this test reads quoted, escaped, unquoted and NULL elements", () => {
  assertEquals(parseArrayLiteral("{}"), []);
  assertEquals(parseArrayLiteral('{"a\\"b","c\\\\d",NULL,"NULL", x ,null}'), [
    'a"b',
    "c\\d",
    null,
    "NULL",
    "x",
    null,
  ]);
});

const rowsByKind: Record<RowKind, Record<string, unknown>[]> = {
  bars: [
    {
      ...parseBar({
        ts: "2024-01-02T14:30:00.123Z",
        vendor: "polygon",
        symbol: "AAPL",
        timeframe: "1m",
        open: 185.1,
        high: 185.4,
        low: 184.9,
        close: 185.2,
        volume: 9_007_199_254_740_991,
        vwap: 0.1 + 0.2,
        trade_count: 42,
      }),
      tenant_id: T1,
    },
    {
      ...parseBar({
        ts: "2001-06-30T00:00:00Z",
        vendor: "polygon",
        symbol: "BRK.B",
        timeframe: "1d",
        open: 1e-7,
        high: 1e21,
        low: 0,
        close: 5,
      }),
      tenant_id: T2,
    },
  ],
  fundamentals: [
    {
      ...parseFundamentals({
        asof: "2024-03-31",
        vendor: "fmp",
        symbol: "MSFT",
        market_cap: 3.1e12,
        pe_ratio: -12.5,
        eps: 2.94,
        revenue: 6.19e10,
        net_income: -2.19e10,
        shares_outstanding: 7_430_000_000,
        dividend_yield: 0.007,
        extra: { note: 'a "quoted", {braced}\tline\nnext \\ 株 😀', list: [1, null] },
      }),
      tenant_id: T1,
    },
    {
      ...parseFundamentals({ asof: "2024-02-29", vendor: "fmp", symbol: "IBM" }),
      tenant_id: T1,
    },
  ],
  news: [
    {
      ...parseNews({
        published_at: "2024-01-02T15:00:00Z",
        vendor: "benzinga",
        id: 'id,with"quote',
        symbols: ["AAPL", 'A"B', "C\\D", "{E}", "F,G", "NULL"],
        title: 'Apple\tbeats {estimates}, "again" \\ 😀',
        url: "https://news.example/a?b=1,2",
        summary: "line one\nline two\r\nпривет 日本",
        source: "Benzinga",
        sentiment: -0.25,
      }),
      tenant_id: T1,
    },
    {
      ...parseNews({ published_at: 0, vendor: "benzinga", title: "NULL", summary: "" }),
      tenant_id: T1,
    },
  ],
  options: [
    {
      ...parseOptionSnap({
        ts: "2024-01-02T15:00:00Z",
        vendor: "opra",
        symbol: "SPY",
        expiry: "2024-01-19",
        option_type: "c",
        strike: 470.5,
        bid: 3.1,
        ask: 3.2,
        last: 3.15,
        volume: 1200,
        open_interest: 5400,
        implied_volatility: 0.14,
        delta: -1,
        gamma: 0.03,
        theta: -0.12,
        vega: 0.2,
        underlying_price: 472.5,
      }),
      tenant_id: T1,
    },
    {
      ...parseOptionSnap({
        ts: "2024-01-02T15:00:00Z",
        vendor: "opra",
        symbol: "SPY",
        expiry: "2024-01-19",
        option_type: "P",
        strike: 1,
      }),
      tenant_id: T1,
    },
  ],
  quotes: [
    {
      ...parseQuote({
        ts: "2024-01-02T14:30:00.001Z",
        vendor: "polygon",
        symbol: "BRK.B",
        bid: 0.1 + 0.2,
        ask: 1e21,
        last: 0,
        bid_size: 9_007_199_254_740_991,
        ask_size: 0,
      }),
      tenant_id: T1,
    },
    {
      ...parseQuote({ ts: 0, vendor: "iex", symbol: "NULL", last: 5 }),
      tenant_id: T2,
    },
  ],
};

const shapes: Array<[RowKind, string, string]> = [
  ["bars", "mds.bars", "ON CONFLICT (ts, tenant_id, vendor, symbol, timeframe)"],
  ["fundamentals", "mds.fundamentals", "ON CONFLICT (asof, tenant_id, vendor, symbol)"],
  ["news", "mds.news", "ON CONFLICT (published_at, tenant_id, vendor, id)"],
  [
    "options",
    "mds.option_snapshots",
    "ON CONFLICT (ts, tenant_id, vendor, symbol, expiry, option_type, strike)",
  ],
  ["quotes", "mds.quotes_l1", "ON CONFLICT (ts, tenant_id, vendor, symbol)"],
];

Deno.test("the tests below cover every row kind", () => {
  assertEquals(shapes.map((s) => s[0]), [...ROW_KINDS]);
  assertEquals(Object.keys(rowsByKind), [...ROW_KINDS]);
});

for (const [kind, view, conflict] of shapes) {
  const spec = TABLES[kind];
  const rows = rowsByKind[kind];

  // rows of one tenant send it once, as a scalar in the tenant column's place
  const tenants = new Set(rows.map((r) => r.tenant_id));
  const sole = tenants.size === 1 ? [...tenants][0] : undefined;

  Deno.test(`buildUpsert(${kind}) passes exactly one parameter per column`, () => {
    const q = buildUpsert(spec, { kind: "unnest", rows }, { sideEffects: false });
    assertEquals(q.params.length, spec.columns.length);
    for (const [i, param] of q.params.entries()) {
      assertEquals(typeof param, "string", `parameter $${i + 1}`);
      if (sole !== undefined && spec.columns[i]!.name === "tenant_id") {
        assertEquals(param, sole);
        assertIncludes(q.text, `$${i + 1}::uuid AS tenant_id`);
        assert(!q.text.includes(`$${i + 1}::uuid[]`), "the tenant is not an array");
        continue;
      }
      assertEquals(parseArrayLiteral(param as string).length, rows.length, `$${i + 1}`);
    }
    spec.columns.forEach((_col, i) => assertIncludes(q.text, `$${i + 1}::`));
    assert(!q.text.includes(`$${spec.columns.length + 1}`), "no parameter beyond the columns");
  });

  Deno.test(`buildUpsert(${kind}) parameters decode back to the rows, column by column`, () => {
    const q = buildUpsert(spec, { kind: "unnest", rows });
    spec.columns.forEach((col, i) => {
      if (sole !== undefined && col.name === "tenant_id") {
        assertEquals(rows.map(() => q.params[i]), rows.map((r) => r.tenant_id));
        return;
      }
      const decoded = parseArrayLiteral(q.params[i] as string).map((e) =>
        decodeElement(col.type, e)
      );
      assertEquals(decoded, rows.map((r) => r[col.name] ?? null), `column ${col.name}`);
    });
  });

  Deno.test(`buildUpsert(${kind}) with no rows passes empty arrays`, () => {
    const q = buildUpsert(spec, { kind: "unnest", rows: [] });
    // the batch, then the newest row of each series in the columns its side effects read
    const series = { bars: 6, options: 4 }[kind as string] ?? 0;
    assertEquals(q.params, [...Array(spec.columns.length + series)].map(() => "{}"));
  });

  Deno.test(`buildUpsert(${kind}) inserts through the view ${view} with ON CONFLICT on its key`, () => {
    const q = buildUpsert(spec, { kind: "unnest", rows });
    assertEquals(spec.view, view);
    assertIncludes(q.text, `INSERT INTO ${view} `);
    assert(!q.text.includes(`INSERT INTO ${spec.table}`), "never writes the base table");
    assertIncludes(q.text, conflict);
    assertIncludes(q.text, `ON CONFLICT (${spec.key.join(", ")})`);
    assertIncludes(q.text, "IS DISTINCT FROM");
    assertIncludes(q.text, "unnest(");
  });

  Deno.test(`buildUpsert(${kind}) updates every column except the key`, () => {
    const q = buildUpsert(spec, { kind: "unnest", rows });
    const start = q.text.indexOf(`${conflict} DO UPDATE`);
    assert(start >= 0, q.text);
    const update = q.text.slice(start, q.text.indexOf("WHERE", start));
    for (const col of spec.columns) {
      const set = `${col.name} = EXCLUDED.${col.name}`;
      if (spec.key.includes(col.name)) assert(!update.includes(set), `${set} changes the key`);
      else assertIncludes(update, set);
    }
  });

  Deno.test(`buildUpsert(${kind}) from a staging table has no parameters and reads that table`, () => {
    const q = buildUpsert(spec, { kind: "stage", table: "x" });
    assertEquals(q.params, []);
    assertIncludes(q.text, `FROM x`);
    assert(!q.text.includes("unnest("), q.text);
    assert(!/\$\d/.test(q.text), "no placeholders");
    assertIncludes(q.text, `INSERT INTO ${view} `);
    assertIncludes(q.text, conflict);
  });
}

Deno.test("buildUpsert(bars) keeps latest_prices and ingest_cursors current in the same statement", () => {
  for (const source of [{ kind: "unnest", rows: [] }, { kind: "stage", table: "s" }] as const) {
    const q = buildUpsert(TABLES.bars, source);
    assertIncludes(q.text, "INSERT INTO mds.latest_prices");
    assertIncludes(q.text, "INSERT INTO mds.ingest_cursors");
    assertIncludes(q.text, "'bars'");
  }
});

/** The `INSERT INTO <table> ... ON CONFLICT` part of a statement, up to ON CONFLICT. */
function insertInto(text: string, table: string): string {
  const at = text.indexOf(`INSERT INTO ${table} `);
  assert(at >= 0, `no insert into ${table} in ${text}`);
  return text.slice(at, text.indexOf("ON CONFLICT", at));
}

for (const [kind, series] of [["bars", "timeframe"], ["options", ""]] as const) {
  Deno.test(`buildUpsert(${kind}) and buildSeriesUpdate(${kind}) lock series rows in key order, so concurrent writers cannot deadlock`, () => {
    const rows = rowsByKind[kind];
    const statements = [
      buildUpsert(TABLES[kind], { kind: "unnest", rows }).text,
      buildUpsert(TABLES[kind], { kind: "stage", table: "s" }).text,
      buildSeriesUpdate(TABLES[kind], rows)!.text,
    ];
    const byKey = `ORDER BY tenant_id, vendor, symbol${series ? `, ${series}` : ""}`;
    for (const text of statements) {
      // a GROUP BY alone may run as a hash aggregate, whose output order depends on the groups
      assert(insertInto(text, "mds.ingest_cursors").trimEnd().endsWith(byKey), text);
      if (kind === "bars") {
        assertIncludes(
          insertInto(text, "mds.latest_prices"),
          "ORDER BY tenant_id, vendor, symbol,",
        );
      }
    }
  });
}

for (const kind of ["news", "fundamentals", "quotes"] as const) {
  Deno.test(`buildUpsert(${kind}) touches neither ingest_cursors nor latest_prices`, () => {
    const q = buildUpsert(TABLES[kind], { kind: "unnest", rows: rowsByKind[kind] });
    assert(!q.text.includes("ingest_cursors"), q.text);
    assert(!q.text.includes("latest_prices"), q.text);
  });
}

const newsRow = (title: string, summary: string | null) => ({
  ...parseNews({ published_at: 0, vendor: "v", id: "1", title, summary }),
  tenant_id: T1,
});
const newsColumn = (name: string) => TABLES.news.columns.findIndex((c) => c.name === name);

const awkward: Array<[string, string]> = [
  ["double quotes", 'say "hi"'],
  ["a lone double quote", '"'],
  ["backslashes", "C:\\path\\to"],
  ["a trailing backslash", "end\\"],
  ["an escaped quote sequence", '\\"'],
  ["commas", "a,b,,c"],
  ["braces", "{a,b}"],
  ["unbalanced braces", "}{"],
  ["a tab", "a\tb"],
  ["newlines", "line\nline\r\nline\r"],
  ["emoji", "😀👍🏽🇩🇪"],
  ["CJK", "日本語のニュース"],
  ["Cyrillic and Arabic", "привет مرحبا"],
  ["the word NULL", "NULL"],
  ["the word null", "null"],
  ["leading and trailing spaces", "  padded  "],
  ["the COPY null marker", "\\N"],
  ["everything at once", ' "{\\,\t\n}" 😀 NULL '],
];

for (const [name, text] of awkward) {
  Deno.test(`buildUpsert(news) passes text with ${name} through its array parameters unchanged`, () => {
    const q = buildUpsert(TABLES.news, { kind: "unnest", rows: [newsRow(text, text)] });
    assertEquals(parseArrayLiteral(q.params[newsColumn("title")] as string), [text]);
    assertEquals(parseArrayLiteral(q.params[newsColumn("summary")] as string), [text]);
  });
}

Deno.test("buildUpsert() sends NULL values as unquoted NULL, apart from the text 'NULL'", () => {
  const q = buildUpsert(TABLES.news, {
    kind: "unnest",
    rows: [newsRow("NULL", null), newsRow("x", "NULL")],
  });
  assertEquals(q.params[newsColumn("url")], "{NULL,NULL}");
  assertEquals(q.params[newsColumn("summary")], '{NULL,"NULL"}');
  assertEquals(q.params[newsColumn("title")], '{"NULL","x"}');
  assertEquals(parseArrayLiteral(q.params[newsColumn("summary")] as string), [null, "NULL"]);
});

Deno.test("buildUpsert() passes an empty text as an empty quoted element, not as NULL", () => {
  const q = buildUpsert(TABLES.news, { kind: "unnest", rows: [newsRow("t", "")] });
  assertEquals(q.params[newsColumn("summary")], '{""}');
});

Deno.test("buildUpsert(news) passes symbols as text holding a nested array literal", () => {
  const rows = [
    { ...newsRow("a", null), symbols: ["AAPL", "MSFT"] },
    { ...newsRow("b", null), symbols: [] },
    { ...newsRow("c", null), symbols: ['A"B', "C\\D", "{E}", "F,G", "NULL"] },
  ];
  const q = buildUpsert(TABLES.news, { kind: "unnest", rows });
  const i = newsColumn("symbols");
  assertIncludes(q.text, `$${i + 1}::text[]`);
  assertIncludes(q.text, "s.symbols::text[] AS symbols");
  const inner = parseArrayLiteral(q.params[i] as string);
  assertEquals(inner[0], '{"AAPL","MSFT"}');
  assertEquals(inner[1], "{}");
  assertEquals(inner.map((e) => parseArrayLiteral(e!)), rows.map((r) => r.symbols));
});

Deno.test("buildUpsert(fundamentals) passes extra as text holding JSON, and a missing extra as NULL", () => {
  const rows = rowsByKind.fundamentals;
  const q = buildUpsert(TABLES.fundamentals, { kind: "unnest", rows });
  const i = TABLES.fundamentals.columns.findIndex((c) => c.name === "extra");
  assertIncludes(q.text, `$${i + 1}::text[]`);
  assertIncludes(q.text, "s.extra::jsonb AS extra");
  const elements = parseArrayLiteral(q.params[i] as string);
  assertEquals(JSON.parse(elements[0]!), rows[0]!.extra);
  assertEquals(elements[1], null);
});

Deno.test("buildUpsert() sends timestamps as ISO text with milliseconds and dates as sent", () => {
  const q = buildUpsert(TABLES.bars, { kind: "unnest", rows: rowsByKind.bars });
  assertEquals(q.params[1], '{"2024-01-02T14:30:00.123Z","2001-06-30T00:00:00.000Z"}');
  const f = buildUpsert(TABLES.fundamentals, { kind: "unnest", rows: rowsByKind.fundamentals });
  assertEquals(f.params[1], '{"2024-03-31","2024-02-29"}');
});

Deno.test("buildUpsert() keeps every digit of large whole numbers and float8 values", () => {
  const q = buildUpsert(TABLES.bars, { kind: "unnest", rows: rowsByKind.bars });
  const col = (name: string) => TABLES.bars.columns.findIndex((c) => c.name === name);
  assertEquals(q.params[col("volume")], '{"9007199254740991","0"}');
  assertEquals(q.params[col("vwap")], '{"0.30000000000000004",NULL}');
  assertEquals(q.params[col("high")], '{"185.4","1e+21"}');
});

// prepareRows

const bar = (patch: Record<string, unknown> = {}) => ({
  tenant_id: T1,
  ts: new Date("2024-01-02T14:30:00Z"),
  vendor: "polygon",
  symbol: "AAPL",
  timeframe: "1m",
  open: 10,
  high: 12,
  low: 9,
  close: 11,
  volume: 100,
  vwap: null,
  trade_count: null,
  ...patch,
});

Deno.test("prepareRows() collapses rows with the same key, the last occurrence winning", () => {
  const out = prepareRows(TABLES.bars, [
    bar({ close: 1 }),
    bar({ symbol: "MSFT" }),
    bar({ close: 2 }),
    bar({ close: 3, volume: 7 }),
  ]);
  assertEquals(out.length, 2);
  const aapl = out.find((r) => r.symbol === "AAPL");
  assertEquals([aapl?.close, aapl?.volume], [3, 7]);
});

Deno.test("prepareRows() treats rows differing only outside the key as duplicates", () => {
  const out = prepareRows(TABLES.bars, [
    bar({ open: 1, high: 1, low: 1, close: 1, volume: 1, vwap: 1, trade_count: 1 }),
    bar(),
  ]);
  assertEquals(out, [bar()]);
});

const keyChanges: Array<[string, Record<string, unknown>]> = [
  ["ts", { ts: new Date("2024-01-02T14:31:00Z") }],
  ["tenant_id", { tenant_id: T2 }],
  ["vendor", { vendor: "iex" }],
  ["symbol", { symbol: "MSFT" }],
  ["timeframe", { timeframe: "5m" }],
];

Deno.test("the key-change cases below cover every key column of bars", () => {
  assertEquals(keyChanges.map((k) => k[0]).sort(), [...TABLES.bars.key].sort());
});

for (const [column, patch] of keyChanges) {
  Deno.test(`prepareRows() keeps bars differing only in ${column} apart`, () => {
    const out = prepareRows(TABLES.bars, [bar(), bar(patch)]);
    assertEquals(out.length, 2);
  });
}

Deno.test("prepareRows() keeps options differing only in strike or side apart", () => {
  const [a, b] = rowsByKind.options;
  const out = prepareRows(TABLES.options, [a!, { ...a!, strike: 471 }, {
    ...a!,
    option_type: "P",
  }]);
  assertEquals(out.length, 3);
  assertEquals(prepareRows(TABLES.options, [b!, { ...b!, bid: 1 }]), [{ ...b!, bid: 1 }]);
});

Deno.test("prepareRows() collapses news with the same id and time whatever the title", () => {
  const out = prepareRows(TABLES.news, [newsRow("first", null), newsRow("second", "s")]);
  assertEquals(out.map((r) => r.title), ["second"]);
});

Deno.test("prepareRows() sorts rows by key, time first", () => {
  const at = (iso: string, patch: Record<string, unknown> = {}) =>
    bar({ ts: new Date(iso), ...patch });
  const out = prepareRows(TABLES.bars, [
    at("2024-01-03T00:00:00Z"),
    at("2024-01-01T00:00:00Z", { tenant_id: T2 }),
    at("2024-01-02T00:00:00Z", { symbol: "B" }),
    at("2024-01-01T00:00:00Z"),
    at("2024-01-02T00:00:00Z", { symbol: "A" }),
  ]);
  assertEquals(
    out.map((r) => `${r.ts.toISOString().slice(0, 10)} ${r.tenant_id.slice(-1)} ${r.symbol}`),
    [
      "2024-01-01 1 AAPL",
      "2024-01-01 2 AAPL",
      "2024-01-02 1 A",
      "2024-01-02 1 B",
      "2024-01-03 1 AAPL",
    ],
  );
});

Deno.test("prepareRows() returns a new array and leaves its input untouched", () => {
  const a = bar({ close: 1 });
  const b = bar({ ts: new Date("2020-01-01T00:00:00Z") });
  const c = bar({ close: 2 });
  const input = [a, b, c];
  const snapshot = structuredClone(input);
  const out = prepareRows(TABLES.bars, input);
  assert(out !== input);
  assertEquals(input.length, 3);
  assert(input[0] === a && input[1] === b && input[2] === c, "input order changed");
  assertEquals(input, snapshot);
  assertEquals(out, [b, c]);
});

Deno.test("prepareRows() of no rows is an empty array", () => {
  assertEquals(prepareRows(TABLES.news, []), []);
});

// Staging for COPY

const stages: Array<[RowKind, string]> = [
  ["bars", "mds_stage_bars"],
  ["fundamentals", "mds_stage_fundamentals"],
  ["news", "mds_stage_news"],
  ["options", "mds_stage_options"],
  ["quotes", "mds_stage_quotes"],
];

for (const [kind, name] of stages) {
  const spec: TableSpec = TABLES[kind];
  Deno.test(`stageTable(${kind}) is ${name}, and the staging statements use it`, () => {
    assertEquals(stageTable(spec), name);
    assert(buildStageTable(spec).startsWith(`CREATE TEMP TABLE ${name} (`));
    assert(buildStageTable(spec).endsWith(") ON COMMIT DROP"));
    assert(copyTarget(spec).startsWith(`${name} (`));
    assertIncludes(buildUpsert(spec, { kind: "stage", table: name }).text, `FROM ${name}`);
  });
}

Deno.test("buildStageTable() declares every column with its type, in column order", () => {
  assertEquals(
    buildStageTable(TABLES.news),
    "CREATE TEMP TABLE mds_stage_news (tenant_id uuid, published_at timestamptz, vendor text, " +
      "id text, symbols text[], title text, url text, summary text, source text, " +
      "sentiment float8) ON COMMIT DROP",
  );
  assertEquals(
    buildStageTable(TABLES.fundamentals),
    "CREATE TEMP TABLE mds_stage_fundamentals (tenant_id uuid, asof date, vendor text, " +
      "symbol text, market_cap float8, pe_ratio float8, eps float8, revenue float8, " +
      "net_income float8, shares_outstanding int8, dividend_yield float8, extra jsonb, " +
      "total_assets float8, total_liabilities float8) " +
      "ON COMMIT DROP",
  );
});

Deno.test("copyTarget() names the staging table and lists the columns in order", () => {
  assertEquals(
    copyTarget(TABLES.bars),
    "mds_stage_bars (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, " +
      "volume, vwap, trade_count)",
  );
  assertEquals(
    copyTarget(TABLES.options),
    "mds_stage_options (tenant_id, ts, vendor, symbol, expiry, option_type, strike, bid, " +
      "ask, last, volume, open_interest, implied_volatility, delta, gamma, theta, vega, " +
      "underlying_price, computed)",
  );
  assertEquals(
    copyTarget(TABLES.quotes),
    "mds_stage_quotes (tenant_id, ts, vendor, symbol, bid, ask, last, bid_size, ask_size)",
  );
});

Deno.test("rowKey() orders bar keys by time across the years 0001 to 9999, as strings", () => {
  const t = "00000000-0000-4000-8000-000000000001";
  const instants = [
    new Date(0).setUTCFullYear(1, 0, 1),
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
    0,
    1,
    Date.UTC(2024, 0, 2, 14, 30),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  ];
  const keys = instants.map((ms) =>
    rowKey(TABLES.bars, {
      tenant_id: t,
      ts: new Date(ms),
      vendor: "v",
      symbol: "A",
      timeframe: "1m",
    })
  );
  assertEquals([...keys].sort(), keys);
  assertEquals(new Set(keys).size, keys.length);
  const rows = [...instants].reverse().map((ms) => ({
    tenant_id: t,
    ts: new Date(ms),
    vendor: "v",
    symbol: "A",
    timeframe: "1m",
  }));
  assertEquals(prepareRows(TABLES.bars, rows).map((r) => r.ts.getTime()), instants);
});

Deno.test("buildUpsert(bars) feeds latest prices and cursors the newest row of each series only", () => {
  const t = "00000000-0000-4000-8000-000000000001";
  const bar = (symbol: string, minute: number, close: number) =>
    parseBar({
      tenant_id: t,
      ts: minute * 60_000,
      vendor: "v",
      symbol,
      timeframe: "1m",
      open: close,
      high: close,
      low: close,
      close,
    });
  const rows = prepareRows(TABLES.bars, [
    bar("A", 1, 1),
    bar("A", 3, 3),
    bar("B", 2, 2),
    bar("A", 2, 2),
  ]);
  const q = buildUpsert(TABLES.bars, { kind: "unnest", rows });
  const n = TABLES.bars.columns.length;
  // only the columns latest prices and cursors read, in the table's order
  const read = ["tenant_id", "ts", "vendor", "symbol", "timeframe", "close"];
  assertEquals(q.params.length, n + read.length);
  const series = (name: string) => parseArrayLiteral(q.params[n + read.indexOf(name)] as string);
  assertEquals(series("symbol").sort(), ["A", "B"]);
  assertEquals(series("close").sort(), ["2", "3"]);
  assertIncludes(q.text, "series_input AS (");
  assertIncludes(q.text, `unnest($${n + read.length}::float8[]) AS close) AS s)`);
  assert(!/series_input AS \([^)]*\bopen\b/.test(q.text), "the series input sends the open");
  assertIncludes(q.text, "FROM series_input ORDER BY tenant_id, vendor, symbol");
  // one row per series: the newest rows are the batch itself, so they are not sent again
  const wide = prepareRows(TABLES.bars, [bar("A", 1, 1), bar("B", 1, 2), bar("C", 2, 3)]);
  const w = buildUpsert(TABLES.bars, { kind: "unnest", rows: wide });
  assertEquals(w.params.length, n);
  assert(!w.text.includes("series_input"), w.text);
  assertIncludes(w.text, "FROM input ORDER BY tenant_id, vendor, symbol");
  // the staging (COPY) source has no rows in hand: its side effects read the whole batch
  const stage = buildUpsert(TABLES.bars, { kind: "stage", table: "s" });
  assert(!stage.text.includes("series_input"), "stage source reads input");
  assertIncludes(stage.text, "FROM input ORDER BY tenant_id, vendor, symbol");
});
