// Driving `mds ingest-ndjson` from tests: NDJSON input, the `--json` summary, and an ingest whose
// standard input stays open until the test stops it with a signal.
import { assertEquals } from "./assert.ts";
import { type Env, type Input, jsonLines, type Run, spawnMds } from "./cli.ts";

const encoder = new TextEncoder();

/** The one `--json` summary an ingest printed. */
export function summaryOf(run: Run): Record<string, unknown> {
  const lines = jsonLines(run.stdout);
  assertEquals(lines.length, 1, `one summary line expected: ${run.stdout}`);
  return lines[0]!;
}

/** Joins lines (text or bytes) with `\n` after each. */
export function ndjson(lines: readonly Input[]): Uint8Array {
  const parts = lines.map((l) => (typeof l === "string" ? encoder.encode(l) : l));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    out[at + p.length] = 0x0a;
    at += p.length + 1;
  }
  return out;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** An `mds` run reading stdin, which stays open until the test stops it. */
export interface RunningIngest {
  /** Standard error so far. */
  readonly stderr: string;
  /** Rows accepted so far, from the `--progress` lines. */
  accepted(): number;
  /** Sends bytes to stdin; resolves once they are taken (never rejects: a stopped child refuses them). */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends `signal` (unless the child has exited) and returns what the run did. */
  stop(signal: Deno.Signal): Promise<Run>;
  /** Ends stdin (the input is complete) and returns what the run did. */
  finish(): Promise<Run>;
  /** The child's process id. */
  readonly pid: number;
}

/** Starts `mds args` with `store.env`; its stdin stays open until {@linkcode RunningIngest.stop}. */
export function startIngest(store: { readonly env: Env }, args: readonly string[]): RunningIngest {
  const child = spawnMds(args, store.env);
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const stdout = new Response(child.stdout).text();
  const writer = child.stdin.getWriter();
  const writes: Promise<void>[] = [];
  const done = async (): Promise<Run> => {
    const { code } = await child.status;
    await stderrDone;
    const out = await stdout;
    await Promise.all(writes);
    await writer.close().catch(() => {});
    return { code, stdout: out, stderr };
  };
  return {
    pid: child.pid,
    get stderr(): string {
      return stderr;
    },
    accepted(): number {
      return Math.max(0, ...[...stderr.matchAll(/^(\d+) rows, /gm)].map((m) => Number(m[1])));
    },
    write(bytes: Uint8Array): Promise<void> {
      const done = writer.write(bytes).catch(() => {}); // refused once the child stops reading
      writes.push(done);
      return done;
    },
    async stop(signal: Deno.Signal): Promise<Run> {
      try {
        child.kill(signal);
      } catch {
        // it has exited already; the exit code tells
      }
      return await done();
    },
    async finish(): Promise<Run> {
      await Promise.all(writes);
      await writer.close().catch(() => {});
      return await done();
    },
  };
}
