// The real admin server (admin/main.ts) as a subprocess on a loopback port, for tests that need
// a socket: load, raw HTTP, signals. Only tests import this file.

const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("../admin/main.ts", import.meta.url).pathname;

/** A running admin/main.ts. */
export interface AdminServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The subprocess. */
  readonly process: Deno.ChildProcess;
  /** Everything it wrote to stdout, once it has exited. */
  readonly stdout: Promise<string>;
  /** Everything it wrote to stderr, once it has exited. */
  readonly stderr: Promise<string>;
  /**
   * Sends SIGTERM and waits for the exit, SIGKILL after `ms`.
   *
   * @param ms The grace period.
   * @returns The exit status.
   */
  stop(ms?: number): Promise<Deno.CommandStatus>;
}

/** A port free on 127.0.0.1 at the time of the call. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The variables a `deno run` subprocess needs, and none of the test's own mds settings. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Starts `deno run -A admin/main.ts` on a free loopback port with `env` (and nothing else of
 * the test's environment), and waits until `GET /health` answers 200.
 *
 * @param env The server's settings: `ADMIN_TOKEN`, `MDS_DATABASE_URL` or `MDS_DATA_DIR`, ...
 * @param timeoutMs Longest wait for the first healthy answer.
 * @returns The running server; `await using` stops it.
 */
export async function startAdminServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AdminServer> {
  const port = freePort();
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN],
    cwd: ROOT.pathname,
    clearEnv: true,
    env: { ...baseEnv(), ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(process.stdout).text();
  const stderr = new Response(process.stderr).text();
  let exited: Deno.CommandStatus | undefined;
  const status = process.status.then((s) => exited = s);
  const stop = async (ms = 10_000): Promise<Deno.CommandStatus> => {
    if (exited) return exited;
    process.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
    const first = await Promise.race([status, late]);
    clearTimeout(timer);
    if (first === "late") process.kill("SIGKILL");
    return await status;
  };
  const server: AdminServer = {
    port,
    base: `http://127.0.0.1:${port}`,
    process,
    stdout,
    stderr,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
      await Promise.all([stdout, stderr]);
    },
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && exited === undefined) {
    try {
      const res = await fetch(`${server.base}/health`);
      await res.body?.cancel();
      if (res.ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await server[Symbol.asyncDispose]();
  throw new Error(
    `admin/main.ts did not answer /health within ${timeoutMs} ms: ${await stdout}${await stderr}`,
  );
}
