import { BatchProcessor, type TenantApi, type WriteMode } from "@mds/client";
import { MdsError, quote, type RowKind, type RowOf, ValidationError } from "@mds/sql";
import { maybeGunzip, readLineBatches } from "./ndjson_lines.ts";

/** Settings of one NDJSON ingest. */
export interface IngestOptions {
  /** What the lines hold. */
  kind: RowKind;
  /** The bytes, plain or gzip. */
  input: ReadableStream<Uint8Array>;
  /** The tenant to write for. */
  api: TenantApi;
  /** Flush at this many rows. */
  maxRows: number;
  /** Flush at this many input bytes. */
  maxBytes: number;
  /** Flush this long after the first buffered row. */
  maxMs: number;
  /**
   * Batches in flight at once, each its own transaction: the next batch is parsed while earlier
   * ones are written. Whole number from 1 to 64. @default {2 on a server, 1 embedded}
   */
  concurrency?: number | undefined;
  /** Lines longer than this are rejected. */
  maxLineBytes: number;
  /** Stop at the first bad line; the open batch is not written. */
  strict: boolean;
  /** How rows travel. */
  mode?: WriteMode | undefined;
  /** Bad lines, verbatim, one per line. */
  rejects?: WritableStreamDefaultWriter<Uint8Array> | undefined;
  /** Called for each bad line with its number and reason. */
  onReject: (line: number, reason: string) => void;
  /** Called about once a second while running. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
  /** Stops reading; what was accepted is committed. */
  signal?: AbortSignal | undefined;
}

/** Figures while running. */
export interface IngestProgress {
  /** Lines read. */
  lines: number;
  /** Rows accepted. */
  accepted: number;
  /** Input bytes read. */
  bytes: number;
  /** Seconds since start. */
  seconds: number;
}

/** What an ingest did. */
export interface IngestSummary {
  /** Row kind. */
  kind: RowKind;
  /** Lines read, blank ones included. */
  lines: number;
  /** Blank lines skipped. */
  blank: number;
  /** Lines accepted as rows. */
  accepted: number;
  /** Lines rejected. */
  rejected: number;
  /** Rows that did not exist. */
  inserted: number;
  /** Rows that existed with other values. */
  updated: number;
  /** Rows that existed unchanged. */
  unchanged: number;
  /** Wall time. */
  seconds: number;
  /** Accepted rows per second. */
  rows_per_second: number;
  /** Stopped by a signal; what was accepted is committed. */
  interrupted: boolean;
  /** With `strict`, the bad line that stopped the ingest. */
  stopped_at_line: number | null;
}

/**
 * Rows per batch of `mds ingest-ndjson` unless `--max-rows` says otherwise. Each batch also
 * upserts the latest price and cursor of every series it holds, so on wide data (every symbol in
 * every minute) small batches repeat that work: 300k bars over 2,000 symbols into PostgreSQL 15
 * on 2 cores ran at ~47k rows/s with 5,000-row batches, ~58k with 10,000 and ~65k with 20,000
 * (`deno task bench`). Memory depends less on it since batches hold encoded column text, not
 * row objects: with the compiled binary's V8 flags, 300k bars peaked at ~165 MiB with 20,000-row
 * batches and ~140 MiB with 5,000 (1M and 4M bars at ~170 MiB: flat); without the flags V8 sizes
 * its heap from the machine (~280 MiB on 24 GiB).
 */
export const DEFAULT_INGEST_ROWS = 20_000;

const encoder = new TextEncoder();
const NEWLINE = encoder.encode("\n");

/**
 * Streams NDJSON rows into the store with constant memory: a line is read only when the one
 * before it is buffered, and buffering waits for the database. Every bad line is reported with
 * its number and reason and written verbatim to `rejects`; good lines around it are kept.
 */
export async function ingestNdjson(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const batch = new BatchProcessor(options.api.sink(), {
    maxRows: options.maxRows,
    maxBytes: options.maxBytes,
    maxMs: options.maxMs,
    mode: options.mode,
    // only when given: otherwise the sink's default (2 on a server, 1 embedded)
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  const summary: IngestSummary = {
    kind: options.kind,
    lines: 0,
    blank: 0,
    accepted: 0,
    rejected: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    seconds: 0,
    rows_per_second: 0,
    interrupted: false,
    stopped_at_line: null,
  };
  let bytes = 0;
  const progress = options.onProgress
    ? setInterval(() =>
      options.onProgress!({
        lines: summary.lines,
        accepted: summary.accepted,
        bytes,
        seconds: (performance.now() - started) / 1000,
      }), 1_000)
    : undefined;
  let stopped = false;
  try {
    const input = await maybeGunzip(options.input);
    const rejects = options.rejects;
    const batches = readLineBatches(input, options.maxLineBytes, {
      signal: options.signal,
      // over-long lines go to the rejects file verbatim as they stream by
      onOverflow: rejects ? (bytes) => rejects.write(bytes) : undefined,
    });
    read: for await (const lines of batches) {
      for (const line of lines) {
        summary.lines++;
        bytes += line.size + 1;
        let reason: string | null;
        if (line.problem === "too long") {
          reason = `line is longer than ${options.maxLineBytes} bytes`;
        } else if (line.problem === "invalid UTF-8") reason = "line is not valid UTF-8";
        else if (line.text!.trim() === "") {
          summary.blank++;
          continue;
        } else {
          const row = accept(options, line.text!, line.number);
          if (typeof row !== "string") {
            await batch.addValidated(options.kind, row, line.size);
            summary.accepted++;
            continue;
          }
          reason = row;
        }
        summary.rejected++;
        options.onReject(line.number, reason);
        if (rejects) {
          if (line.bytes.length > 0) await rejects.write(line.bytes);
          await rejects.write(NEWLINE);
        }
        if (options.strict) {
          summary.stopped_at_line = line.number;
          stopped = true;
          break read;
        }
      }
    }
    summary.interrupted = options.signal?.aborted ?? false;
    const totals = stopped ? await batch.discard() : await batch.close();
    if (stopped) summary.accepted = totals.rows;
    summary.inserted = totals.inserted;
    summary.updated = totals.updated;
    summary.unchanged = totals.unchanged;
  } catch (err) {
    await batch.discard().catch(() => {});
    throw err;
  } finally {
    if (progress !== undefined) clearInterval(progress);
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.rows_per_second = summary.seconds > 0
    ? Math.round(summary.accepted / summary.seconds)
    : 0;
  return summary;
}

/** Parses and validates one line: the row, or why it was refused. */
function accept(
  options: IngestOptions,
  text: string,
  number: number,
): RowOf[RowKind] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  try {
    return options.api.validate(options.kind, value, number);
  } catch (err) {
    if (err instanceof ValidationError) {
      return err.field === ""
        ? `${err.reason} (got ${quote(err.value)})`
        : `"${err.field}" is ${quote(err.value)}: ${err.reason}`;
    }
    if (err instanceof MdsError && err.code === "MDS_TENANT_DENIED") return err.message;
    throw err;
  }
}
