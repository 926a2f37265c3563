import { assert, assertEquals } from "../testing/assert.ts";
import { copyField, encodeCopyRows } from "./copy.ts";
import { parseBar } from "./bar.ts";
import { parseFundamentals } from "./fundamentals.ts";
import { parseNews } from "./news.ts";
import { parseOptionSnap } from "./option_snap.ts";
import { TABLES } from "./tables.ts";

const T1 = "00000000-0000-4000-8000-000000000001";

/** Reads COPY text format back: one row per line, tab-separated, `\N` for NULL. */
function decodeCopy(text: string): (string | null)[][] {
  if (text === "") return [];
  if (!text.endsWith("\n")) throw new Error("COPY payload does not end in a newline");
  return text.slice(0, -1).split("\n").map((line) => line.split("\t").map(decodeField));
}

const UNESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  t: "\t",
  n: "\n",
  r: "\r",
  b: "\b",
  f: "\f",
  v: "\v",
};

function decodeField(field: string): string | null {
  if (field === "\\N") return null;
  let out = "";
  for (let i = 0; i < field.length; i++) {
    const ch = field[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = field[++i];
    if (next === undefined) throw new Error(`trailing backslash in ${JSON.stringify(field)}`);
    const plain = UNESCAPES[next];
    // PostgreSQL reads any other escaped character as itself (\N inside a field is "N").
    out += plain ?? next;
  }
  return out;
}

/** Parses a one-dimensional array literal of quoted elements and unquoted NULL. */
function parseArrayLiteral(text: string): (string | null)[] {
  if (text === "{}") return [];
  const out: (string | null)[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|NULL/gy;
  re.lastIndex = 1;
  while (true) {
    const m = re.exec(text);
    if (!m) throw new Error(`bad array literal ${text}`);
    out.push(m[1] === undefined ? null : m[1].replace(/\\(.)/g, "$1"));
    const sep = text[re.lastIndex];
    if (sep === "}" && re.lastIndex === text.length - 1) return out;
    if (sep !== ",") throw new Error(`bad array literal ${text}`);
    re.lastIndex++;
  }
}

Deno.test("decodeCopy() in this test reads escapes, NULL and the escaped NULL marker", () => {
  assertEquals(decodeCopy("a\\tb\t\\N\t\\\\N\t\n\\n\\r\\\\\tx\n"), [
    ["a\tb", null, "\\N", ""],
    ["\n\r\\", "x"],
  ]);
});

const fields: Array<[string, string, string]> = [
  ["plain text", "AAPL beats", "AAPL beats"],
  ["an empty string", "", ""],
  ["a backslash", "a\\b", "a\\\\b"],
  ["a trailing backslash", "end\\", "end\\\\"],
  ["only backslashes", "\\\\", "\\\\\\\\"],
  ["a tab", "a\tb", "a\\tb"],
  ["a newline", "a\nb", "a\\nb"],
  ["a carriage return", "a\rb", "a\\rb"],
  ["CRLF", "a\r\nb", "a\\r\\nb"],
  ["a tab, backslash and newline together", "\t\\\n", "\\t\\\\\\n"],
  ["every special character twice", "\\\t\n\r\\\t\n\r", "\\\\\\t\\n\\r\\\\\\t\\n\\r"],
  ["an escape-looking pair", "\\t", "\\\\t"],
  ["the two characters \\N", "\\N", "\\\\N"],
  ["the end-of-data marker \\.", "\\.", "\\\\."],
  ["the word NULL", "NULL", "NULL"],
  ["quotes and braces", '{"a",b}', '{"a",b}'],
  ["emoji and CJK", "😀 日本語", "😀 日本語"],
  ["spaces", "  a  b  ", "  a  b  "],
];

for (const [name, input, expected] of fields) {
  Deno.test(`copyField() encodes ${name} as ${JSON.stringify(expected)}`, () => {
    assertEquals(copyField(input), expected);
    assertEquals(decodeField(copyField(input)), input);
  });
}

Deno.test("copyField() writes null as \\N, which no text encodes to", () => {
  assertEquals(copyField(null), "\\N");
  assertEquals(decodeField(copyField(null)), null);
  assert(copyField("\\N") !== copyField(null));
  assertEquals(decodeField(copyField("\\N")), "\\N");
});

const bar = {
  ...parseBar({
    ts: "2024-01-02T14:30:00.250Z",
    vendor: "polygon",
    symbol: "AAPL",
    timeframe: "1m",
    open: 10,
    high: 12.5,
    low: 9,
    close: 11,
    volume: 100,
  }),
  tenant_id: T1,
};

Deno.test("encodeCopyRows() writes a bar as one tab-separated line in column order", () => {
  assertEquals(
    encodeCopyRows(TABLES.bars, [bar]),
    `${T1}\t2024-01-02T14:30:00.250Z\tpolygon\tAAPL\t1m\t10\t12.5\t9\t11\t100\t\\N\t\\N\n`,
  );
});

Deno.test("encodeCopyRows() writes one line per row and nothing for no rows", () => {
  const rows = [bar, { ...bar, symbol: "MSFT" }, { ...bar, symbol: "NVDA", vwap: 10.5 }];
  const text = encodeCopyRows(TABLES.bars, rows);
  const lines = text.split("\n");
  assertEquals(lines.length, 4);
  assertEquals(lines[3], "");
  assertEquals(lines.map((l) => l.split("\t")[3]), ["AAPL", "MSFT", "NVDA", undefined]);
  assertEquals(encodeCopyRows(TABLES.bars, []), "");
});

Deno.test("encodeCopyRows() follows spec.columns, not the order of the row's properties", () => {
  const reversed = Object.fromEntries(Object.entries(bar).reverse());
  assertEquals(encodeCopyRows(TABLES.bars, [reversed]), encodeCopyRows(TABLES.bars, [bar]));
  const [fields] = decodeCopy(encodeCopyRows(TABLES.bars, [bar]));
  assertEquals(
    fields,
    TABLES.bars.columns.map((c) => {
      const v = (bar as Record<string, unknown>)[c.name];
      return v === null ? null : v instanceof Date ? v.toISOString() : String(v);
    }),
  );
});

Deno.test("encodeCopyRows() writes numbers with String() and dates as ISO text", () => {
  const row = { ...bar, open: 0.1 + 0.2, high: 1e21, low: 1e-7, close: 5, volume: 2 ** 53 - 1 };
  const [fields] = decodeCopy(encodeCopyRows(TABLES.bars, [row]));
  assertEquals(fields?.slice(5, 10), [
    "0.30000000000000004",
    "1e+21",
    "1e-7",
    "5",
    "9007199254740991",
  ]);
  assertEquals(fields?.[1], "2024-01-02T14:30:00.250Z");
  const f = {
    ...parseFundamentals({ asof: "2024-02-29", vendor: "fmp", symbol: "ibm" }),
    tenant_id: T1,
  };
  assertEquals(decodeCopy(encodeCopyRows(TABLES.fundamentals, [f]))[0]?.[1], "2024-02-29");
});

Deno.test("encodeCopyRows() writes null and undefined values as \\N", () => {
  const row = { ...bar, vwap: null, trade_count: undefined, tenant_id: undefined };
  const line = encodeCopyRows(TABLES.bars, [row]);
  const raw = line.slice(0, -1).split("\t");
  assertEquals([raw[0], raw[10], raw[11]], ["\\N", "\\N", "\\N"]);
  const o = {
    ...parseOptionSnap({
      ts: 0,
      vendor: "opra",
      symbol: "spy",
      expiry: "2024-01-19",
      option_type: "p",
      strike: 1,
    }),
    tenant_id: T1,
  };
  const fields = decodeCopy(encodeCopyRows(TABLES.options, [o]))[0]!;
  assertEquals(fields.slice(5), ["P", "1", ...Array(12).fill(null)]);
});

const news = (patch: Record<string, unknown>) => ({
  ...parseNews({
    published_at: "2024-01-02T15:00:00Z",
    vendor: "x",
    id: "1",
    title: "t",
    ...patch,
  }),
  tenant_id: T1,
});
const col = (name: string) => TABLES.news.columns.findIndex((c) => c.name === name);

Deno.test("encodeCopyRows() writes text[] as an array literal, then COPY-escaped", () => {
  const plain = decodeCopy(encodeCopyRows(TABLES.news, [news({ symbols: ["AAPL", "msft"] })]));
  assertEquals(plain[0]?.[col("symbols")], '{"AAPL","MSFT"}');
  const none = decodeCopy(encodeCopyRows(TABLES.news, [news({ symbols: [] })]));
  assertEquals(none[0]?.[col("symbols")], "{}");
  const line = encodeCopyRows(TABLES.news, [news({ symbols: ["A\\B", 'C"D'] })]);
  assertEquals(line.split("\t")[col("symbols")], '{"A\\\\\\\\B","C\\\\"D"}');
  const literal = decodeCopy(line)[0]?.[col("symbols")];
  assertEquals(literal, '{"A\\\\B","C\\"D"}');
  assertEquals(parseArrayLiteral(literal!), ["A\\B", 'C"D']);
});

Deno.test("encodeCopyRows() writes jsonb as JSON text, then COPY-escaped", () => {
  const extra = { note: "tab\there\nnewline \\ backslash", nested: { list: [1, null, "\\N"] } };
  const f = {
    ...parseFundamentals({ asof: "2024-03-31", vendor: "fmp", symbol: "msft", extra }),
    tenant_id: T1,
  };
  const line = encodeCopyRows(TABLES.fundamentals, [f]);
  assertEquals(line.split("\t").length, TABLES.fundamentals.columns.length);
  const fields = decodeCopy(line)[0]!;
  assertEquals(fields[11], JSON.stringify(extra));
  assertEquals(JSON.parse(fields[11]!), extra);
  const none = { ...f, extra: null };
  assertEquals(decodeCopy(encodeCopyRows(TABLES.fundamentals, [none]))[0]?.[11], null);
});

const awkward: Array<[string, string]> = [
  ["tabs", "a\tb\t"],
  ["newlines", "one\ntwo\n"],
  ["carriage returns", "one\r\ntwo\r"],
  ["backslashes", "C:\\dir\\"],
  ["the text \\N", "\\N"],
  ["the text \\.", "\\."],
  ["escape-looking text", "\\t\\n\\\\"],
  ["emoji", "😀👍🏽🇩🇪"],
  ["CJK", "日本語のニュース"],
  ["quotes and braces", '{"a",NULL}'],
  ["an empty string", ""],
  ["everything at once", '\t\\N\n"{😀}"\r\\'],
];

for (const [name, text] of awkward) {
  Deno.test(`encodeCopyRows() round-trips text with ${name}`, () => {
    const rows = [
      news({ title: text || "t", summary: text, source: text || null, symbols: ["A\\B"] }),
      news({ id: "2", title: "plain", summary: text }),
    ];
    const encoded = encodeCopyRows(TABLES.news, rows);
    assertEquals(encoded.split("\n").length, rows.length + 1, "a raw newline leaked");
    for (const line of encoded.slice(0, -1).split("\n")) {
      assertEquals(line.split("\t").length, TABLES.news.columns.length, "a raw tab leaked");
    }
    const decoded = decodeCopy(encoded);
    rows.forEach((row, r) => {
      assertEquals(decoded[r]?.[col("title")], row.title);
      assertEquals(decoded[r]?.[col("summary")], row.summary);
      assertEquals(decoded[r]?.[col("source")], row.source);
      assertEquals(parseArrayLiteral(decoded[r]![col("symbols")]!), row.symbols);
    });
  });
}
