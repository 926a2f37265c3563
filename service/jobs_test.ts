// Job payloads: every type parsed and encoded, each refusal naming its field with a
// ValidationError, and the backfill payload of @mds/sql read back as written.
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import {
  BACKFILL_JOB_TYPE,
  buildEnqueueBackfill,
  type ModelInput,
  type ModelOutput,
  parseBackfillRequest,
  ValidationError,
} from "@mds/sql";
import {
  BACKFILL,
  type BackfillJob,
  type BackfillJobInput,
  type BackfillJobSchema,
  BARS_FETCH,
  type BarsFetchJob,
  type BarsFetchJobInput,
  type BarsFetchJobSchema,
  encodeJobPayload,
  JOB_TYPES,
  OPTIONS_FETCH,
  parseBackfillJob,
  parseBarsFetchJob,
  parseJobPayload,
  parseQuotesFetchJob,
  QUOTES_FETCH,
  type QuotesFetchJob,
  type QuotesFetchJobInput,
  type QuotesFetchJobSchema,
} from "./jobs.ts";

// Compile-time proof that the exported schemas' types are the declared interfaces.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
const _types: [
  Equal<ModelOutput<typeof BarsFetchJobSchema>, BarsFetchJob>,
  Equal<ModelInput<typeof BarsFetchJobSchema>, BarsFetchJobInput>,
  Equal<ModelOutput<typeof QuotesFetchJobSchema>, QuotesFetchJob>,
  Equal<ModelInput<typeof QuotesFetchJobSchema>, QuotesFetchJobInput>,
  Equal<ModelOutput<typeof BackfillJobSchema>, BackfillJob>,
  Equal<ModelInput<typeof BackfillJobSchema>, BackfillJobInput>,
] = [true, true, true, true, true, true];

const BARS = {
  symbols: ["AAPL", "MSFT"],
  timeframe: "1m",
  start: "2024-01-02T14:30:00Z",
  end: "2024-01-02T21:00:00Z",
};

const BACKFILL_PAYLOAD = {
  symbol: "AAPL",
  timeframe: "1m",
  start: "2024-01-02T00:00:00.000Z",
  end: "2024-01-03T00:00:00.000Z",
  vendor: null,
  tier: "T0",
};

/** The ValidationError of a refused payload: [field, value, reason]. */
function refusal(type: string, payload: unknown): [string, unknown, string] {
  const err = assertThrows(() => parseJobPayload(type, payload), ValidationError);
  assertEquals(err.code, "MDS_VALIDATION");
  if (err.field !== "") assert(err.message.includes(`"${err.field}"`), err.message);
  return [err.field, err.value, err.reason];
}

Deno.test("the job types are the collector's, and backfill is @mds/sql's BACKFILL_JOB_TYPE", () => {
  assertEquals([...JOB_TYPES], ["bars_fetch", "quotes_fetch", "backfill", "options_fetch"]);
  assertEquals([BARS_FETCH, QUOTES_FETCH, BACKFILL, OPTIONS_FETCH], [...JOB_TYPES]);
  assertEquals(BACKFILL, BACKFILL_JOB_TYPE);
});

Deno.test("parseJobPayload() accepts a valid job of every type", () => {
  const bars = parseJobPayload(BARS_FETCH, { ...BARS, provider: "yahoo", tier: "T0" });
  assertEquals(bars, {
    type: "bars_fetch",
    payload: {
      symbols: ["AAPL", "MSFT"],
      timeframe: "1m",
      start: new Date("2024-01-02T14:30:00Z"),
      end: new Date("2024-01-02T21:00:00Z"),
      provider: "yahoo",
      tier: "T0",
    },
  });
  assertEquals(parseJobPayload(QUOTES_FETCH, { symbols: ["spy"], tier: "T0" }), {
    type: "quotes_fetch",
    payload: { symbols: ["SPY"], tier: "T0" },
  });
  assertEquals(parseJobPayload(BACKFILL, BACKFILL_PAYLOAD), {
    type: "backfill",
    payload: {
      symbol: "AAPL",
      timeframe: "1m",
      start: new Date("2024-01-02T00:00:00Z"),
      end: new Date("2024-01-03T00:00:00Z"),
      vendor: null,
      tier: "T0",
    },
  });
});

