// What a command module needs from program.ts, which registers it.
import type { Command } from "commander";
import type { Host } from "./host.ts";
import type { GlobalSettings } from "./_open.ts";
import type { Io } from "./output.ts";

/** An action given the settings, its command and its arguments. */
export type ClientAction = (s: GlobalSettings, cmd: Command, ...args: unknown[]) => Promise<void>;

/** The program's services for a command module. */
export interface CommandDeps {
  /** Standard output and error (the host's). */
  io: Io;
  /** The host: files, standard input and signals. */
  host: Host;
  /** Wraps an action so it receives the global settings. */
  withClient: (fn: ClientAction) => (...args: unknown[]) => Promise<void>;
  /** Sets the exit code. */
  setExit: (code: number) => void;
}
