// The pulse: the events every committed write of bars, quotes and option snapshots publishes on
// one PostgreSQL NOTIFY channel, their JSON form and its validation.
import { ValidationError } from "./errors.ts";
import { parseTenantId } from "./fields.ts";

/** The NOTIFY channel of the pulse. */
export const PULSE_CHANNEL = "mds_pulse" as const;

/** The streams of the pulse: the row kinds whose writes publish events. */
export const PULSE_STREAMS = ["bars", "quotes", "options"] as const;
/** One of {@linkcode PULSE_STREAMS}. */
export type PulseStream = typeof PULSE_STREAMS[number];

/**
 * Largest notification payload sent as is, in UTF-8 bytes. PostgreSQL refuses a NOTIFY payload
 * of 8,000 bytes or more; a larger event is stashed in `mds.pulse_events` and announced by a
 * {@linkcode PulseRef}.
 */
export const PULSE_MAX_PAYLOAD_BYTES: number = 7_500;

/**
 * One committed write of one symbol and stream, as the pulse carries it.
 *
 * `rows` are the write's rows without `tenant_id`, timestamps as ISO 8601 strings: for `bars`
 * the newest bar per timeframe and vendor, for `quotes` the newest quote per vendor, for
 * `options` every snapshot of the symbol the write held.
 */
export interface PulseEvent {
  /** Format version. */
  v: 1;
  /** The writer's tenant. */
  tenant: string;
  /** Which kind of rows. */
  stream: PulseStream;
  /** Ticker (the underlying for options), upper-case. */
  symbol: string;
  /** The rows, as described above. */
  rows: Record<string, unknown>[];
  /** The writer's clock at commit time, epoch milliseconds. */
  at: number;
}

/**
 * What the channel carries for an event too large for a notification: where it is stashed
 * (`mds.pulse_event(ref)`), and enough to route it without reading it.
 */
export interface PulseRef {
  /** Format version. */
  v: 1;
  /** The stashed event's id in `mds.pulse_events`. */
  ref: number;
  /** The writer's tenant. */
  tenant: string;
  /** Which kind of rows. */
  stream: PulseStream;
  /** Ticker. */
  symbol: string;
  /** The writer's clock at commit time, epoch milliseconds. */
  at: number;
}

/**
 * Whether a value is one of {@linkcode PULSE_STREAMS}.
 *
 * @param value Any value.
 * @returns `true` for `bars`, `quotes` and `options`.
 *
 * @example
 * ```ts
 * import { isPulseStream } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isPulseStream("quotes"), true);
 * assert.equal(isPulseStream("news"), false);
 * ```
 */
export function isPulseStream(value: unknown): value is PulseStream {
  return (PULSE_STREAMS as readonly unknown[]).includes(value);
}

/**
 * The JSON text of an event, as a notification or a stash carries it.
 *
 * @param event The event.
 * @returns Its JSON.
 *
 * @example
 * ```ts
 * import { decodePulse, encodePulse, type PulseEvent } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const event: PulseEvent = { v: 1, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
 *   stream: "quotes", symbol: "AAPL", at: 1704205800250,
 *   rows: [{ ts: "2024-01-02T14:30:00.250Z", vendor: "polygon", symbol: "AAPL", bid: 185.1 }] };
 * assert.deepEqual(decodePulse(encodePulse(event)), event);
 * ```
 */
export function encodePulse(event: PulseEvent): string {
  return JSON.stringify(event);
}

/**
 * Reads one notification payload of the pulse channel: an event, or a reference to a stashed
 * one.
 *
 * @param text The payload.
 * @returns The event or the reference, validated.
 * @throws {ValidationError} (`MDS_VALIDATION`, kind `pulse event`) When the text is not JSON or
 * not an event or reference of a known version; the error names the field.
 *
 * @example
 * ```ts
 * import { decodePulse, ValidationError } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const ref = decodePulse('{"v":1,"ref":7,"tenant":"6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",' +
 *   '"stream":"options","symbol":"SPY","at":1704205800000}');
 * assert.equal("ref" in ref && ref.ref, 7);
 * assert.throws(() => decodePulse("not json"), ValidationError);
 * assert.throws(() => decodePulse('{"v":2}'), /"v" is 2/);
 * ```
 */
export function decodePulse(text: string): PulseEvent | PulseRef {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("", text, "must be JSON");
  }
  if (isObject(value) && "ref" in value) return parsePulseRef(value);
  return parsePulseEvent(value);
}

/**
 * Validates a decoded event, e.g. a stashed payload read back from `mds.pulse_event(id)`.
 *
 * @param value The event as parsed from JSON.
 * @returns The event; `symbol` as sent, `rows` as sent.
 * @throws {ValidationError} (`MDS_VALIDATION`, kind `pulse event`) Naming the first bad field.
 *
 * @example
 * ```ts
 * import { parsePulseEvent } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const e = parsePulseEvent({ v: 1, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
 *   stream: "bars", symbol: "AAPL", rows: [], at: 0 });
 * assert.equal(e.stream, "bars");
 * assert.throws(() => parsePulseEvent({ ...e, stream: "news" }), /"stream" is "news"/);
 * ```
 */
export function parsePulseEvent(value: unknown): PulseEvent {
  const o = header(value);
  const rows = o.rows;
  if (!Array.isArray(rows)) throw invalid("rows", rows, "must be an array of objects");
  for (let i = 0; i < rows.length; i++) {
    if (!isObject(rows[i])) throw invalid(`rows.${i}`, rows[i], "must be an object");
  }
  return {
    v: 1,
    tenant: o.tenant,
    stream: o.stream,
    symbol: o.symbol,
    rows: rows as Record<string, unknown>[],
    at: o.at,
  };
}

function parsePulseRef(value: Record<string, unknown>): PulseRef {
  const o = header(value);
  const ref = value.ref;
  if (typeof ref !== "number" || !Number.isSafeInteger(ref) || ref < 1) {
    throw invalid("ref", ref, "must be a positive whole number");
  }
  return { v: 1, ref, tenant: o.tenant, stream: o.stream, symbol: o.symbol, at: o.at };
}

interface Header {
  tenant: string;
  stream: PulseStream;
  symbol: string;
  at: number;
  rows?: unknown;
}

function header(value: unknown): Header {
  if (!isObject(value)) throw invalid("", value, "must be an object");
  if (value.v !== 1) throw invalid("v", value.v, "must be 1");
  let tenant: string;
  try {
    tenant = parseTenantId(value.tenant);
  } catch {
    throw invalid("tenant", value.tenant, "must be a UUID");
  }
  if (!isPulseStream(value.stream)) {
    throw invalid("stream", value.stream, `must be one of ${PULSE_STREAMS.join(", ")}`);
  }
  const symbol = value.symbol;
  if (typeof symbol !== "string" || symbol === "" || symbol.length > 64) {
    throw invalid("symbol", symbol, "must be a ticker");
  }
  const at = value.at;
  if (typeof at !== "number" || !Number.isFinite(at) || at < 0) {
    throw invalid("at", at, "must be epoch milliseconds");
  }
  return { tenant, stream: value.stream, symbol, at, rows: value.rows };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(field: string, value: unknown, reason: string): ValidationError {
  return new ValidationError({ kind: "pulse event", field, value, reason });
}