Deno.test("parseBarsFetchJob() normalises symbols, drops duplicates and reads dates and interval", () => {
  const job = parseBarsFetchJob({
    symbols: [" aapl", "AAPL", "brk.b", "msft"],
    interval: "1d",
    start: new Date("2024-01-02T00:00:00Z"),
    end: "2024-01-31T00:00:00-05:00",
    provider: null,
    tier: null,
  });
  assertEquals(job, {
    symbols: ["AAPL", "BRK.B", "MSFT"],
    timeframe: "1d",
    start: new Date("2024-01-02T00:00:00Z"),
    end: new Date("2024-01-31T05:00:00Z"),
  });
  assertEquals(parseBarsFetchJob({ ...BARS, interval: "1m" }).timeframe, "1m");
});

Deno.test("parseJobPayload() rejects an invalid interval", () => {
  const [field, value, reason] = refusal(BARS_FETCH, { ...BARS, timeframe: "7x" });
  assertEquals([field, value], ["timeframe", "7x"]);
  assert(reason.includes("is not a valid interval"), reason);
  assertEquals(refusal(BARS_FETCH, { ...BARS, timeframe: undefined, interval: "2m" }).slice(0, 2), [
    "interval",
    "2m",
  ]);
  assertEquals(refusal(BARS_FETCH, { ...BARS, timeframe: undefined }).slice(0, 2), [
    "timeframe",
    undefined,
  ]);
  assertEquals(refusal(BARS_FETCH, { ...BARS, interval: "5m" })[0], "interval");
  assertEquals(refusal(BACKFILL, { ...BACKFILL_PAYLOAD, timeframe: "1y" })[0], "timeframe");
});

Deno.test("parseJobPayload() rejects an empty symbol list", () => {
  const [field, value, reason] = refusal(BARS_FETCH, { ...BARS, symbols: [] });
  assertEquals([field, value, reason], ["symbols", [], "must name at least one symbol"]);
  assertEquals(refusal(QUOTES_FETCH, { symbols: [] })[0], "symbols");
  assertEquals(refusal(QUOTES_FETCH, {})[0], "symbols");
  assertEquals(refusal(QUOTES_FETCH, { symbols: "AAPL" })[0], "symbols");
});

Deno.test("parseJobPayload() takes 1 to 1000 symbols: 1000 accepted, 1001 refused", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `S${i}`);
  assertEquals(parseQuotesFetchJob({ symbols: names(1) }).symbols, ["S0"]);
  assertEquals(parseQuotesFetchJob({ symbols: names(1_000) }).symbols.length, 1_000);
  assertEquals(parseBarsFetchJob({ ...BARS, symbols: names(1_000) }).symbols.length, 1_000);
  const [field, , reason] = refusal(QUOTES_FETCH, { symbols: names(1_001) });
  assertEquals([field, reason], ["symbols", "must name at most 1000 symbols"]);
  assertEquals(refusal(BARS_FETCH, { ...BARS, symbols: names(1_001) })[0], "symbols");
});

Deno.test("parseJobPayload() names the offending symbol", () => {
  assertEquals(refusal(QUOTES_FETCH, { symbols: ["AAPL", "A B"] }).slice(0, 2), [
    "symbols[1]",
    "A B",
  ]);
  assertEquals(refusal(QUOTES_FETCH, { symbols: ["AAPL", 7] }).slice(0, 2), ["symbols[1]", 7]);
  assertEquals(refusal(BACKFILL, { ...BACKFILL_PAYLOAD, symbol: "" })[0], "symbol");
});

Deno.test("parseJobPayload() rejects an invalid priority", () => {
  for (const tier of ["T3", "t0", "high", 0]) {
    const [field, value, reason] = refusal(BARS_FETCH, { ...BARS, tier });
    assertEquals([field, value], ["tier", tier]);
    assert(reason.includes("invalid priority"), reason);
  }
  assert(refusal(QUOTES_FETCH, { symbols: ["A"], tier: "P1" })[2].includes("invalid priority"));
  assert(refusal(BACKFILL, { ...BACKFILL_PAYLOAD, tier: "T9" })[2].includes("invalid priority"));
});

