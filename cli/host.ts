// What `mds` needs from the process it runs in, so the program never touches `Deno.*` itself.
import type { Io } from "./output.ts";

/**
 * What the program needs from its host: I/O, environment, files and signals. `denoHost()` is
 * the real process; tests and embedders pass their own.
 *
 * @example A host in memory
 * ```ts
 * import { type Host, runCli } from "@mds/cli";
 * import assert from "node:assert/strict";
 *
 * let out = "";
 * const host: Host = {
 *   io: { out: (t) => (out += t), err: () => {}, outIsTerminal: false, errIsTerminal: false },
 *   env: (name) => (name === "MDS_DATA_DIR" ? "/tmp/mds-example" : undefined),
 *   openInput: () => Promise.reject(new Error("no files here")),
 *   openOutput: () => Promise.reject(new Error("no files here")),
 *   onInterrupt: () => () => {},
 *   onSignal: () => () => {},
 * };
 * assert.equal(await runCli(["--version"], host), 0);
 * assert.equal(out, "0.1.0\n");
 * ```
 */
export interface Host {
  /** Standard output and error. */
  io: Io;
  /** Environment variables. */
  env: (name: string) => string | undefined;
  /** Opens a file (or `-` for standard input) for reading. */
  openInput: (path: string) => Promise<ReadableStream<Uint8Array>>;
  /** Opens a file for writing, truncating it. */
  openOutput: (path: string) => Promise<WritableStream<Uint8Array>>;
  /** Calls `fn` on SIGINT or SIGTERM until the returned function is called. */
  onInterrupt: (fn: () => void) => () => void;
  /**
   * Calls `fn` each time the process receives `signal`, until the returned function is called:
   * `mds collect` stops on SIGTERM and SIGINT and reloads its configuration on SIGHUP. A host
   * that cannot receive the signal (SIGTERM and SIGHUP on Windows) never calls `fn`.
   */
  onSignal: (signal: "SIGTERM" | "SIGINT" | "SIGHUP", fn: () => void) => () => void;
}
