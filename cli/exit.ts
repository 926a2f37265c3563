// How `mds` ends: its exit codes, and the error that means the command line was wrong.

/** The exit codes of `mds`, by meaning. */
export interface ExitCodes {
  /** Success. */
  readonly ok: 0;
  /** The command failed: a database error, a drifted migration, a stopped ingest. */
  readonly failure: 1;
  /** A usage mistake: an unknown command or option, a bad value, a missing tenant. */
  readonly usage: 2;
  /** `ingest-ndjson` finished, but rejected some lines. */
  readonly rejected: 3;
  /** Interrupted by SIGINT or SIGTERM; what was committed stays. */
  readonly interrupted: 130;
}

/**
 * The exit codes of `mds`: 0 success, 1 failure, 2 usage, 3 ingest finished with rejected lines,
 * 130 interrupted.
 *
 * @example
 * ```ts
 * import { EXIT, runCli } from "@mds/cli";
 * import assert from "node:assert/strict";
 *
 * const io = { out: () => {}, err: () => {}, outIsTerminal: false, errIsTerminal: false };
 * const host = {
 *   io,
 *   env: () => undefined,
 *   openInput: () => Promise.reject(new Error("no files")),
 *   openOutput: () => Promise.reject(new Error("no files")),
 *   onInterrupt: () => () => {},
 *   onSignal: () => () => {},
 * };
 * assert.equal(await runCli(["no-such-command"], host), EXIT.usage);
 * ```
 */
export const EXIT: ExitCodes = { ok: 0, failure: 1, usage: 2, rejected: 3, interrupted: 130 };

/** A usage mistake: exit code 2. */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, naming the flag or variable.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
