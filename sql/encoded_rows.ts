// A batch of rows held as the text of their columns in byte buffers, outside the JavaScript heap.
// A BatchProcessor buffers these instead of row objects: a row object with its Date, boxed
// numbers and strings costs ~280 bytes of heap and lives until its batch commits, long enough
// to be promoted, and V8 lets the old generation grow to about four times what survives. Here a
// row costs its column text once (values equal to the previous row's are stored once) and two
// integers per column, and the heap holds only the newest row of each series.
import { toText } from "./_encode.ts";
import { NewestRows } from "./_newest.ts";
import type { TableSpec } from "./tables.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const TAB = 0x09;
const NEWLINE = 0x0a;
const NULL_TEXT = encoder.encode("NULL");
const COPY_NULL = encoder.encode("\\N");
// COPY's text format escapes these four bytes (tab, newline, carriage return, backslash)
const COPY_ESCAPE = new Uint8Array(256);
COPY_ESCAPE[0x5c] = 0x5c;
COPY_ESCAPE[0x09] = 0x74;
COPY_ESCAPE[0x0a] = 0x6e;
COPY_ESCAPE[0x0d] = 0x72;

/** Options of {@linkcode EncodedRows}. */
export interface EncodedRowsOptions {
  /**
   * For a table without series columns: keep, by reference, the newest row (by the table's time
   * column; the later one on equal times) of each distinct combination of these columns, as
   * pulse events need. A table with series columns always keeps the newest row of each series,
   * what its latest prices and cursors need. @default {none}
   */
  newestBy?: readonly string[] | undefined;
}

/**
 * Rows of one table encoded column by column as they arrive, then collapsed and sorted by key
 * once ({@linkcode EncodedRows.seal}): the same rows, in the same order, as
 * {@linkcode prepareRows} gives, ready as `unnest` array literals or COPY text. Text values
 * compare by their UTF-8 bytes, which orders them as {@linkcode prepareRows} does below
 * U+E000; beyond it only the lock order of a batch differs, never what is written.
 *
 * @example
 * ```ts
 * import { buildUpsert, EncodedRows, TABLES } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const t = "00000000-0000-4000-8000-000000000001";
 * const bar = (minute: number, close: number) => ({ tenant_id: t,
 *   ts: new Date(minute * 60_000), vendor: "v", symbol: "A", timeframe: "1m", open: 1, high: 1,
 *   low: 1, close, volume: 0, vwap: null, trade_count: null });
 * const rows = new EncodedRows(TABLES.bars);
 * rows.add(bar(2, 1));
 * rows.add(bar(1, 1));
 * rows.add(bar(2, 3)); // same key as the first: the last one wins
 * rows.seal();
 * assert.deepEqual([rows.length, rows.unique, rows.tenant], [3, 2, t]);
 * assert.equal(rows.literal(TABLES.bars.columns.findIndex((c) => c.name === "close")), '{"1","3"}');
 * assert.equal(rows.newest[0]?.close, 3);
 * assert.equal(buildUpsert(TABLES.bars, { kind: "encoded", rows }).params[0], t);
 * ```
 */
export class EncodedRows {
  /** The table the rows belong to. */
  readonly spec: TableSpec;
  readonly #width: number;
  readonly #keyColumns: Int32Array;
  readonly #newestBy: readonly string[] | undefined;
  #newest: NewestRows | undefined;
  #bytes = new Uint8Array(64 * 1024);
  #used = 0;
  /** Per row and column: where its text starts in #bytes, and its length in bytes (-1: NULL). */
  #starts = new Int32Array(1024);
  #lengths = new Int32Array(1024);
  #count = 0;
  // the previous row's value per column, so a repeated value is stored once
  readonly #lastText: (string | null)[];
  readonly #lastMillis: Float64Array;
  readonly #lastStart: Int32Array;
  readonly #lastLength: Int32Array;
  #tenant: string | null | undefined = undefined;
  #order: Int32Array | undefined = undefined;
  #keyHashes: Uint32Array | undefined = undefined;
  #scratch = new Uint8Array(0);

  /**
   * Starts an empty batch.
   *
   * @param spec The table the rows belong to.
   * @param options Which rows to keep as objects.
   * @throws {TypeError} When a key column is `float8`: `-0` and `0` are one key to PostgreSQL
   * but two texts (option snapshots, keyed by strike, go through {@linkcode prepareRows}).
   */
  constructor(spec: TableSpec, options: EncodedRowsOptions = {}) {
    this.spec = spec;
    const names = spec.columns.map((c) => c.name);
    this.#width = names.length;
    this.#keyColumns = Int32Array.from(spec.key, (name) => names.indexOf(name));
    for (const i of this.#keyColumns) {
      if (spec.columns[i]!.type === "float8") {
        throw new TypeError(`EncodedRows cannot key ${spec.kind} by float8 ${names[i]}`);
      }
    }
    this.#newestBy = spec.series ?? options.newestBy;
    this.#newest = this.#freshNewest();
    this.#lastText = new Array<string | null>(this.#width).fill(null);
    this.#lastMillis = new Float64Array(this.#width).fill(NaN);
    this.#lastStart = new Int32Array(this.#width);
    this.#lastLength = new Int32Array(this.#width);
  }

