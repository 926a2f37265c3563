// A WebSocket client for the API tests: offers the key as the subprotocol `bearer.<key>` next to
// `mds.v1`, and collects the parsed messages. Only tests import this file.

/** A connected client. */
export interface WsClient {
  /** The socket. */
  ws: WebSocket;
  /** Every message received so far, parsed. */
  messages: Record<string, unknown>[];
  /** Resolves when the socket has closed. */
  closed: Promise<CloseEvent>;
  /** The subprotocol the server selected. */
  protocol: string;
  /** Waits (at most about 4 s) until `n` messages have arrived; returns them all. */
  until(n: number): Promise<Record<string, unknown>[]>;
  /** Closes the socket and waits until it is closed. */
  close(): Promise<void>;
}

/**
 * Connects to `url` with an API key.
 *
 * @param url `ws://127.0.0.1:<port>/ws/...`.
 * @param key The API key.
 * @returns The open client.
 */
export async function connectWs(url: string, key: string): Promise<WsClient> {
  const ws = new WebSocket(url, ["mds.v1", `bearer.${key}`]);
  const messages: Record<string, unknown>[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (e) => messages.push(JSON.parse(e.data)));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("could not connect")), { once: true });
  });
  return {
    ws,
    messages,
    closed,
    protocol: ws.protocol,
    async until(n: number) {
      for (let i = 0; i < 400 && messages.length < n; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages;
    },
    async close() {
      ws.close();
      await closed;
    },
  };
}
