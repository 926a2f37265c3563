import assert from "node:assert/strict";
import { EncodedRows } from "./encoded_rows.ts";
import { buildUpsert, prepareRows, rowKey } from "./upsert.ts";
import { encodeCopyRows } from "./copy.ts";
import { parseBar } from "./bar.ts";
import { parseFundamentals } from "./fundamentals.ts";
import { parseNews } from "./news.ts";
import { parseQuote } from "./quote.ts";
import { TABLES, type TableSpec } from "./tables.ts";

const T = "00000000-0000-4000-8000-000000000001";

/** A small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 8) / 0x1000000;
  };
}

// text that needs every escape of both encoders, and characters of one to three UTF-8 bytes
const WORDS = [
  "A",
  "B",
  'q"uote',
  "back\\slash",
  "tab\there",
  "new\nline",
  "cr\rx",
  "é",
  "日本",
  "NULL",
  "",
];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

function bars(n: number, seed: number): Record<string, unknown>[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    ...parseBar({
      ts: Date.UTC(2024, 0, 2, 14, Math.floor(rnd() * 6)),
      vendor: pick(rnd, ["v", "w", "x-y"]),
      symbol: pick(rnd, ["AAPL", "MSFT", "BRK.B", "A1"]),
      timeframe: pick(rnd, ["1m", "5m"]),
      open: 1,
      high: 200 + i,
      low: rnd() < 0.1 ? -0 : 0.5,
      close: Math.round(rnd() * 1000) / 10 + 1,
      volume: Math.floor(rnd() * 100),
      vwap: rnd() < 0.5 ? null : rnd(),
    }, i),
    tenant_id: T,
  }));
}

function newsItems(n: number, seed: number): Record<string, unknown>[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    ...parseNews({
      id: `n${Math.floor(rnd() * n)}`,
      published_at: new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 3) * 1000).toISOString(),
      vendor: "v",
      title: pick(rnd, WORDS.filter((w) => w !== "")) + i,
      symbols: [pick(rnd, ["aapl", "msft"]), pick(rnd, ['q"uote', "back\\slash", "日本"])],
      summary: rnd() < 0.3 ? null : pick(rnd, WORDS),
    }, i),
    tenant_id: T,
  }));
}

function fundamentals(n: number, seed: number): Record<string, unknown>[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    ...parseFundamentals({
      asof: pick(rnd, ["2024-02-29", "2024-03-31"]),
      vendor: "fmp",
      symbol: pick(rnd, ["ibm", "msft", "aapl"]),
      eps: rnd() < 0.5 ? null : i,
      extra: { note: pick(rnd, WORDS), n: i },
    }, i),
    tenant_id: T,
  }));
}

function quotes(n: number, seed: number): Record<string, unknown>[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    ...parseQuote({
      ts: Date.UTC(2024, 0, 2, 14, 30, Math.floor(rnd() * 4)),
      vendor: pick(rnd, ["v", "w"]),
      symbol: pick(rnd, ["AAPL", "MSFT"]),
      bid: i,
      ask: i + 1,
    }, i),
    tenant_id: T,
  }));
}

function encode(spec: TableSpec, rows: readonly object[], newestBy?: string[]): EncodedRows {
  const encoded = new EncodedRows(spec, { newestBy });
  for (const row of rows) encoded.add(row);
  encoded.seal();
  return encoded;
}

/** The newest row of each combination of `by`, the later one on equal times, by key. */
function newestOf(
  spec: TableSpec,
  rows: readonly Record<string, unknown>[],
  by: readonly string[],
) {
  const held = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const id = by.map((c) => String(row[c])).join("\u0000");
    const had = held.get(id);
    if (!had || (row[spec.time] as Date).getTime() >= (had[spec.time] as Date).getTime()) {
      held.set(id, row);
    }
  }
  return sortByKey(spec, [...held.values()]);
}

function sortByKey(spec: TableSpec, rows: readonly object[]): object[] {
  return [...rows].sort((a, b) => rowKey(spec, a) < rowKey(spec, b) ? -1 : 1);
}

