// A bare HTTP/1.1 client over a TCP socket, for requests `fetch` will not send: a lying
// Content-Length, a chunked body of a chosen size, header bytes exactly as written, a request
// body cut short. Only tests import this file.

/** What came back on the socket. */
export interface RawAnswer {
  /** The status code, or 0 when the server closed the connection without an answer. */
  status: number;
  /** The response headers, names lower-cased. */
  headers: Headers;
  /** The body, de-chunked. */
  body: string;
  /** Everything the server sent, as Latin-1 text (status line, headers, body). */
  raw: string;
}

/** Options of {@linkcode rawRequest}. */
export interface RawRequestOptions {
  /** Half-close the socket after writing, as a client that sends nothing more would. */
  closeWrite?: boolean;
  /** Give up reading after this many milliseconds. @default {15000} */
  timeoutMs?: number;
}

const latin1 = new TextDecoder("latin1");

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function dechunk(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const eol = latin1.decode(bytes.subarray(at)).indexOf("\r\n");
    if (eol < 0) break;
    const size = parseInt(latin1.decode(bytes.subarray(at, at + eol)), 16);
    if (!Number.isFinite(size) || size === 0) break;
    at += eol + 2;
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
  return concat(parts);
}

function parse(bytes: Uint8Array): RawAnswer {
  const raw = latin1.decode(bytes);
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, headers: new Headers(), body: "", raw };
  const [statusLine = "", ...lines] = raw.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let payload = bytes.subarray(end + 4);
  if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
    payload = dechunk(payload);
  } else if (headers.has("content-length")) {
    payload = payload.subarray(0, Number(headers.get("content-length")));
  }
  return { status, headers, body: new TextDecoder().decode(payload), raw };
}

/** Whether `bytes` hold a whole response: head and the body its framing announces. */
function complete(bytes: Uint8Array): boolean {
  const text = latin1.decode(bytes);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const headText = text.slice(0, end).toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(headText)?.[1];
  if (length !== undefined) return bytes.length - (end + 4) >= Number(length);
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headText)) return text.endsWith("0\r\n\r\n");
  return false;
}

/**
 * Writes `request` byte for byte to `127.0.0.1:port` while reading the answer, until the answer is
 * whole, the server closes the connection or the time runs out.
 *
 * @param port The server's port on 127.0.0.1.
 * @param request The request: text (written as UTF-8) or byte parts written one after another.
 * @param options Half-closing and the read timeout.
 * @returns The first answer on the connection.
 */
export async function rawRequest(
  port: number,
  request: string | readonly (string | Uint8Array)[],
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }, options.timeoutMs ?? 15_000);
  const chunks: Uint8Array[] = [];
  // Write and read at once: a server may answer (413) without reading what is still being sent.
  const writing = (async () => {
    const parts = typeof request === "string" ? [request] : request;
    for (const part of parts) {
      const bytes = typeof part === "string" ? new TextEncoder().encode(part) : part;
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    }
    if (options.closeWrite) await conn.closeWrite();
  })().catch(() => {
    // The server answered and closed before the whole request was written.
  });
  try {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        break; // reset by the server, or closed by the timeout
      }
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      if (complete(concat(chunks))) break;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // already closed
    }
    await writing;
  }
  return parse(concat(chunks));
}

/**
 * Encodes `body` as chunks of `chunkSize` bytes in chunked transfer coding, ending with the
 * last (zero-size) chunk.
 *
 * @param body The payload.
 * @param chunkSize Bytes per chunk.
 * @returns The encoded parts.
 */
export function chunked(body: Uint8Array, chunkSize = 64 * 1024): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (let at = 0; at < body.length; at += chunkSize) {
    const piece = body.subarray(at, at + chunkSize);
    parts.push(enc.encode(`${piece.length.toString(16)}\r\n`), piece, enc.encode("\r\n"));
  }
  parts.push(enc.encode("0\r\n\r\n"));
  return parts;
}
