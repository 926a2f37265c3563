// The pulse as data: events encoded and decoded, garbage refused with ValidationError, the rows a
// unit of work's events carry, and the publish statements' text and parameters.
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { parseBar } from "./bar.ts";
import { ValidationError } from "./errors.ts";
import { parseOptionSnap } from "./option_snap.ts";
import {
  decodePulse,
  encodePulse,
  PULSE_CHANNEL,
  PULSE_MAX_PAYLOAD_BYTES,
  type PulseEvent,
  type PulseRef,
} from "./pulse.ts";
import { PulseCollector } from "./pulse_collect.ts";
import {
  buildPulseFetch,
  buildPulseNotify,
  buildPulsePublish,
  buildPulseStash,
} from "./pulse_queries.ts";
import { parseQuote } from "./quote.ts";

const T = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";
const EVENT: PulseEvent = {
  v: 1,
  tenant: T,
  stream: "bars",
  symbol: "AAPL",
  rows: [{ ts: "2024-01-02T14:30:00.000Z", vendor: "v", timeframe: "1m", close: 185.2 }],
  at: 1_704_205_860_000,
};

/** Parses a one-dimensional array literal of quoted elements, as the builders write them. */
/** The element texts of a JSON array joined from JSON object texts, as the server splits it. */
function elements(array: string): string[] {
  return (JSON.parse(array) as unknown[]).map((e) => JSON.stringify(e));
}

Deno.test("decodePulse() reads back what encodePulse() wrote, and a stash reference", () => {
  assertEquals(decodePulse(encodePulse(EVENT)), EVENT);
  const ref: PulseRef = { v: 1, ref: 42, tenant: T, stream: "options", symbol: "SPY", at: 5 };
  assertEquals(decodePulse(JSON.stringify(ref)), ref);
  // the tenant is normalised as everywhere else
  assertEquals(
    (decodePulse(encodePulse({ ...EVENT, tenant: T.toUpperCase() })) as PulseEvent).tenant,
    T,
  );
});

Deno.test("decodePulse() refuses garbage with a ValidationError naming the field", () => {
  const cases: [string, string][] = [
    ["not json", ""],
    ["[]", ""],
    ["null", ""],
    [JSON.stringify({ ...EVENT, v: 2 }), "v"],
    [JSON.stringify({ ...EVENT, tenant: "acme" }), "tenant"],
    [JSON.stringify({ ...EVENT, stream: "news" }), "stream"],
    [JSON.stringify({ ...EVENT, symbol: "" }), "symbol"],
    [JSON.stringify({ ...EVENT, symbol: 7 }), "symbol"],
    [JSON.stringify({ ...EVENT, rows: {} }), "rows"],
    [JSON.stringify({ ...EVENT, rows: [1] }), "rows.0"],
    [JSON.stringify({ ...EVENT, at: -1 }), "at"],
    [JSON.stringify({ ...EVENT, at: "now" }), "at"],
    [JSON.stringify({ v: 1, ref: 0, tenant: T, stream: "bars", symbol: "A", at: 0 }), "ref"],
    [JSON.stringify({ v: 1, ref: "7", tenant: T, stream: "bars", symbol: "A", at: 0 }), "ref"],
  ];
  for (const [text, field] of cases) {
    const err = assertThrows(() => decodePulse(text), ValidationError);
    assertEquals([err.code, err.kind, err.field], ["MDS_VALIDATION", "pulse event", field], text);
  }
});

const bar = (minute: number, extra: Record<string, unknown> = {}) => ({
  ...parseBar({
    ts: Date.UTC(2024, 0, 2, 14, minute),
    vendor: "v",
    symbol: "AAPL",
    timeframe: "1m",
    open: 1,
    high: 20,
    low: 1,
    close: 1 + minute / 100,
    ...extra,
  }),
  tenant_id: T,
});

Deno.test("PulseCollector keeps the newest bar per timeframe and vendor of each symbol, one event per symbol", () => {
  const pulse = new PulseCollector();
  pulse.add("bars", [
    bar(31),
    bar(30),
    bar(32, { vendor: "w" }),
    bar(10, { timeframe: "1d", ts: "2024-01-02T00:00:00Z" }),
    bar(5, { symbol: "MSFT" }),
  ]);
  pulse.add("bars", [bar(29)]); // older than what is held: ignored
  pulse.add("bars", [bar(31, { close: 9 })]); // same time, written later: wins
  assertEquals(pulse.size, 2);
  const events = pulse.events(T, 123);
  assertEquals(events.map((e) => [e.stream, e.symbol, e.rows.length]), [
    ["bars", "AAPL", 3],
    ["bars", "MSFT", 1],
  ]);
  const aapl = events[0]!;
  assertEquals(aapl.v, 1);
  assertEquals(aapl.tenant, T);
  assertEquals(aapl.at, 123);
  assertEquals(
    aapl.rows.map((r) => [r.timeframe, r.vendor, r.ts, r.close]),
    [
      ["1m", "v", "2024-01-02T14:31:00.000Z", 9],
      ["1m", "w", "2024-01-02T14:32:00.000Z", 1.32],
      ["1d", "v", "2024-01-02T00:00:00.000Z", 1.1],
    ],
  );
  assert(aapl.rows.every((r) => !("tenant_id" in r)), "tenant_id is the event's, not the rows'");
});

