// Runs the real `mds` command as a subprocess for the CLI tests, with an environment built from
// scratch so a developer's own MDS_* variables cannot leak in.
import { assertEquals } from "./assert.ts";

/** Path of the CLI entry point. */
export const MAIN: string = decodeURIComponent(new URL("../cli/main.ts", import.meta.url).pathname);
/** Path of the repository. */
export const ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Environment variables of a run. */
export type Env = Record<string, string>;
/** Standard input of a run. */
export type Input = string | Uint8Array;

/** What one `mds` run did. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** An environment with no MDS_* variable of the developer's: PATH, HOME and DENO_DIR only. */
export function cleanEnv(extra: Env = {}): Env {
  const env: Env = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return { ...env, ...extra };
}

export function spawnMds(args: readonly string[], env: Env): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs `mds args` to completion with exactly `env` and optional standard input. */
export async function mds(
  args: readonly string[],
  options: { env: Env; stdin?: Input },
): Promise<Run> {
  const child = spawnMds(args, options.env);
  const output = child.output();
  const writer = child.stdin.getWriter();
  try {
    if (options.stdin !== undefined) {
      await writer.write(
        typeof options.stdin === "string" ? encoder.encode(options.stdin) : options.stdin,
      );
    }
    await writer.close();
  } catch {
    // the command exited without reading its input
  }
  const { code, stdout, stderr } = await output;
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Runs `mds args` and fails unless it exits with `code`. */
export async function expectExit(
  code: number,
  args: readonly string[],
  options: { env: Env; stdin?: Input },
): Promise<Run> {
  const run = await mds(args, options);
  assertEquals(
    run.code,
    code,
    `mds ${args.join(" ")} exited ${run.code}, not ${code}\nstdout: ${
      run.stdout.slice(0, 2_000)
    }\nstderr: ${run.stderr.slice(0, 2_000)}`,
  );
  return run;
}

/** Runs `mds args` and fails unless it succeeds. */
export function ok(args: readonly string[], options: { env: Env; stdin?: Input }): Promise<Run> {
  return expectExit(0, args, options);
}

/** The JSON objects of `--json` output, one per line. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}
