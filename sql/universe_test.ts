import assert from "node:assert/strict";
import { ValidationError } from "./errors.ts";
import { parseUniverseEntry } from "./universe.ts";
import { buildUpsertUniverse } from "./universe_queries.ts";

const refusal = (input: unknown): ValidationError => {
  try {
    parseUniverseEntry(input, 3);
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    return e;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

Deno.test("parseUniverseEntry() fills the defaults and normalises", () => {
  assert.deepEqual(parseUniverseEntry({ symbol: " msft " }), {
    symbol: "MSFT",
    tier: "T1",
    timeframes: ["1d"],
    provider: null,
    history_start: null,
    calendar: "nyse",
    active: true,
  });
  const e = parseUniverseEntry({
    symbol: "brk.b",
    tier: "T2",
    timeframes: ["1d", "1m", "1d"],
    provider: "Finnhub",
    history_start: "2024-01-02T00:00:00Z",
    calendar: "24x7",
    active: false,
  });
  assert.deepEqual([e.symbol, e.timeframes, e.provider, e.history_start?.toISOString()], [
    "BRK.B",
    ["1m", "1d"],
    "finnhub",
    "2024-01-02T00:00:00.000Z",
  ]);
});

Deno.test("parseUniverseEntry() names the field and the entry of each refusal", () => {
  const cases: [unknown, string][] = [
    [{ symbol: "" }, "symbol"],
    [{ tier: "T0" }, "symbol"],
    [{ symbol: "A", tier: "P0" }, "tier"],
    [{ symbol: "A", timeframes: "1m,7x" }, "timeframes"],
    [{ symbol: "A", timeframes: [] }, "timeframes"],
    [{ symbol: "A", timeframe: "1m" }, "timeframe"],
    [{ symbol: "A", history_start: "yesterday" }, "history_start"],
    [{ symbol: "A", calendar: "Not A Calendar" }, "calendar"],
    [{ symbol: "A", active: "yes" }, "active"],
    ["AAPL", ""],
  ];
  for (const [input, field] of cases) {
    const e = refusal(input);
    assert.equal(e.field, field, JSON.stringify(input));
    assert.equal(e.index, 3);
  }
});

Deno.test("buildUpsertUniverse() sends the entries as one JSON parameter", () => {
  const q = buildUpsertUniverse([parseUniverseEntry({ symbol: "A", history_start: 0 })]);
  assert.deepEqual(JSON.parse(q.params[0] as string), [{
    symbol: "A",
    tier: "T1",
    timeframes: ["1d"],
    provider: null,
    history_start: "1970-01-01T00:00:00.000Z",
    calendar: "nyse",
    active: true,
  }]);
});
