// Point-in-time reads' range check and the corrections report, run inside a tenant's unit of
// work. The as-of statements themselves are the read builders of @mds/sql given `knownAt`.
import {
  buildCorrections,
  buildHistoryRange,
  HISTORY_KINDS,
  historyColumns,
  type HistoryKind,
  isHistoryKind,
  normalizeSymbol,
  parseInstant,
  ValidationError,
} from "@mds/sql";
import type { Queryable } from "./backend.ts";
import { listLimit } from "./_list_limit.ts";
import { AsOfOutOfRangeError } from "./errors.ts";

/** Which corrections {@linkcode TenantApi.corrections} lists. */
export interface CorrectionsQuery {
  /** Ticker. */
  symbol: string;
  /** Only versions replaced at or after this instant. */
  since: Date | string | number;
  /** Only this kind. @default {bars, fundamentals and options} */
  kind?: HistoryKind | undefined;
  /** Most corrections, oldest first. @default {1000} */
  limit?: number | undefined;
}

/** One correction: a version of a row and the version that replaced it. */
export interface Correction {
  /** Which kind of row. */
  kind: HistoryKind;
  /** The row's key without the tenant, e.g. `{ ts, vendor, symbol, timeframe }` for a bar. */
  key: Record<string, unknown>;
  /** When the old version was written. */
  recorded_at: Date;
  /** When it was replaced. */
  superseded_at: Date;
  /** The old version's revision (the new one has the next). */
  revision: number;
  /** The old values of the fields that changed. */
  from: Record<string, unknown>;
  /** Their new values. */
  to: Record<string, unknown>;
}

/** Parses a `knownAt` option: `null` when absent. */
export function knownAtOf(value: Date | string | number | undefined): Date | null {
  return value === undefined ? null : parseInstant(value, "knownAt");
}

/**
 * Refuses an instant the history cannot answer for: before it began, before its horizon, or
 * after the server's current time (later writes could still change that answer).
 */
export async function checkKnownAt(db: Queryable, knownAt: Date): Promise<void> {
  const q = buildHistoryRange();
  const [range] = await db.query<{ began_at: Date | null; horizon: Date | null; now: Date }>(
    q.text,
    q.params,
  );
  const t = knownAt.getTime();
  if (!range || range.began_at === null) {
    throw new AsOfOutOfRangeError(knownAt, "is before history began (migration 0013)");
  }
  if (t < range.began_at.getTime()) {
    throw new AsOfOutOfRangeError(
      knownAt,
      `is before history began at ${range.began_at.toISOString()}`,
    );
  }
  if (range.horizon !== null && t < range.horizon.getTime()) {
    throw new AsOfOutOfRangeError(
      knownAt,
      `is before the history horizon ${range.horizon.toISOString()} (older versions were pruned)`,
    );
  }
  if (t > range.now.getTime()) {
    throw new AsOfOutOfRangeError(knownAt, `is after the server's time ${range.now.toISOString()}`);
  }
}

/** Validates a corrections query before any I/O. */
export function correctionsQueryOf(
  q: CorrectionsQuery,
): { symbol: string; since: Date; kinds: readonly HistoryKind[]; limit: number } {
  if (q.kind !== undefined && !isHistoryKind(q.kind)) {
    throw new ValidationError({
      kind: "argument",
      field: "kind",
      value: q.kind,
      reason: `is not one of ${HISTORY_KINDS.join(", ")}`,
    });
  }
  const limit = listLimit(q.limit, 1000);
  return {
    symbol: normalizeSymbol(q.symbol, "symbol"),
    since: parseInstant(q.since, "since"),
    kinds: q.kind === undefined ? HISTORY_KINDS : [q.kind],
    limit,
  };
}

/** The corrections of a ticker, oldest first, with the fields that changed. */
export async function corrections(
  db: Queryable,
  q: ReturnType<typeof correctionsQueryOf>,
): Promise<Correction[]> {
  // sorted by the replacing write's time in microseconds: two writes within one millisecond (a
  // Date's resolution) keep their order; one write's corrections stay in kind and key order
  const out: { at: number; correction: Correction }[] = [];
  for (const kind of q.kinds) {
    const query = buildCorrections(kind, { symbol: q.symbol, since: q.since, limit: q.limit });
    const rows = await db.query<Record<string, unknown>>(query.text, query.params);
    const { key: keyColumns } = historyColumns(kind);
    for (const row of rows) {
      const old = row.old as Record<string, unknown>;
      const next = row.new as Record<string, unknown>;
      const from: Record<string, unknown> = {};
      const to: Record<string, unknown> = {};
      for (const field of Object.keys(old)) {
        if (JSON.stringify(old[field]) !== JSON.stringify(next[field])) {
          from[field] = old[field];
          to[field] = next[field];
        }
      }
      const correction: Correction = {
        kind,
        key: Object.fromEntries(keyColumns.map((c) => [c, row[c]])),
        recorded_at: row.recorded_at as Date,
        superseded_at: row.superseded_at as Date,
        revision: row.revision as number,
        from,
        to,
      };
      out.push({ at: Number(row.superseded_us), correction });
    }
  }
  out.sort((a, b) => a.at - b.at);
  return out.slice(0, q.limit).map((c) => c.correction);
}
