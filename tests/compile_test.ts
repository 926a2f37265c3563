// `deno task compile` builds dist/mds with the migrations inside. Compiling downloads Deno's
// runtime (denort); where it cannot be fetched the check is reported as skipped with the reason.
// Any other compile failure fails.
import { MIGRATION_FILES } from "@mds/sql";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { MDS_V8_FLAGS } from "../cli/v8_flags.ts";

const root = new URL("..", import.meta.url).pathname;
const outDir = await Deno.makeTempDir({ prefix: "mds-compile-" });
const binary = `${outDir}/mds`;
const compiled = await new Deno.Command(Deno.execPath(), {
  args: [
    "compile",
    "-A",
    `--v8-flags=${MDS_V8_FLAGS}`,
    "--include",
    "migrations",
    "--output",
    binary,
    "cli/main.ts",
  ],
  cwd: root,
  env: { NO_COLOR: "1" }, // plain error text, so the reason reads cleanly in the test name
  stdout: "piped",
  stderr: "piped",
}).output();
const log = new TextDecoder().decode(compiled.stderr);
const downloadFailed = !compiled.success &&
  /denort|download|dl\.deno\.land|failed to fetch|error sending request/i.test(log);
const lines = log.split("\n").map((l) => l.trim());
const reason = (lines.find((l) => /dns error|error sending request|failed to fetch/i.test(l)) ??
  lines.find((l) => /error/i.test(l)) ?? "unknown").slice(0, 200);

Deno.test({
  name: downloadFailed
    ? `deno compile builds a working mds binary (skipped: Deno's runtime could not be fetched: ${reason})`
    : "deno compile builds a working mds binary that migrates an embedded store from inside itself",
  ignore: downloadFailed,
  fn: async () => {
    try {
      assert(compiled.success, `deno compile failed: ${log}`);
      const help = await new Deno.Command(binary, { args: ["--help"], stdout: "piped" }).output();
      assertEquals(help.code, 0);
      assertIncludes(new TextDecoder().decode(help.stdout), "ingest-ndjson");
      const dataDir = `${outDir}/store`;
      const version = await new Deno.Command(binary, {
        args: ["schema-version", "--json", "--data-dir", dataDir],
        cwd: outDir, // not the repository: the migrations must come from inside the binary
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(version.code, 0, new TextDecoder().decode(version.stderr));
      assertEquals(
        JSON.parse(new TextDecoder().decode(version.stdout)).version,
        MIGRATION_FILES.length,
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

if (downloadFailed) await Deno.remove(outDir, { recursive: true });

Deno.test("the mds binary is built with the V8 heap flags the benchmark measures, everywhere it is built", () => {
  const flag = `--v8-flags=${MDS_V8_FLAGS} `;
  const tasks = JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).tasks;
  assertIncludes(tasks.compile, flag);
  assertIncludes(tasks.mds, flag);
  const docker = Deno.readTextFileSync(`${root}Dockerfile`).replaceAll("\\\n", " ");
  const mdsBuild = docker.split("&&").find((step) =>
    step.includes("--output /out/mds cli/main.ts")
  );
  assert(mdsBuild !== undefined, "the Dockerfile builds /out/mds");
  assertIncludes(mdsBuild.replace(/\s+/g, " "), flag);
});
