import { createHash } from "node:crypto";
import { z } from "zod";
import {
  between,
  field,
  nullable,
  Refusal,
  symbol,
  text,
  timestamp,
  uuid,
  vendor,
} from "./_field_rules.ts";
import { compileModel, type Equal, type Problem, pushProblem, spelling } from "./_model_compile.ts";
import type { Model } from "./model.ts";

/** One news item as stored. */
export interface News {
  /** Owner; filled from the tenant scope when absent. */
  tenant_id?: string | undefined;
  /** Publication time, UTC. */
  published_at: Date;
  /** Data vendor, lower-case. */
  vendor: string;
  /** The vendor's id, or one derived from vendor and URL (or title and time). */
  id: string;
  /** Tickers the item is about, upper-case, without repeats. */
  symbols: string[];
  /** Headline. */
  title: string;
  /** Link to the article. */
  url: string | null;
  /** Summary or body. */
  summary: string | null;
  /** Publisher. */
  source: string | null;
  /** Sentiment in [-1, 1]. */
  sentiment: number | null;
}

/**
 * What {@linkcode parseNews} accepts. The original interface's `symbol` (one ticker) and
 * `sentiment_score` are accepted too (mds's `symbols` and `sentiment` are preferred); a `symbol`
 * missing from the `symbols` given, or a `sentiment_score` other than the `sentiment`, is refused.
 */
export interface NewsInput {
  /** Owner; must match the tenant scope when given. */
  tenant_id?: string | undefined;
  /** ISO 8601 (no zone means UTC), epoch milliseconds, or a `Date`. */
  published_at: string | number | Date;
  /** Data vendor. */
  vendor: string;
  /** The vendor's id; derived when absent. */
  id?: string | undefined;
  /** Tickers the item is about. @default {[]} */
  symbols?: string[] | undefined;
  /** One ticker the item is about (the original interface's spelling). */
  symbol?: string | null | undefined;
  /** Headline. */
  title: string;
  /** Link to the article. */
  url?: string | null | undefined;
  /** Summary or body. */
  summary?: string | null | undefined;
  /** Publisher. */
  source?: string | null | undefined;
  /** Sentiment in [-1, 1]. */
  sentiment?: number | null | undefined;
  /** The original interface's `sentiment`. */
  sentiment_score?: number | null | undefined;
}

const symbolList = (value: unknown): string[] | Refusal => {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return new Refusal("expected an array of tickers");
  const out = new Set<string>();
  for (const item of value) {
    const s = symbol(item);
    if (s instanceof Refusal) return new Refusal(`has a ticker that ${s.reason}`);
    out.add(s);
    if (out.size > 100) return new Refusal("lists more than 100 different tickers");
  }
  return [...out];
};

type SIn = string | null | undefined;
const newsFields = z.object({
  tenant_id: field<string, string>(uuid).optional(),
  published_at: field<Date, string | number | Date>(timestamp),
  vendor: field<string, string>(vendor),
  id: field<string, string>(text(200, { trim: true })).optional(),
  symbols: field<string[], string[] | undefined>(symbolList).optional(),
  symbol: field<string | null, SIn>(nullable(symbol)).optional(),
  title: field<string, string>(text(2_000)),
  url: field<string | null, SIn>(nullable(text(4_096, { trim: true }))).optional(),
  summary: field<string | null, SIn>(nullable(text(100_000, { empty: true }))).optional(),
  source: field<string | null, SIn>(nullable(text(200, { trim: true }))).optional(),
  sentiment: field<number | null, number | null | undefined>(nullable(between(-1, 1))).optional(),
  sentiment_score: field<number | null, number | null | undefined>(nullable(between(-1, 1)))
    .optional(),
});
type NewsFields = z.output<typeof newsFields>;

const sentimentOf = (n: NewsFields) =>
  spelling<number | null>(n as Record<string, unknown>, "sentiment", "sentiment_score");

function newsProblem(n: NewsFields): Problem | undefined {
  if (n.symbol != null && n.symbols !== undefined && !n.symbols.includes(n.symbol)) {
    return {
      field: "symbol",
      value: n.symbol,
      reason: `is not among "symbols" (${JSON.stringify(n.symbols)}): give one`,
    };
  }
  return sentimentOf(n).problem;
}

const symbolsOf = (n: NewsFields): string[] =>
  n.symbols !== undefined ? n.symbols : n.symbol != null ? [n.symbol] : [];

const toNews = (n: NewsFields): News => ({
  tenant_id: n.tenant_id,
  published_at: n.published_at,
  vendor: n.vendor,
  id: n.id ?? newsId(n.vendor, n.url ?? null, n.title, n.published_at),
  symbols: symbolsOf(n),
  title: n.title,
  url: n.url ?? null,
  summary: n.summary ?? null,
  source: n.source ?? null,
  sentiment: sentimentOf(n).value ?? null,
});

const newsShape = newsFields.check((ctx) => pushProblem(ctx, newsProblem(ctx.value)))
  .transform(toNews);
const fastNews = compileModel("news", newsFields, toNews, newsProblem);

/** The zod model of {@linkcode News}. */
export const NewsSchema: Model<News, NewsInput> = newsShape;

// Compile-time proof that the zod shape and the declared interfaces agree.
const _outputMatches: Equal<z.infer<typeof newsShape>, News> = true;
const _inputMatches: Equal<z.input<typeof newsShape>, NewsInput> = true;

/**
 * The id mds gives a news item that arrives without one: a hash of the vendor and the URL, or of
 * the vendor, title and publication time when there is no URL. Stable across runs, so
 * re-ingesting the item updates it instead of duplicating it.
 *
 * @param vendor Normalised vendor.
 * @param url The article URL, or `null`.
 * @param title The headline.
 * @param publishedAt Publication time.
 * @returns `h:` followed by 32 hex digits.
 *
 * @example
 * ```ts
 * import { newsId } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const at = new Date("2024-01-02T15:00:00Z");
 * assert.deepEqual(newsId("x", "https://a.example/1", "T", at), newsId("x", "https://a.example/1", "U", at));
 * ```
 */
export function newsId(
  vendor: string,
  url: string | null,
  title: string,
  publishedAt: Date,
): string {
  const basis = url === null
    ? `${vendor}\ntitle\n${title}\n${publishedAt.toISOString()}`
    : `${vendor}\nurl\n${url}`;
  return `h:${createHash("sha256").update(basis).digest("hex").slice(0, 32)}`;
}

/**
 * Validates and normalises one news item, deriving its id when it has none.
 *
 * @param input The item as received.
 * @param index Position of the row in its batch, quoted in the error.
 * @returns The normalised item.
 * @throws {ValidationError} When a field is missing or invalid.
 *
 * @example
 * ```ts
 * import { parseNews } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const n = parseNews({ published_at: "2024-01-02T15:00:00Z", vendor: "benzinga",
 *   title: "Apple\tbeats", symbols: ["aapl", "AAPL"], sentiment: 0.4 });
 * assert.deepEqual(n.symbols, ["AAPL"]);
 * assert.deepEqual(n.id.startsWith("h:"), true);
 * ```
 */
export function parseNews(input: unknown, index?: number): News {
  return fastNews(input, index);
}
