// The copy streams of the tenant API (copyBars, copyFundamentals, ...): any row source, read only
// as fast as batches commit, written through a BatchProcessor whose batches only size decides.
import type { RowKind } from "@mds/sql";
import { BatchProcessor } from "./batch_processor.ts";
import type { RowSink } from "./row_sink.ts";
import type { CopyOptions, RowSource, WriteResult } from "./write_types.ts";
import { DEFAULT_BATCH_ROWS } from "./_write_options.ts";

/**
 * Streams rows of one kind from `source` into `sink` in batches, each its own unit of work. On a
 * failure the rows accepted before it are committed, then the failure is raised.
 */
export async function copyRows(
  sink: RowSink,
  kind: RowKind,
  source: RowSource<unknown>,
  options: CopyOptions,
): Promise<WriteResult> {
  const batch = new BatchProcessor(sink, {
    maxRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
    maxMs: 3_600_000, // size alone decides; a slow source must not produce tiny batches
    concurrency: options.concurrency,
    mode: options.mode,
  });
  try {
    for await (const row of source as AsyncIterable<unknown>) await batch.add(kind, row);
  } catch (err) {
    // Keep what was accepted before the failure, then report the failure itself.
    await batch.close().catch(() => {});
    throw err;
  }
  return await batch.close();
}
