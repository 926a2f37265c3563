// Canonical SQL of the pulse: notifying many events in one statement, stashing the ones too large
// for a notification, and reading a stashed one back.
import { encodePulse, PULSE_CHANNEL, PULSE_MAX_PAYLOAD_BYTES, type PulseEvent } from "./pulse.ts";
import type { SqlQuery } from "./upsert.ts";

/** How long a stashed event is kept, in minutes: listeners read it within milliseconds. */
export const PULSE_STASH_MINUTES: number = 10;

/**
 * Sends notification payloads on {@linkcode PULSE_CHANNEL} in one statement. Inside a
 * transaction they are delivered when it commits, and never when it rolls back.
 *
 * The payloads travel as one JSON array, joined as they are: the server hands back each
 * element's text unchanged (`json`, unlike `jsonb`, keeps it), so no payload is escaped on the
 * way, as it would be in a `text[]` literal (half the client's work of a publish of 2,000 events).
 * The parameter is typed `text` and cast: a driver that knows a parameter is `json` encodes a
 * string as a JSON string.
 *
 * @param payloads JSON object texts, each below {@linkcode PULSE_MAX_PAYLOAD_BYTES}.
 * @returns The statement: the channel, then the payloads as one JSON array.
 *
 * @example
 * ```ts
 * import { buildPulseNotify } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPulseNotify(['{"v":1}', '{"v":1,"s":"a\\"b"}']);
 * assert.equal(q.text, "SELECT pg_notify($1, p::text) FROM json_array_elements($2::text::json) p");
 * assert.deepEqual(q.params, ["mds_pulse", '[{"v":1},{"v":1,"s":"a\\"b"}]']);
 * ```
 */
export function buildPulseNotify(payloads: readonly string[]): SqlQuery {
  return {
    text: "SELECT pg_notify($1, p::text) FROM json_array_elements($2::text::json) p",
    params: [PULSE_CHANNEL, jsonArray(payloads)],
  };
}

/** JSON texts as one JSON array: joined, never parsed or escaped again. */
function jsonArray(texts: readonly string[]): string {
  return `[${texts.join(",")}]`;
}

/**
 * Stashes events too large for a notification in `mds.pulse_events` (the current tenant's
 * view) and notifies a {@linkcode PulseRef} for each, in one statement that may also send small
 * payloads as they are. The same statement deletes the tenant's stashed events older than
 * {@linkcode PULSE_STASH_MINUTES}, skipping rows another transaction holds.
 *
 * @param stash Encoded events to stash (JSON object texts).
 * @param notify Small payloads to send as they are (JSON object texts). @default {[]}
 * @returns The statement: the channel, the stashed and the small payloads, each as a JSON array.
 *
 * @example
 * ```ts
 * import { buildPulseStash } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const q = buildPulseStash(['{"v":1}'], ['{"v":2}']);
 * assert.match(q.text, /INSERT INTO mds\.pulse_events \(payload\)/);
 * assert.match(q.text, /DELETE FROM mds\.pulse_events/);
 * assert.deepEqual(q.params, ["mds_pulse", '[{"v":1}]', '[{"v":2}]']);
 * ```
 */
export function buildPulseStash(
  stash: readonly string[],
  notify: readonly string[] = [],
): SqlQuery {
  return {
    text: `WITH purged AS (
  DELETE FROM mds.pulse_events WHERE id IN (
    SELECT id FROM mds.pulse_events
    WHERE created_at < now() - interval '${PULSE_STASH_MINUTES} minutes'
    FOR UPDATE SKIP LOCKED)
), stashed AS (
  INSERT INTO mds.pulse_events (payload)
  SELECT p::jsonb FROM json_array_elements($2::text::json) p
  RETURNING json_build_object('v', 1, 'ref', id, 'tenant', tenant_id,
    'stream', payload->>'stream', 'symbol', payload->>'symbol', 'at', payload->'at')::text AS ref
)
SELECT pg_notify($1, ref) FROM stashed
UNION ALL
SELECT pg_notify($1, p::text) FROM json_array_elements($3::text::json) p`,
    params: [PULSE_CHANNEL, jsonArray(stash), jsonArray(notify)],
  };
}

/**
 * The one statement that publishes a unit of work's events: {@linkcode buildPulseNotify} when
 * every encoded event fits a notification, else {@linkcode buildPulseStash} for the large ones
 * with the small ones alongside.
 *
 * @param events The events.
 * @returns The statement, or `undefined` for no events.
 *
 * @example
 * ```ts
 * import { buildPulsePublish, type PulseEvent } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const event = (n: number): PulseEvent => ({ v: 1, tenant: "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001",
 *   stream: "options", symbol: "SPY", at: 0, rows: Array.from({ length: n }, (_, i) => ({ strike: i })) });
 * assert.equal(buildPulsePublish([]), undefined);
 * assert.match(buildPulsePublish([event(1)])!.text, /^SELECT pg_notify/);
 * assert.match(buildPulsePublish([event(1), event(1000)])!.text, /^WITH purged/);
 * ```
 */
export function buildPulsePublish(events: readonly PulseEvent[]): SqlQuery | undefined {
  if (events.length === 0) return undefined;
  const small: string[] = [];
  const large: string[] = [];
  for (const event of events) {
    const text = encodePulse(event);
    (fitsNotification(text) ? small : large).push(text);
  }
  return large.length === 0 ? buildPulseNotify(small) : buildPulseStash(large, small);
}

/**
 * Reads a stashed event back by the id of its {@linkcode PulseRef}, through the
 * `SECURITY DEFINER` function `mds.pulse_event(id)`: a listener has no tenant scope. Run it as
 * the application role.
 *
 * @param id The reference's `ref`.
 * @returns The statement returning one row, `payload` (the event as JSON, `null` once purged).
 *
 * @example
 * ```ts
 * import { buildPulseFetch } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildPulseFetch(7), {
 *   text: "SELECT mds.pulse_event($1::bigint) AS payload",
 *   params: ["7"],
 * });
 * ```
 */
export function buildPulseFetch(id: number): SqlQuery {
  return { text: "SELECT mds.pulse_event($1::bigint) AS payload", params: [String(id)] };
}

const encoder = new TextEncoder();

/** Whether a payload is at most {@linkcode PULSE_MAX_PAYLOAD_BYTES} bytes of UTF-8. */
function fitsNotification(text: string): boolean {
  if (text.length > PULSE_MAX_PAYLOAD_BYTES) return false;
  // a UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4)
  if (text.length * 3 <= PULSE_MAX_PAYLOAD_BYTES) return true;
  return encoder.encode(text).byteLength <= PULSE_MAX_PAYLOAD_BYTES;
}
