import { type InvalidCase, testRejections, testSameAsModel } from "../testing/model_cases.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import type { ModelInput, ModelOutput } from "./model.ts";
import { type News, newsId, type NewsInput, parseNews } from "./news.ts";
import { NewsSchema } from "./news.ts";
import { ValidationError } from "./errors.ts";
import type { Equal } from "./_model_compile.ts";

const ok: NewsInput = {
  published_at: "2024-01-02T15:00:00Z",
  vendor: "benzinga",
  id: "bz-1",
  symbols: ["AAPL"],
  title: "Apple beats estimates",
  url: "https://news.example/apple-beats",
  summary: "Revenue rose.",
  source: "Benzinga",
  sentiment: 0.4,
};
const at = new Date("2024-01-02T15:00:00Z");

Deno.test("NewsSchema is typed with exactly the declared News and NewsInput interfaces", () => {
  const same: Equal<ModelOutput<typeof NewsSchema>, News> = true;
  const input: Equal<ModelInput<typeof NewsSchema>, NewsInput> = true;
  assertEquals([same, input], [true, true]);
});

Deno.test("parseNews() keeps every field of a complete item", () => {
  assertEquals(parseNews(ok), {
    tenant_id: undefined,
    published_at: at,
    vendor: "benzinga",
    id: "bz-1",
    symbols: ["AAPL"],
    title: "Apple beats estimates",
    url: "https://news.example/apple-beats",
    summary: "Revenue rose.",
    source: "Benzinga",
    sentiment: 0.4,
  });
});

Deno.test("parseNews() normalises vendor, tickers and time and fills absent fields with null", () => {
  const n = parseNews({
    published_at: "2024-01-02T10:00:00-05:00",
    vendor: " Benzinga ",
    title: "Apple beats estimates",
    symbols: [" aapl ", "msft"],
  });
  assertEquals(n.vendor, "benzinga");
  assertEquals(n.symbols, ["AAPL", "MSFT"]);
  assertEquals(n.published_at.toISOString(), "2024-01-02T15:00:00.000Z");
  assertEquals([n.url, n.summary, n.source, n.sentiment], [null, null, null, null]);
});

Deno.test("parseNews() collapses repeated tickers, keeping the order of first mention", () => {
  const n = parseNews({ ...ok, symbols: ["msft", "AAPL", "aapl", " MSFT ", "nvda", "Aapl"] });
  assertEquals(n.symbols, ["MSFT", "AAPL", "NVDA"]);
});

Deno.test("parseNews() gives an item without tickers an empty list", () => {
  assertEquals(parseNews({ ...ok, symbols: undefined }).symbols, []);
  assertEquals(parseNews({ ...ok, symbols: [] }).symbols, []);
  assertEquals(parseNews({ ...ok, symbols: null }).symbols, []);
});

Deno.test("parseNews() accepts exactly 100 tickers", () => {
  const symbols = Array.from({ length: 100 }, (_, i) => `T${i}`);
  assertEquals(parseNews({ ...ok, symbols }).symbols.length, 100);
});

Deno.test("parseNews() trims id, url and source but keeps title and summary as sent", () => {
  const n = parseNews({
    ...ok,
    id: "  bz-1\n",
    url: "  https://news.example/a  ",
    source: " Benzinga ",
    title: " Apple\tbeats ",
    summary: "  line one\nline two  ",
  });
  assertEquals(n.id, "bz-1");
  assertEquals(n.url, "https://news.example/a");
  assertEquals(n.source, "Benzinga");
  assertEquals(n.title, " Apple\tbeats ");
  assertEquals(n.summary, "  line one\nline two  ");
});

Deno.test("parseNews() accepts an empty summary and sentiment on both ends of [-1, 1]", () => {
  assertEquals(parseNews({ ...ok, summary: "" }).summary, "");
  assertEquals(parseNews({ ...ok, sentiment: -1 }).sentiment, -1);
  assertEquals(parseNews({ ...ok, sentiment: 1 }).sentiment, 1);
  assertEquals(parseNews({ ...ok, sentiment: 0 }).sentiment, 0);
});

