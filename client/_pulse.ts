// The client's side of the pulse: the events a unit of work gathered, notified by one statement
// just before it commits, and stashed events read back for a listener.
import {
  buildPulseFetch,
  buildPulsePublish,
  isPulseStream,
  parsePulseEvent,
  PulseCollector,
  type PulseEvent,
  type RowKind,
} from "@mds/sql";
import type { Queryable, Transaction } from "./backend.ts";

/** The events of the units of work in flight, by their transaction. */
export class PulseUnits {
  readonly #units = new WeakMap<Transaction, PulseCollector>();

  /** Starts gathering the events of a unit of work. */
  open(tx: Transaction): void {
    this.#units.set(tx, new PulseCollector());
  }

  /** Records a write of `rows` in the unit of work `tx`; kinds without events are ignored. */
  add(tx: Transaction, kind: RowKind, rows: readonly object[]): void {
    if (rows.length === 0 || !isPulseStream(kind)) return;
    this.#units.get(tx)?.add(kind, rows);
  }

  /**
   * Notifies the unit's events in one statement, inside its transaction, and stops gathering.
   *
   * @param notify `false` when no one can hear the notification (see `Backend.listening`):
   * the events are built for the in-process callback but not sent.
   * @returns The events, for the in-process callback once the transaction commits.
   */
  async publish(tx: Transaction, tenant: string, notify = true): Promise<PulseEvent[]> {
    const collector = this.#units.get(tx);
    this.#units.delete(tx);
    if (collector === undefined || collector.size === 0) return [];
    const events = collector.events(tenant, Date.now());
    const q = notify ? buildPulsePublish(events) : undefined;
    if (q !== undefined) await tx.query(q.text, q.params, { prepare: true });
    return events;
  }

  /** Stops gathering without publishing (the unit failed). */
  drop(tx: Transaction): void {
    this.#units.delete(tx);
  }
}

/**
 * Reads a stashed event through `mds.pulse_event(id)`; run it as the application role.
 *
 * @returns The event, or `null` once purged.
 */
export async function readStashedPulse(db: Queryable, ref: number): Promise<PulseEvent | null> {
  const q = buildPulseFetch(ref);
  const [row] = await db.query<{ payload: unknown }>(q.text, q.params);
  const payload = row?.payload ?? null;
  if (payload === null) return null;
  return parsePulseEvent(typeof payload === "string" ? json(payload) : payload);
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // refused by parsePulseEvent as not an object
  }
}
