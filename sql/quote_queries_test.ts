// The quote statements tested as data: their text and parameters, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped, squash } from "../testing/sql_query.ts";
import { MIGRATION_FILES } from "./migrations_data.ts";
import { buildLatestQuotes } from "./quote_queries.ts";
import { TABLES } from "./tables.ts";

Deno.test("buildLatestQuotes() passes the tickers, each once, as one array parameter", () => {
  const symbols = ["AAPL", "MSFT", "AAPL"];
  const q = buildLatestQuotes(symbols, "polygon");
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [["AAPL", "MSFT"], "polygon"]);
  assert(q.params[0] !== symbols, "the caller's array is copied");
  assertEquals(symbols, ["AAPL", "MSFT", "AAPL"]);
  assertEquals(buildLatestQuotes([], null).params, [[], null]);
});

Deno.test("buildLatestQuotes() takes the newest quote of each symbol from the tenant view", () => {
  const text = squash(buildLatestQuotes(["AAPL"], null).text);
  assertIncludes(text, `FROM ${TABLES.quotes.view} WHERE symbol = s.symbol`);
  assertIncludes(text, "($2::text IS NULL OR vendor = $2)");
  assertIncludes(text, "ORDER BY ts DESC, vendor LIMIT 1");
  assert(text.endsWith("ORDER BY q.symbol"), text);
});

Deno.test("buildLatestQuotes() returns every stored column of a quote, in table order", () => {
  const text = squash(buildLatestQuotes(["AAPL"], null).text);
  const columns = TABLES.quotes.columns.map((c) => `q.${c.name}`).join(", ");
  assert(text.startsWith(`SELECT ${columns} FROM`), text);
});

Deno.test("migration 0006 has the index buildLatestQuotes() descends: tenant, symbol, newest first", () => {
  const sql = MIGRATION_FILES.find((f) => f.name.startsWith("0006_"))!.sql;
  assertIncludes(squash(sql), "ON mds_core.quotes_l1 (tenant_id, symbol, ts DESC)");
});