Deno.test("parseNews() accepts text at the length limits and in any script", () => {
  assertEquals(parseNews({ ...ok, title: "x".repeat(2_000) }).title.length, 2_000);
  assertEquals(parseNews({ ...ok, id: "i".repeat(200) }).id.length, 200);
  assertEquals(parseNews({ ...ok, summary: "s".repeat(100_000) }).summary?.length, 100_000);
  const title = 'アップル決算 😀 «Ĳ» "quoted" \\ {braces}';
  assertEquals(parseNews({ ...ok, title }).title, title);
});

Deno.test("newsId() is deterministic and has the documented form", () => {
  const a = newsId("benzinga", "https://news.example/1", "Title", at);
  assertEquals(a, newsId("benzinga", "https://news.example/1", "Title", at));
  assert(/^h:[0-9a-f]{32}$/.test(a), a);
  const b = newsId("benzinga", null, "Title", at);
  assertEquals(b, newsId("benzinga", null, "Title", new Date(at.getTime())));
  assert(/^h:[0-9a-f]{32}$/.test(b), b);
});

Deno.test("newsId() gives the same id to the same vendor and url whatever the title and time", () => {
  const url = "https://news.example/1";
  const first = newsId("benzinga", url, "Apple beats", at);
  assertEquals(newsId("benzinga", url, "Apple beats estimates (updated)", at), first);
  assertEquals(newsId("benzinga", url, "Apple beats", new Date("2024-01-03T00:00:00Z")), first);
});

Deno.test("newsId() gives different ids to different urls or vendors", () => {
  const url = "https://news.example/1";
  const first = newsId("benzinga", url, "T", at);
  assert(newsId("benzinga", "https://news.example/2", "T", at) !== first);
  assert(newsId("polygon", url, "T", at) !== first);
});

Deno.test("newsId() without a url falls back to title and time", () => {
  const first = newsId("benzinga", null, "Apple beats", at);
  assert(newsId("benzinga", null, "Apple beats", new Date(at.getTime() + 1)) !== first);
  assert(newsId("benzinga", null, "Apple misses", at) !== first);
  assert(newsId("polygon", null, "Apple beats", at) !== first);
  assert(newsId("benzinga", "https://news.example/1", "Apple beats", at) !== first);
});

Deno.test("parseNews() derives the id from the normalised vendor and trimmed url when none is sent", () => {
  const n = parseNews({
    ...ok,
    id: undefined,
    vendor: " BENZINGA ",
    url: " https://news.example/1 ",
  });
  assertEquals(n.id, newsId("benzinga", "https://news.example/1", ok.title, at));
  const retitled = parseNews({
    ...ok,
    id: undefined,
    url: "https://news.example/1",
    title: "Apple beats estimates (updated)",
  });
  assertEquals(retitled.id, n.id);
});

Deno.test("parseNews() derives different ids for url-less items published at different times", () => {
  const first = parseNews({ ...ok, id: undefined, url: undefined });
  const later = parseNews({
    ...ok,
    id: undefined,
    url: null,
    published_at: "2024-01-02T15:00:01Z",
  });
  assertEquals(first.id, newsId("benzinga", null, ok.title, at));
  assert(first.id !== later.id, first.id);
});

Deno.test("parseNews() keeps an explicit id, trimmed, instead of deriving one", () => {
  const n = parseNews({ ...ok, id: "  vendor-id-42  " });
  assertEquals(n.id, "vendor-id-42");
  assert(n.id !== newsId("benzinga", ok.url ?? null, ok.title, at));
});

