/**
 * The `mds` command-line tool: every store operation from the shell, and NDJSON ingest from
 * stdin with nothing lost. Run it with `deno run -A jsr:@mds/cli` or the compiled `mds` binary;
 * embed it with {@linkcode runCli}.
 *
 * @example Ingest NDJSON bars into an embedded store
 * ```ts ignore
 * import { denoHost, EXIT, runCli } from "@mds/cli";
 *
 * const tenant = crypto.randomUUID();
 * const code = await runCli(["ingest-ndjson", "bars", "bars.ndjson", "--tenant", tenant], denoHost());
 * if (code === EXIT.rejected) console.error("some lines were rejected: see stderr");
 * ```
 *
 * @module
 */
export { runCli } from "./program.ts";
export { denoHost } from "./main.ts";
export type { Host } from "./host.ts";
export type { Io } from "./output.ts";
export { EXIT, type ExitCodes } from "./exit.ts";
