// Runs a benchmark subprocess with a file on stdin, timing it and sampling its peak RSS.
import { cleanEnv, MAIN, ROOT } from "../testing/cli.ts";
import { MDS_V8_FLAGS } from "../cli/v8_flags.ts";

/** What one subprocess run did. */
export interface ProcRun {
  /** Wall time from spawn to exit. */
  seconds: number;
  /** High-water mark of its resident memory (VmHWM), sampled every 50 ms; 0 where unknown. */
  peakRssBytes: number;
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
}

async function hwm(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Runs `command args` with `stdinFile` piped in; throws with its stderr when it fails. */
export async function runProc(
  command: string,
  args: readonly string[],
  options: { stdinFile?: string; env?: Record<string, string> } = {},
): Promise<ProcRun> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args: [...args],
    cwd: ROOT,
    env: options.env ?? cleanEnv(),
    clearEnv: true,
    stdin: options.stdinFile ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let peak = 0;
  const poll = setInterval(async () => (peak = Math.max(peak, await hwm(child.pid))), 50);
  try {
    const output = child.output();
    if (options.stdinFile) {
      const file = await Deno.open(options.stdinFile);
      await file.readable.pipeTo(child.stdin);
    }
    const out = await output;
    const seconds = (performance.now() - started) / 1000;
    const run = {
      seconds,
      peakRssBytes: peak,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
    if (!out.success) {
      throw new Error(
        `${command} ${args.join(" ")} exited ${out.code}: ${run.stderr.slice(-2000)}`,
      );
    }
    return run;
  } finally {
    clearInterval(poll);
  }
}

/**
 * Runs the real `mds` CLI with a clean environment plus `env`: `deno run -A` with the V8 flags
 * the `mds` binary is compiled with, or without them when `bare` (a plain `deno run`).
 */
export function runMds(
  args: readonly string[],
  env: Record<string, string>,
  stdinFile?: string,
  bare = false,
): Promise<ProcRun> {
  const flags = bare ? [] : [`--v8-flags=${MDS_V8_FLAGS}`];
  return runProc(Deno.execPath(), ["run", "-A", ...flags, MAIN, ...args], {
    env: cleanEnv(env),
    ...(stdinFile ? { stdinFile } : {}),
  });
}

/** The psql binary: on PATH, or from the newest PostgreSQL server package; undefined if none. */
export function findPsql(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/psql`).isFile) return `${dir}/psql`;
    } catch { /* not here */ }
  }
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name)
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const path = `/usr/lib/postgresql/${v}/bin/psql`;
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch { /* not this one */ }
    }
  } catch { /* no server packages */ }
  return undefined;
}