const tooMany = Array.from({ length: 101 }, (_, i) => `T${i}`);
// Repeats collapse before the limit applies: 101 copies of one ticker are one ticker.
Deno.test("parseNews() counts the ticker limit after collapsing repeats", () => {
  const n = parseNews({ ...ok, symbols: Array.from({ length: 150 }, () => "aapl") });
  assertEquals(n.symbols, ["AAPL"]);
});
const spaced = ["AAPL", "BRK B"];
const numeric = ["AAPL", 7];
const blank = ["AAPL", "  "];
const withNul = ["A\u0000B"];
const symbolObject = { 0: "AAPL" };
const urlObject = {};

const invalid: InvalidCase[] = [
  ["a missing title", { title: undefined }, "title", undefined, "is required"],
  [
    "a missing publication time",
    { published_at: undefined },
    "published_at",
    undefined,
    "is required",
  ],
  ["a missing vendor", { vendor: undefined }, "vendor", undefined, "is required"],
  ["a title as a number", { title: 42 }, "title", 42, "expected text, got a number"],
  ["an empty title", { title: "" }, "title", "", "must not be empty"],
  ["a title with a NUL character", { title: "a\u0000b" }, "title", "a\u0000b", "NUL character"],
  ["a title with a lone surrogate", { title: "a\ud800" }, "title", "a\ud800", "well-formed"],
  [
    "a title with a lone low surrogate",
    { title: "\udfffx" },
    "title",
    "\udfffx",
    "not well-formed Unicode",
  ],
  [
    "a 2001-character title",
    { title: "x".repeat(2_001) },
    "title",
    "x".repeat(2_001),
    "is longer than 2000 characters",
  ],
  [
    "a summary over 100000 characters",
    { summary: "s".repeat(100_001) },
    "summary",
    "s".repeat(100_001),
    "is longer than 100000 characters",
  ],
  ["a summary with NUL", { summary: "\u0000" }, "summary", "\u0000", "contains a NUL character"],
  ["a summary with a lone surrogate", { summary: "\ud83d" }, "summary", "\ud83d", "well-formed"],
  ["a blank url", { url: "   " }, "url", "   ", "must not be empty"],
  [
    "a url over 4096 characters",
    { url: "u".repeat(4_097) },
    "url",
    "u".repeat(4_097),
    "is longer than 4096 characters",
  ],
  ["a url with NUL", { url: "https://a/\u0000" }, "url", "https://a/\u0000", "NUL character"],
  ["a url as an object", { url: urlObject }, "url", urlObject, "expected text, got "],
  [
    "a source over 200 characters",
    { source: "s".repeat(201) },
    "source",
    "s".repeat(201),
    "is longer than 200 characters",
  ],
  ["a source with a lone surrogate", { source: "\ud800" }, "source", "\ud800", "well-formed"],
  ["a blank id", { id: "  " }, "id", "  ", "must not be empty"],
  ["a 201-character id", { id: "i".repeat(201) }, "id", "i".repeat(201), "longer than 200"],
  ["an id with NUL", { id: "a\u0000" }, "id", "a\u0000", "contains a NUL character"],
  ["an id as a number", { id: 42 }, "id", 42, "expected text, got a number"],
  ["sentiment above 1", { sentiment: 1.5 }, "sentiment", 1.5, "must be between -1 and 1"],
  ["sentiment below -1", { sentiment: -1.01 }, "sentiment", -1.01, "must be between -1 and 1"],
  ["a NaN sentiment", { sentiment: NaN }, "sentiment", NaN, "must be a finite number"],
  ["an infinite sentiment", { sentiment: Infinity }, "sentiment", Infinity, "finite number"],
  ["sentiment as text", { sentiment: "0.5" }, "sentiment", "0.5", "expected a number"],
  ["symbols as text", { symbols: "AAPL" }, "symbols", "AAPL", "expected an array of tickers"],
  [
    "symbols as an object",
    { symbols: symbolObject },
    "symbols",
    symbolObject,
    "expected an array of tickers",
  ],
  [
    "101 symbols",
    { symbols: tooMany },
    "symbols",
    tooMany,
    "lists more than 100 different tickers",
  ],
  [
    "a symbol with a space",
    { symbols: spaced },
    "symbols",
    spaced,
    "has a ticker that must be 1 to 64 characters without spaces",
  ],
  [
    "a symbol that is a number",
    { symbols: numeric },
    "symbols",
    numeric,
    "has a ticker that expected text, got a number",
  ],
  ["a blank symbol", { symbols: blank }, "symbols", blank, "has a ticker that must not be empty"],
  ["a symbol with NUL", { symbols: withNul }, "symbols", withNul, "control characters"],
  [
    "a date-only publication time",
    { published_at: "2024-01-02" },
    "published_at",
    "2024-01-02",
    "expected ISO 8601",
  ],
  [
    "February 29 of 2023",
    { published_at: "2023-02-29T12:00:00Z" },
    "published_at",
    "2023-02-29T12:00:00Z",
    "not a calendar date",
  ],
  [
    "month 13",
    { published_at: "2024-13-01T12:00:00Z" },
    "published_at",
    "2024-13-01T12:00:00Z",
    "not a calendar date",
  ],
  ["a bad vendor", { vendor: "Bloom berg" }, "vendor", "Bloom berg", "a-z, 0-9"],
  ["a bad tenant id", { tenant_id: "x" }, "tenant_id", "x", "must be a UUID"],
  [
    "a symbol outside symbols",
    { symbols: ["AAPL"], symbol: "msft" },
    "symbol",
    "MSFT",
    'is not among "symbols" (["AAPL"]): give one',
  ],
  ["a symbol with a space", { symbol: "BRK B" }, "symbol", "BRK B", "without spaces"],
  [
    "sentiment and sentiment_score disagreeing",
    { sentiment: 0.4, sentiment_score: 0.5 },
    "sentiment",
    0.4,
    '"sentiment_score" (0.5)',
  ],
  [
    "a sentiment_score above 1",
    { sentiment_score: 1.5 },
    "sentiment_score",
    1.5,
    "between -1 and 1",
  ],
];

