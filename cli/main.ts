// The `mds` command on Deno: wires the program to stdin/stdout, files, environment and signals.
import type { Host } from "./host.ts";
import { runCli } from "./program.ts";

const encoder = new TextEncoder();

/**
 * The host of the real process: standard streams, `Deno.env`, files, SIGINT, SIGTERM and SIGHUP.
 *
 * @returns The host, for {@linkcode runCli}.
 *
 * @example
 * ```ts
 * import { denoHost } from "@mds/cli";
 * import assert from "node:assert/strict";
 *
 * const host = denoHost();
 * assert.equal(host.env("MDS_SURELY_UNSET_VARIABLE"), undefined);
 * assert.equal(typeof host.io.errIsTerminal, "boolean");
 * ```
 */
export function denoHost(): Host {
  return {
    io: {
      out: (text) => Deno.stdout.writeSync(encoder.encode(text)),
      err: (text) => Deno.stderr.writeSync(encoder.encode(text)),
      outIsTerminal: Deno.stdout.isTerminal(),
      errIsTerminal: Deno.stderr.isTerminal(),
    },
    env: (name) => Deno.env.get(name),
    openInput: async (
      path,
    ) => (path === "-" ? Deno.stdin.readable : (await Deno.open(path)).readable),
    openOutput: async (path) =>
      (await Deno.open(path, { write: true, create: true, truncate: true })).writable,
    onInterrupt: (fn) => {
      const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
      for (const s of signals) Deno.addSignalListener(s, fn);
      return () => signals.forEach((s) => Deno.removeSignalListener(s, fn));
    },
    onSignal: (signal, fn) => {
      if (Deno.build.os === "windows" && signal !== "SIGINT") return () => {};
      Deno.addSignalListener(signal, fn);
      return () => Deno.removeSignalListener(signal, fn);
    },
  };
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, denoHost()));
}
