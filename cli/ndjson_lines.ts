/** One input line, without its line ending. */
export interface InputLine {
  /** 1-based line number. */
  number: number;
  /** The line's text, or `null` when it is not valid UTF-8 or is longer than the limit. */
  text: string | null;
  /**
   * The line's bytes as read. For a line over the limit: empty when its bytes went to
   * `onOverflow`, else its first 1 KiB.
   */
  bytes: Uint8Array;
  /** Byte length of the whole line. */
  size: number;
  /** Why `text` is `null`. */
  problem: "too long" | "invalid UTF-8" | null;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Wraps a byte stream so gzip input (detected by its magic bytes) is decompressed. */
export async function maybeGunzip(
  input: ReadableStream<Uint8Array>,
): Promise<ReadableStream<Uint8Array>> {
  const reader = input.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  const gzip = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  // DecompressionStream is typed as accepting any BufferSource; Uint8Array chunks are one.
  return gzip
    ? rest.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : rest;
}

const KEEP_OF_LONG_LINE = 1024;

/** Options of {@linkcode readLines}. */
export interface ReadLinesOptions {
  /** Stops reading; a partial last line is dropped. */
  signal?: AbortSignal | undefined;
  /**
   * Receives the bytes of a line over the limit as they stream by (without its line ending),
   * so it can be kept verbatim without being held in memory.
   */
  onOverflow?: ((bytes: Uint8Array) => Promise<void>) | undefined;
}

/**
 * Splits a byte stream into numbered lines: LF or CRLF endings, a UTF-8 BOM on the first line
 * dropped, lines longer than `maxLineBytes` reported without being held in memory whole, and
 * invalid UTF-8 reported per line. Pull-based: nothing is read ahead of the consumer.
 */
export async function* readLines(
  input: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  options: ReadLinesOptions = {},
): AsyncGenerator<InputLine> {
  for await (const lines of readLineBatches(input, maxLineBytes, options)) yield* lines;
}

/**
 * {@linkcode readLines} a chunk at a time: the complete lines of each chunk read, as one array.
 * Ingest takes lines this way, so the cost of an asynchronous step is paid per chunk rather
 * than per line; memory stays bounded by the chunk size.
 */
export async function* readLineBatches(
  input: ReadableStream<Uint8Array>,
  maxLineBytes: number,
  options: ReadLinesOptions = {},
): AsyncGenerator<InputLine[]> {
  const { signal, onOverflow } = options;
  const reader = input.getReader();
  // A read blocked on a quiet input (a terminal, a pipe) ends when the signal fires: cancelling
  // the reader resolves the pending read as done. (Racing each read against a long-lived abort
  // promise would keep every chunk reachable from that promise: memory growing with the input.)
  const stop = () => void reader.cancel().catch(() => {});
  if (signal?.aborted) stop();
  signal?.addEventListener("abort", stop, { once: true });
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let parts: Uint8Array[] = []; // what is kept of the current line
  let kept = 0; // bytes in parts
  let size = 0; // bytes of the current line so far
  let tooLong = false;
  let number = 0;

  const finish = (): InputLine => {
    number++;
    let bytes: Uint8Array;
    if (parts.length === 1) bytes = parts[0]!;
    else {
      bytes = new Uint8Array(kept);
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
    }
    const line = { number, size, tooLong };
    parts = [];
    kept = 0;
    size = 0;
    tooLong = false;
    if (line.tooLong) return { number, text: null, bytes, size: line.size, problem: "too long" };
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF
    const start =
      number === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
        ? 3
        : 0;
    const body = bytes.subarray(start, end);
    const done: InputLine = { number, text: null, bytes: body, size: line.size, problem: null };
    // a line inside the chunk read is decoded with its neighbours, in one call (see decodeAll)
    if (body.buffer === chunk?.buffer) pending.push(done);
    else decodeOne(done);
    return done;
  };
  const decodeOne = (line: InputLine): void => {
    try {
      line.text = decoder.decode(line.bytes);
    } catch {
      line.problem = "invalid UTF-8";
    }
  };
  // One decoder call per chunk instead of one per line (a call costs ~0.7 us, a third of parsing
  // a bar): where the chunk's lines are all ASCII, every character sits at its byte's offset
  // and each line is a slice of the decoded text; otherwise each is decoded alone, as before.
  let chunk: Uint8Array | undefined;
  let pending: InputLine[] = [];
  const decodeAll = (): void => {
    if (pending.length === 0) return;
    const base = chunk!.byteOffset;
    const from = pending[0]!.bytes.byteOffset - base;
    const last = pending[pending.length - 1]!.bytes;
    const to = last.byteOffset + last.length - base;
    let text: string | undefined;
    try {
      text = decoder.decode(chunk!.subarray(from, to));
    } catch { /* an invalid line: found below */ }
    if (text !== undefined && text.length === to - from) {
      for (const line of pending) {
        const at = line.bytes.byteOffset - base - from;
        line.text = text.slice(at, at + line.bytes.length);
      }
    } else for (const line of pending) decodeOne(line);
    pending = [];
  };

  let lines: InputLine[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || signal?.aborted) break;
      chunk = value;
      let from = 0;
      for (;;) {
        const nl = value.indexOf(0x0a, from);
        const segment = value.subarray(from, nl === -1 ? value.length : nl);
        size += segment.length;
        if (!tooLong && size > maxLineBytes) {
          tooLong = true;
          if (onOverflow) {
            // the lines before this one reach the consumer first, so its sink sees them first
            if (lines.length > 0) {
              decodeAll();
              yield lines;
              lines = [];
            }
            // hand over what is held, then let the rest stream through to the sink
            for (const part of parts) await onOverflow(part);
            await onOverflow(segment);
            parts = [];
            kept = 0;
          } else {
            // keep a prefix for the report, let the rest stream by
            const room = Math.max(0, KEEP_OF_LONG_LINE - kept);
            parts.push(segment.subarray(0, room));
            kept += Math.min(room, segment.length);
          }
        } else if (tooLong) {
          if (onOverflow && segment.length > 0) await onOverflow(segment);
        } else {
          parts.push(segment);
          kept += segment.length;
        }
        if (nl === -1) break;
        lines.push(finish());
        from = nl + 1;
      }
      decodeAll();
      if (lines.length > 0) {
        yield lines;
        lines = [];
      }
    }
    chunk = undefined;
    if (size > 0 && !signal?.aborted) yield [finish()];
  } finally {
    signal?.removeEventListener("abort", stop);
    reader.releaseLock();
  }
}