testRejections("parseNews", "news", parseNews, ok, invalid, 2);
testSameAsModel("parseNews", "news", parseNews, NewsSchema, ok, invalid, [
  { ...ok, id: undefined, symbols: undefined, url: null, summary: "", source: undefined },
  { ...ok, id: undefined, url: undefined, symbols: ["aapl", " AAPL ", "msft"], sentiment: -1 },
  { ...ok, title: "tab\tnewline\nbackslash\\ \u{1F680} 株式", published_at: 0 },
]);

Deno.test("parseNews() shortens a huge value in the message but keeps it whole on the error", () => {
  const title = "x".repeat(2_001);
  const err = assertThrows(() => parseNews({ ...ok, title }), ValidationError);
  assertEquals(err.value, title);
  assert(err.message.length < 200, err.message);
  assertEquals(err.message.endsWith("...: is longer than 2000 characters"), true, err.message);
});

Deno.test("parseNews() rejects a value that is not an object", () => {
  const err = assertThrows(() => parseNews(["title"]), ValidationError);
  assertEquals(err.field, "");
  assertEquals(err.message, 'Invalid news: row is ["title"]: expected a JSON object');
});

Deno.test("parseNews() accepts the original interface's symbol and sentiment_score", () => {
  const n = parseNews({
    vendor: "reuters",
    title: "AAPL Reports Strong Q4",
    published_at: "2024-01-01T10:00:00",
    symbol: "aapl",
    sentiment_score: 0.8,
  });
  assertEquals(
    [n.published_at.toISOString(), n.symbols, n.sentiment],
    ["2024-01-01T10:00:00.000Z", ["AAPL"], 0.8],
  );
  assertEquals(parseNews({ ...ok, symbols: ["MSFT", "AAPL"], symbol: "AAPL" }).symbols, [
    "MSFT",
    "AAPL",
  ]);
  assertEquals(parseNews({ ...ok, sentiment: 0.5, sentiment_score: 0.5 }).sentiment, 0.5);
  assertEquals(parseNews({ ...ok, symbol: null }).symbols, ok.symbols ?? []);
});
