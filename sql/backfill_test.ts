import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  BACKFILL_TIER_PRIORITY,
  BACKFILL_TIERS,
  backfillKey,
  DEFAULT_BACKFILL_CAPS,
  isBackfillTier,
  parseBackfillRequest,
} from "./backfill.ts";
import { ValidationError } from "./errors.ts";

const ok = {
  symbol: " spy ",
  timeframe: "1m" as const,
  start: "2024-07-01T09:30:00-04:00",
  end: "2024-07-01T20:00:00Z",
  vendor: " Polygon",
};

Deno.test("tiers run T0 first: priorities 0, 10, 20 and caps 100, 1000, 10000", () => {
  assertEquals(BACKFILL_TIERS, ["T0", "T1", "T2"]);
  assertEquals(BACKFILL_TIER_PRIORITY, { T0: 0, T1: 10, T2: 20 });
  assertEquals(DEFAULT_BACKFILL_CAPS, { T0: 100, T1: 1_000, T2: 10_000 });
  assertEquals([isBackfillTier("T2"), isBackfillTier("t0"), isBackfillTier(0)], [
    true,
    false,
    false,
  ]);
});

Deno.test("parseBackfillRequest() normalises symbol, vendor and times and defaults the tier", () => {
  assertEquals(parseBackfillRequest(ok), {
    symbol: "SPY",
    timeframe: "1m",
    start: new Date("2024-07-01T13:30:00Z"),
    end: new Date("2024-07-01T20:00:00Z"),
    vendor: "polygon",
    tier: "T1",
  });
  assertEquals(parseBackfillRequest({ ...ok, vendor: null, tier: "T0" }).vendor, null);
});

Deno.test("parseBackfillRequest() refuses a bad field with ValidationError naming it", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ timeframe: "2m" }, "timeframe"],
    [{ tier: "T3" }, "tier"],
    [{ start: "2024-07-01" }, "start"],
    [{ end: "2024-07-01T13:30:00Z" }, "end"],
    [{ end: "2024-07-01T13:00:00Z" }, "end"],
    [{ symbol: "" }, "symbol"],
    [{ vendor: "a b" }, "vendor"],
  ];
  for (const [over, field] of cases) {
    const err = assertThrows(
      () => parseBackfillRequest({ ...ok, ...over } as never),
      ValidationError,
    );
    assertEquals(err.field, field, JSON.stringify(over));
  }
});

Deno.test("backfillKey() is the same for the same normalised request, whatever the tier", async () => {
  const key = await backfillKey(parseBackfillRequest(ok));
  assertEquals(key.length, "backfill:".length + 64);
  const same = await backfillKey(
    parseBackfillRequest({ ...ok, symbol: "SPY", start: Date.parse(ok.start), tier: "T2" }),
  );
  assertEquals(same, key);
  for (
    const other of [
      { symbol: "QQQ" },
      { timeframe: "5m" as const },
      { end: "2024-07-01T19:59:00Z" },
      { vendor: undefined },
    ]
  ) {
    const k = await backfillKey(parseBackfillRequest({ ...ok, ...other }));
    assertEquals(k === key, false, JSON.stringify(other));
  }
});