Deno.test("EncodedRows: the same upsert, COPY text and newest rows as prepareRows, for every kind", () => {
  const cases: [TableSpec, (n: number, seed: number) => Record<string, unknown>[]][] = [
    [TABLES.bars, bars],
    [TABLES.news, newsItems],
    [TABLES.fundamentals, fundamentals],
    [TABLES.quotes, quotes],
  ];
  for (const [spec, make] of cases) {
    for (const [n, seed] of [[0, 1], [1, 2], [7, 3], [300, 4], [2_000, 5]] as const) {
      const rows = make(n, seed);
      const encoded = encode(spec, rows);
      const expected = prepareRows(spec, rows);
      const label = `${spec.kind}, ${n} rows, seed ${seed}`;
      assert.equal(encoded.length, n, label);
      assert.equal(encoded.unique, expected.length, label);
      if (n > 0) assert.equal(encoded.tenant, T, label);
      const want = buildUpsert(spec, { kind: "unnest", rows: expected });
      const got = buildUpsert(spec, { kind: "encoded", rows: encoded });
      assert.equal(got.text, want.text, label);
      // the input columns are equal; the series rows may come in another order
      const width = spec.columns.length;
      assert.deepEqual(got.params.slice(0, width), want.params.slice(0, width), label);
      assert.equal(got.params.length, want.params.length, label);
      assert.equal([...encoded.copyChunks(64)].join(""), encodeCopyRows(spec, expected), label);
      if (spec.series) {
        assert.deepEqual(sortByKey(spec, encoded.newest), newestOf(spec, rows, spec.series), label);
      } else assert.deepEqual(encoded.newest, [], label);
      assert.equal(encoded.keyHashes.length, expected.length, label);
      assert.deepEqual([...encoded.keyHashes], [...encoded.keyHashes].sort((a, b) => a - b), label);
    }
  }
});

Deno.test("EncodedRows: newestBy keeps the newest row per combination for tables without series", () => {
  const rows = quotes(500, 9);
  const encoded = encode(TABLES.quotes, rows, ["tenant_id", "vendor", "symbol"]);
  assert.deepEqual(
    sortByKey(TABLES.quotes, encoded.newest),
    newestOf(TABLES.quotes, rows, ["tenant_id", "vendor", "symbol"]),
  );
  assert.equal(encoded.newest.length, 4);
});

Deno.test("EncodedRows: a cleared batch encodes new rows as a new one would", () => {
  const reused = encode(TABLES.bars, bars(2_000, 21));
  const newest = reused.newest;
  const held = [...newest];
  reused.clear();
  assert.deepEqual([reused.length, newest], [0, held], "what newest returned is left alone");
  const rows = bars(300, 22);
  for (const row of rows) reused.add(row);
  reused.seal();
  const fresh = encode(TABLES.bars, rows);
  assert.deepEqual(
    buildUpsert(TABLES.bars, { kind: "encoded", rows: reused }),
    buildUpsert(TABLES.bars, { kind: "encoded", rows: fresh }),
  );
  assert.deepEqual([...reused.copyChunks()], [...fresh.copyChunks()]);
  assert.deepEqual(reused.keyHashes, fresh.keyHashes);
  assert.deepEqual(reused.newest, fresh.newest);
});

Deno.test("EncodedRows: the last row added wins a repeated key, as in prepareRows", () => {
  const [a] = bars(1, 11);
  const rows = [a!, { ...a!, close: 7 }, { ...a!, close: 8 }];
  const encoded = encode(TABLES.bars, rows);
  const close = TABLES.bars.columns.findIndex((c) => c.name === "close");
  assert.equal(encoded.unique, 1);
  assert.equal(encoded.literal(close), '{"8"}');
  assert.equal(encoded.newest[0], rows[2]);
});

Deno.test("EncodedRows: rows of several tenants send the tenant per row", () => {
  const rows = bars(20, 12).map((r, i) => ({
    ...r,
    tenant_id: i % 2 ? T : "00000000-0000-4000-8000-000000000002",
  }));
  const encoded = encode(TABLES.bars, rows);
  assert.equal(encoded.tenant, undefined);
  const want = buildUpsert(TABLES.bars, { kind: "unnest", rows: prepareRows(TABLES.bars, rows) });
  const got = buildUpsert(TABLES.bars, { kind: "encoded", rows: encoded });
  assert.equal(got.text, want.text);
  assert.deepEqual(got.params[0], want.params[0]);
});

Deno.test("EncodedRows: keys of disjoint batches hash apart, equal keys alike", () => {
  const rows = bars(400, 13);
  const a = encode(TABLES.bars, rows.slice(0, 200));
  const again = encode(TABLES.bars, rows.slice(0, 200).reverse());
  assert.deepEqual(a.keyHashes, again.keyHashes);
  const later = encode(
    TABLES.bars,
    rows.map((r) => ({ ...r, ts: new Date((r.ts as Date).getTime() + 86_400_000) })),
  );
  const shared = new Set(a.keyHashes);
  assert.equal(later.keyHashes.some((h) => shared.has(h)), false);
});

Deno.test("EncodedRows: refuses rows once sealed, and float8 keys", () => {
  const encoded = encode(TABLES.bars, bars(3, 14));
  assert.throws(() => encoded.add(bars(1, 15)[0]!), /sealed/);
  assert.throws(() => new EncodedRows(TABLES.options), /float8 strike/);
});