Deno.test("PulseCollector keeps the newest quote per vendor and every option snapshot (last write per key)", () => {
  const quote = (second: number, vendor = "v") =>
    parseQuote({ ts: Date.UTC(2024, 0, 2, 14, 30, second), vendor, symbol: "AAPL", bid: second });
  const snap = (strike: number, bid: number, ts = "2024-01-02T15:00:00Z") =>
    parseOptionSnap({
      ts,
      vendor: "o",
      symbol: "SPY",
      expiry: "2024-01-19",
      option_type: "C",
      strike,
      bid,
    });
  const pulse = new PulseCollector();
  pulse.add("quotes", [quote(2), quote(1), quote(0, "w")]);
  pulse.add("options", [snap(470, 1), snap(475, 2), snap(470, 3)]);
  pulse.add("options", [snap(470, 4, "2024-01-02T16:00:00Z")]);
  const [quotes, options] = pulse.events(T, 0);
  assertEquals(quotes?.rows.map((r) => [r.vendor, r.bid]), [["v", 2], ["w", 0]]);
  assertEquals(options?.stream, "options");
  assertEquals(
    options?.rows.map((r) => [r.ts, r.strike, r.bid, r.expiry]),
    [
      ["2024-01-02T15:00:00.000Z", 470, 3, "2024-01-19"],
      ["2024-01-02T15:00:00.000Z", 475, 2, "2024-01-19"],
      ["2024-01-02T16:00:00.000Z", 470, 4, "2024-01-19"],
    ],
  );
});

Deno.test("buildPulseNotify() sends every payload in one statement, as one JSON array joined as it is", () => {
  const payloads = [
    encodePulse(EVENT),
    encodePulse({ ...EVENT, rows: [{ s: 'with "quotes" and \\ backslash, é' }] }),
  ];
  const q = buildPulseNotify(payloads);
  assertEquals(q.text, "SELECT pg_notify($1, p::text) FROM json_array_elements($2::text::json) p");
  assertEquals(q.params[0], PULSE_CHANNEL);
  assertEquals(q.params[1], `[${payloads[0]},${payloads[1]}]`);
  assertEquals(elements(q.params[1] as string), payloads);
});

Deno.test("buildPulseStash() stashes through the tenant view, purges old rows and notifies refs with the small payloads", () => {
  const q = buildPulseStash(['{"big":1}'], ['{"small":1}']);
  assertEquals(q.params.length, 3);
  assertEquals(q.params[0], PULSE_CHANNEL);
  assertEquals(elements(q.params[1] as string), ['{"big":1}']);
  assertEquals(elements(q.params[2] as string), ['{"small":1}']);
  assert(!/mds_core/.test(q.text), "through the view, never the private table");
  assert(/INSERT INTO mds\.pulse_events \(payload\)/.test(q.text));
  assert(/created_at < now\(\) - interval '10 minutes'/.test(q.text));
  assert(/FOR UPDATE SKIP LOCKED/.test(q.text));
  assert(/json_build_object\('v', 1, 'ref', id, 'tenant', tenant_id/.test(q.text));
});

Deno.test("buildPulsePublish() notifies small events and stashes those over the limit in UTF-8 bytes, in one statement", () => {
  assertEquals(buildPulsePublish([]), undefined);
  const sized = (bytes: number, char = "x"): PulseEvent => {
    const base = encodePulse({ ...EVENT, rows: [{ pad: "" }] });
    const unit = new TextEncoder().encode(char).length;
    return { ...EVENT, rows: [{ pad: char.repeat((bytes - base.length) / unit) }] };
  };
  const fits = sized(PULSE_MAX_PAYLOAD_BYTES);
  assertEquals(new TextEncoder().encode(encodePulse(fits)).length, PULSE_MAX_PAYLOAD_BYTES);
  const over = sized(PULSE_MAX_PAYLOAD_BYTES + 1);
  // 2,501 three-byte characters: 2,501 UTF-16 units but over 7,500 bytes
  const wide = { ...EVENT, rows: [{ pad: "€".repeat(2_501) }] };
  const small = buildPulsePublish([EVENT, fits])!;
  assertEquals(small.text, buildPulseNotify([]).text);
  assertEquals(elements(small.params[1] as string), [encodePulse(EVENT), encodePulse(fits)]);
  for (const big of [over, wide]) {
    const q = buildPulsePublish([EVENT, big])!;
    assertEquals(q.text, buildPulseStash([]).text);
    assertEquals(elements(q.params[1] as string), [encodePulse(big)]);
    assertEquals(elements(q.params[2] as string), [encodePulse(EVENT)]);
  }
});

Deno.test("buildPulseFetch() reads a stashed event through the SECURITY DEFINER function", () => {
  assertEquals(buildPulseFetch(9_007_199_254_740_991), {
    text: "SELECT mds.pulse_event($1::bigint) AS payload",
    params: ["9007199254740991"],
  });
});
