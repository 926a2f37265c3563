/**
 * The `mds` command-line tool: every store operation from the shell, and NDJSON ingest from
 * stdin with nothing lost. Run it with `deno run -A jsr:@mds/cli` or the compiled `mds` binary;
 * embed it with {@linkcode runCli}.
 *
 * @example Ingest NDJSON bars into an embedded store
 * ```ts ignore
 * import { runCli } from "@mds/cli";
 * import { denoHost } from "@mds/cli";
 *
 * const code = await runCli(["ingest-ndjson", "bars", "bars.ndjson", "--tenant", crypto.randomUUID()], denoHost());
 * ```
 *
 * @module
 */
export { DEMO_TENANT, type Host, reportError, runCli } from "./program.ts";
export { denoHost } from "./main.ts";
export {
  ingestNdjson,
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
} from "./ingest.ts";
export { type Io, printObject, printRows } from "./output.ts";
export { EXIT, type GlobalSettings, openClient, requireTenant, UsageError } from "./config.ts";
export { type InputLine, maybeGunzip, readLines, type ReadLinesOptions } from "./ndjson_lines.ts";
export { demoBars, seed, type SeedSummary } from "./seed.ts";