  /** Rows added, repeated keys included. */
  get length(): number {
    return this.#count;
  }

  /** Rows after collapsing repeated keys; known once sealed. */
  get unique(): number {
    return this.#sealed().length;
  }

  /** The `tenant_id` every row has; `undefined` when there are no rows or they differ. */
  get tenant(): string | undefined {
    return this.#tenant ?? undefined;
  }

  /**
   * The newest row of each `newestBy` combination, by reference, in the order the combinations
   * first appeared.
   */
  get newest(): readonly Record<string, unknown>[] {
    return this.#newest?.rows ?? [];
  }

  /**
   * A hash of the key of every row once sealed, sorted: two batches with no hash in common share
   * no key (equal hashes may still be different keys).
   */
  get keyHashes(): Uint32Array {
    this.#sealed();
    return this.#keyHashes!;
  }

  /**
   * Encodes one normalised row (`tenant_id` filled, timestamps as `Date`), as
   * {@linkcode buildUpsert} would; the row itself is kept only when it is the newest of its
   * series so far.
   *
   * @param row The row.
   * @throws {TypeError} After {@linkcode EncodedRows.seal}.
   */
  add(row: object): void {
    if (this.#order !== undefined) throw new TypeError("EncodedRows is sealed");
    const r = row as Record<string, unknown>;
    const width = this.#width;
    const base = this.#count * width;
    if (base + width > this.#starts.length) this.#growIndex();
    const cols = this.spec.columns;
    for (let c = 0; c < width; c++) {
      const col = cols[c]!;
      const value = r[col.name];
      let text: string | null;
      if (value instanceof Date) {
        const ms = value.getTime();
        // sorted input repeats a time on every symbol: one ISO string per run of equal times
        if (ms === this.#lastMillis[c]) {
          this.#starts[base + c] = this.#lastStart[c]!;
          this.#lengths[base + c] = this.#lastLength[c]!;
          continue;
        }
        this.#lastMillis[c] = ms;
        text = toText(col.type, value);
      } else {
        this.#lastMillis[c] = NaN;
        text = toText(col.type, value);
      }
      if (text === null) {
        this.#lengths[base + c] = -1;
        this.#lastText[c] = null;
        this.#lastLength[c] = -1;
        continue;
      }
      // a NULL resets lastText, so an equal text is always one stored just before
      if (text !== this.#lastText[c]) {
        this.#lastStart[c] = this.#used;
        this.#lastLength[c] = this.#append(text);
        this.#lastText[c] = text;
      }
      this.#starts[base + c] = this.#lastStart[c]!;
      this.#lengths[base + c] = this.#lastLength[c]!;
    }
    const tenant = r.tenant_id;
    if (this.#count === 0) this.#tenant = typeof tenant === "string" ? tenant : null;
    else if (tenant !== this.#tenant) this.#tenant = null;
    this.#count++;
    this.#newest?.add(r);
  }

  /**
   * Empties the batch for new rows, keeping its buffers: a batch processor reuses the batches
   * it has written, so no buffer is allocated, grown or freed per batch. What
   * {@linkcode EncodedRows.newest} returned before stays as it was.
   */
  clear(): void {
    this.#count = 0;
    this.#used = 0;
    this.#order = undefined;
    this.#keyHashes = undefined;
    this.#tenant = undefined;
    this.#newest = this.#freshNewest();
    this.#lastText.fill(null);
    this.#lastMillis.fill(NaN);
  }

  /**
   * Collapses repeated keys (the last row added wins) and sorts by key; later calls do nothing.
   * {@linkcode EncodedRows.add} is refused from then on.
   */
  seal(): void {
    this.#sealed();
  }

  /**
   * The `unnest` parameter of one column: a PostgreSQL array literal of its values in key order,
   * as {@linkcode buildUpsert} sends for {@linkcode prepareRows}' rows.
   *
   * @param column The column's index in the table's `columns`.
   * @returns The literal, every element quoted, `NULL` unquoted.
   */
  literal(column: number): string {
    const order = this.#sealed();
    const bytes = this.#bytes;
    let need = 2;
    for (const row of order) {
      const length = this.#lengths[row * this.#width + column]!;
      need += length < 0 ? 5 : 2 * length + 3;
    }
    const out = this.#scratchOf(need);
    let p = 0;
    out[p++] = 0x7b; // {
    for (let i = 0; i < order.length; i++) {
      if (i > 0) out[p++] = COMMA;
      const at = order[i]! * this.#width + column;
      const length = this.#lengths[at]!;
      if (length < 0) {
        out.set(NULL_TEXT, p);
        p += NULL_TEXT.length;
        continue;
      }
      out[p++] = QUOTE;
      for (let j = this.#starts[at]!, end = j + length; j < end; j++) {
        const b = bytes[j]!;
        if (b === QUOTE || b === BACKSLASH) out[p++] = BACKSLASH;
        out[p++] = b;
      }
      out[p++] = QUOTE;
    }
    out[p++] = 0x7d; // }
    return decoder.decode(out.subarray(0, p));
  }

  /**
   * The rows in key order as COPY text (tab-separated, `\N` for NULL), as
   * {@linkcode encodeCopyRows} writes them.
   *
   * @param rowsPerChunk Rows per yielded string.
   */
  *copyChunks(rowsPerChunk = 1_000): Generator<string> {
    const order = this.#sealed();
    const width = this.#width;
    const bytes = this.#bytes;
    for (let from = 0; from < order.length; from += rowsPerChunk) {
      const to = Math.min(order.length, from + rowsPerChunk);
      let need = 0;
      for (let i = from; i < to; i++) {
        for (let c = 0; c < width; c++) {
          need += 2 * Math.max(this.#lengths[order[i]! * width + c]!, 1) + 1;
        }
      }
      const out = this.#scratchOf(need);
      let p = 0;
      for (let i = from; i < to; i++) {
        const base = order[i]! * width;
        for (let c = 0; c < width; c++) {
          if (c > 0) out[p++] = TAB;
          const length = this.#lengths[base + c]!;
          if (length < 0) {
            out.set(COPY_NULL, p);
            p += COPY_NULL.length;
            continue;
          }
          for (let j = this.#starts[base + c]!, end = j + length; j < end; j++) {
            const b = bytes[j]!;
            const escaped = COPY_ESCAPE[b]!;
            if (escaped === 0) out[p++] = b;
            else {
              out[p++] = BACKSLASH;
              out[p++] = escaped;
            }
          }
        }
        out[p++] = NEWLINE;
      }
      yield decoder.decode(out.subarray(0, p));
    }
  }

  #freshNewest(): NewestRows | undefined {
    return this.#newestBy ? new NewestRows(this.#newestBy, this.spec.time) : undefined;
  }

  #sealed(): Int32Array {
    if (this.#order !== undefined) return this.#order;
    const n = this.#count;
    const sorted = new Int32Array(n);
    for (let i = 0; i < n; i++) sorted[i] = i;
    // equal keys keep the order they were added in, so the last of a run is the last added
    sorted.sort((a, b) => this.#compareKeys(a, b) || a - b);
    const kept = new Int32Array(n);
    let unique = 0;
    for (let i = 0; i < n; i++) {
      if (i + 1 < n && this.#compareKeys(sorted[i]!, sorted[i + 1]!) === 0) continue;
      kept[unique++] = sorted[i]!;
    }
    this.#order = kept.slice(0, unique);
    const hashes = new Uint32Array(unique);
    for (let i = 0; i < unique; i++) hashes[i] = this.#hashKey(this.#order[i]!);
    this.#keyHashes = hashes.sort();
    return this.#order;
  }

  #compareKeys(a: number, b: number): number {
    const width = this.#width;
    const bytes = this.#bytes;
    const keys = this.#keyColumns;
    for (let k = 0; k < keys.length; k++) {
      const ia = a * width + keys[k]!;
      const ib = b * width + keys[k]!;
      const sa = this.#starts[ia]!, sb = this.#starts[ib]!;
      const la = this.#lengths[ia]!, lb = this.#lengths[ib]!;
      if (sa === sb && la === lb) continue;
      if (la < 0 || lb < 0) return la - lb;
      const common = la < lb ? la : lb;
      for (let j = 0; j < common; j++) {
        const d = bytes[sa + j]! - bytes[sb + j]!;
        if (d !== 0) return d;
      }
      if (la !== lb) return la - lb;
    }
    return 0;
  }

  /** FNV-1a over the key columns' bytes, each followed by a separator. */
  #hashKey(row: number): number {
    let h = 0x811c9dc5;
    const bytes = this.#bytes;
    for (const column of this.#keyColumns) {
      const at = row * this.#width + column;
      for (let j = this.#starts[at]!, end = j + Math.max(this.#lengths[at]!, 0); j < end; j++) {
        h = Math.imul(h ^ bytes[j]!, 0x01000193);
      }
      h = Math.imul(h ^ 0x01, 0x01000193);
    }
    return h >>> 0;
  }

  /** Appends a value's UTF-8 bytes; returns their length. */
  #append(text: string): number {
    const length = text.length;
    if (this.#used + 3 * length > this.#bytes.length) this.#growBytes(3 * length);
    const bytes = this.#bytes;
    const start = this.#used;
    let p = start;
    for (let i = 0; i < length; i++) {
      const ch = text.charCodeAt(i);
      if (ch >= 0x80) {
        p += encoder.encodeInto(text.slice(i), bytes.subarray(p)).written;
        break;
      }
      bytes[p++] = ch;
    }
    this.#used = p;
    return p - start;
  }

  #growBytes(more: number): void {
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#used + more));
    grown.set(this.#bytes.subarray(0, this.#used));
    this.#bytes = grown;
  }

  #growIndex(): void {
    const size = this.#starts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.#starts);
    const lengths = new Int32Array(size);
    lengths.set(this.#lengths);
    this.#starts = starts;
    this.#lengths = lengths;
  }

  #scratchOf(bytes: number): Uint8Array {
    if (this.#scratch.length < bytes) this.#scratch = new Uint8Array(bytes);
    return this.#scratch;
  }
}