Deno.test("parseJobPayload() handles a provider hint: known accepted, unknown refused", () => {
  for (const provider of ["yahoo", "finnhub"] as const) {
    assertEquals(parseBarsFetchJob({ ...BARS, provider }).provider, provider);
    assertEquals(parseQuotesFetchJob({ symbols: ["A"], provider }).provider, provider);
  }
  assertEquals("provider" in parseBarsFetchJob(BARS), false);
  const [field, value, reason] = refusal(BARS_FETCH, { ...BARS, provider: "polygon" });
  assertEquals([field, value], ["provider", "polygon"]);
  assert(reason.includes("not a known provider"), reason);
  assertEquals(refusal(QUOTES_FETCH, { symbols: ["A"], provider: "YAHOO" })[0], "provider");
});

Deno.test("parseJobPayload() rejects a window that ends before it starts, and bad times", () => {
  assertEquals(refusal(BARS_FETCH, { ...BARS, end: BARS.start }).slice(0, 2), [
    "end",
    BARS.start,
  ]);
  assertEquals(refusal(BARS_FETCH, { ...BARS, start: "2024-01-02" })[0], "start");
  assertEquals(refusal(BARS_FETCH, { ...BARS, start: "14:30" })[0], "start");
  assertEquals(refusal(BARS_FETCH, { ...BARS, end: 1704200000000 })[0], "end");
  assertEquals(refusal(BACKFILL, { ...BACKFILL_PAYLOAD, end: BACKFILL_PAYLOAD.start })[0], "end");
});

Deno.test("parseJobPayload() refuses unknown fields, non-objects and unknown job types", () => {
  const [field, value, reason] = refusal(BARS_FETCH, { ...BARS, symbol: "AAPL" });
  assertEquals([field, value], ["symbol", "AAPL"]);
  assert(reason.includes("not a field of a bars_fetch job"), reason);
  assertEquals(refusal(QUOTES_FETCH, null).slice(0, 2), ["", null]);
  assertEquals(refusal(BACKFILL, [BACKFILL_PAYLOAD])[0], "");
  const [typeField, typeValue] = refusal("rebuild_index", {});
  assertEquals([typeField, typeValue], ["job_type", "rebuild_index"]);
});

Deno.test("parseBackfillJob() reads back the payload @mds/sql writes for the client's requestBackfill", () => {
  for (const vendor of [null, "Yahoo"]) {
    const request = parseBackfillRequest({
      symbol: " brk.b",
      timeframe: "1h",
      start: "2024-07-01T09:30:00-04:00",
      end: "2024-07-02T00:00:00Z",
      vendor,
      tier: "T2",
    });
    const written = buildEnqueueBackfill(request, { key: "k", maxAttempts: 5 }).params[2];
    assertEquals(parseBackfillJob(JSON.parse(written as string)), request);
  }
  // Without a tier and a vendor, as parseBackfillRequest defaults them.
  const { tier: _t, vendor: _v, ...bare } = BACKFILL_PAYLOAD;
  assertEquals(parseBackfillJob(bare), parseBackfillRequest(bare as never));
  assertEquals(refusal(BACKFILL, { ...BACKFILL_PAYLOAD, vendor: "bad vendor" })[0], "vendor");
});

Deno.test("encodeJobPayload() stores times as ISO text, and parseJobPayload() reads it back", () => {
  const bars: BarsFetchJobInput = {
    symbols: ["msft", "aapl", "MSFT"],
    interval: "5m",
    start: new Date("2024-01-02T14:30:00Z"),
    end: new Date("2024-01-02T21:00:00Z"),
    provider: "finnhub",
  };
  const encoded = encodeJobPayload(BARS_FETCH, bars);
  assertEquals(encoded, {
    symbols: ["MSFT", "AAPL"],
    timeframe: "5m",
    start: "2024-01-02T14:30:00.000Z",
    end: "2024-01-02T21:00:00.000Z",
    provider: "finnhub",
  });
  const json = JSON.parse(JSON.stringify(encoded));
  assertEquals(parseJobPayload(BARS_FETCH, json).payload, parseBarsFetchJob(bars));
  assertEquals(encodeJobPayload(QUOTES_FETCH, { symbols: ["spy"], tier: null }), {
    symbols: ["SPY"],
  });
  const backfill = parseBackfillJob(BACKFILL_PAYLOAD);
  assertEquals(encodeJobPayload(BACKFILL, backfill), BACKFILL_PAYLOAD);
  assertThrows(
    () => encodeJobPayload(BARS_FETCH, { ...bars, symbols: [] }),
    ValidationError,
  );
});
