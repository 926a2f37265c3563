// Startup without a database (issue #19 item 6): the admin server and the service wait for a
// server database a bounded time (`--wait-for-db` / `MDS_WAIT_FOR_DB`), logging each attempt
// with the URL's password hidden, then start degraded (/health says the database is unhealthy,
// /readyz 503) instead of exiting; when the database comes up they recover without a restart.
import { waitForDatabase, waitForDbSetting } from "@mds/admin";
import { ConfigError } from "@mds/client";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { baseEnv, freePort } from "../testing/admin_server.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ADMIN = new URL("../admin/main.ts", import.meta.url).pathname;
const SERVICE = new URL("../service/main.ts", import.meta.url).pathname;
const PG_CLUSTER = new URL("../tools/pg_cluster.sh", import.meta.url).pathname;
const TOKEN = "startup-test-token-0123456789abcdef";

type Line = Record<string, unknown>;

/** A subprocess whose stdout JSON lines are collected as they come. */
function spawn(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: { ...baseEnv(), ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: Line[] = [];
  let text = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of child.stdout) {
      const s = decoder.decode(chunk, { stream: true });
      text += s;
      rest += s;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const p of parts) {
        if (p.trim() !== "") lines.push(JSON.parse(p));
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  return {
    child,
    lines,
    text: () => text,
    async stop(): Promise<Deno.CommandStatus> {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const status = await child.status;
      clearTimeout(timer);
      await reading;
      await stderr;
      return status;
    },
  };
}

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms (${String(last)})`);
}

async function get(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, json: await res.json() };
}

Deno.test("waitForDbSetting() reads --wait-for-db before MDS_WAIT_FOR_DB and refuses nonsense", () => {
  assertEquals(waitForDbSetting(["--wait-for-db=2.5"], { MDS_WAIT_FOR_DB: "9" }).seconds, 2.5);
  assertEquals(waitForDbSetting(["--role", "api"], { MDS_WAIT_FOR_DB: "9" }), {
    seconds: 9,
    rest: ["--role", "api"],
  });
  for (const args of [["--wait-for-db", "-1"], ["--wait-for-db"], ["--wait-for-db=3601"]]) {
    assertEquals(assertThrows(() => waitForDbSetting(args, {}), ConfigError).code, "MDS_CONFIG");
  }
  assertThrows(() => waitForDbSetting([], { MDS_WAIT_FOR_DB: "30s" }), ConfigError);
});

Deno.test("waitForDatabase() retries until the database answers, logging each failed attempt", async () => {
  let calls = 0;
  const lines: Line[] = [];
  const client = {
    health: () => {
      calls++;
      return calls < 3
        ? Promise.reject(new Error("connect ECONNREFUSED"))
        : Promise.resolve({} as never);
    },
  };
  const logger = { log: (level: string, msg: string, f = {}) => lines.push({ level, msg, ...f }) };
  const ok = await waitForDatabase(client, { seconds: 5, intervalMs: 10, store: "db", logger });
  assertEquals([ok, calls], [true, 3]);
  assertEquals(lines.map((l) => [l.level, l.msg, l.attempt ?? l.attempts]), [
    ["warn", "database not ready", 1],
    ["warn", "database not ready", 2],
    ["info", "database ready", 3],
  ]);
  assertEquals(lines[0]!.detail, "connect ECONNREFUSED");

  const started = Date.now();
  const down = { health: () => Promise.reject(new Error("down")) };
  lines.length = 0;
  assertEquals(await waitForDatabase(down, { seconds: 0.3, intervalMs: 50, logger }), false);
  assert(Date.now() - started < 2_000, "waited past the bound");
  assertEquals(lines.at(-1)?.msg, "database unavailable: starting degraded");
  assert(lines.filter((l) => l.msg === "database not ready").length >= 2);
});

/** Where the PostgreSQL binaries tools/pg_cluster.sh needs are, if anywhere. */
function havePostgres(): boolean {
  try {
    const out = new Deno.Command("bash", {
      args: ["-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null || command -v pg_ctl"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return out.success && new TextDecoder().decode(out.stdout).trim() !== "";
  } catch {
    return false;
  }
}

async function pgCluster(...args: string[]): Promise<string> {
  const out = await new Deno.Command("bash", { args: [PG_CLUSTER, ...args], stdout: "piped" })
    .output();
  if (!out.success) throw new Error(`pg_cluster.sh ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("admin/main.ts on a closed port: logs each attempt, serves degraded within the bound", async () => {
  const password = `pw-${crypto.randomUUID()}`;
  const dbPort = freePort(); // nothing listens there
  const port = freePort();
  const started = Date.now();
  const server = spawn([ADMIN, "--wait-for-db", "2"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    MDS_DATABASE_URL: `postgres://mds:${password}@127.0.0.1:${dbPort}/mds`,
    ADMIN_TOKEN: TOKEN,
  });
  try {
    await until("listening", () => server.lines.find((l) => l.msg === "listening"), 30_000);
    // the bound (2 s) plus Deno's start; never the 30 s default
    assert(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    const attempts = server.lines.filter((l) => l.msg === "database not ready");
    assert(attempts.length >= 2, JSON.stringify(attempts));
    for (const a of attempts) {
      assertEquals(a.store, `postgres://mds:***@127.0.0.1:${dbPort}/mds`);
      assertEquals(a.code, "MDS_RETRYABLE");
      assert(typeof a.detail === "string" && a.detail !== "");
    }
    assertEquals(
      server.lines.find((l) => l.msg === "database unavailable: starting degraded")?.level,
      "error",
    );
    const health = await get(`http://127.0.0.1:${port}/health`);
    assertEquals(health.json.state, "degraded");
    assertEquals((health.json.database as Line).state, "unhealthy");
    const ready = await get(`http://127.0.0.1:${port}/readyz`);
    assertEquals([ready.status, ready.json.ready], [503, false]);
  } finally {
    const status = await server.stop();
    assertEquals(status.code, 0, server.text());
    assert(!server.text().includes(password), "the password leaked");
  }
});

Deno.test("service/main.ts on a closed port: logs each attempt, serves /health 503, stops cleanly", async () => {
  const password = `pw-${crypto.randomUUID()}`;
  const port = freePort();
  const server = spawn([SERVICE, "--role", "api", "--wait-for-db", "1"], {
    MDS_SERVICE_PORT: String(port),
    MDS_SERVICE_HOST: "127.0.0.1",
    MDS_DATABASE_URL: `postgres://mds:${password}@127.0.0.1:${freePort()}/mds`,
  });
  try {
    await until("listening", () => server.lines.find((l) => l.event === "listening"), 30_000);
    const attempts = server.lines.filter((l) => l.event === "database_not_ready");
    assert(attempts.length >= 1, server.text());
    assertEquals(attempts[0]!.level, "warn");
    const health = await get(`http://127.0.0.1:${port}/health`);
    assertEquals([health.status, health.json.status], [503, "degraded"]);
    // the pulse bus could not listen yet: it keeps trying in the background
    await until(
      "a pulse bus retry",
      () => server.lines.find((l) => l.event === "pulse_bus_start_failed"),
      10_000,
    );
  } finally {
    const status = await server.stop();
    assertEquals(status.code, 0, server.text());
    assert(!server.text().includes(password), "the password leaked");
  }
});

const pg = havePostgres();
Deno.test({
  name: pg
    ? "admin/main.ts started before its database recovers when the database comes up"
    : "admin/main.ts recovery skipped: no PostgreSQL binaries for tools/pg_cluster.sh",
  ignore: !pg,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mds_startup_pg_" });
    let server: ReturnType<typeof spawn> | undefined;
    try {
      const url = await pgCluster("start", dir);
      await pgCluster("stop", dir); // the port is now closed
      const port = freePort();
      server = spawn([ADMIN], {
        PORT: String(port),
        HOST: "127.0.0.1",
        MDS_DATABASE_URL: url,
        MDS_WAIT_FOR_DB: "1",
        ADMIN_TOKEN: TOKEN,
      });
      const s = server;
      await until("listening", () => s.lines.find((l) => l.msg === "listening"), 30_000);
      assertEquals((await get(`http://127.0.0.1:${port}/health`)).json.state, "degraded");
      assertEquals((await get(`http://127.0.0.1:${port}/readyz`)).status, 503);

      await pgCluster("restart", dir);
      const healthy = await until("healthy", async () => {
        const h = await get(`http://127.0.0.1:${port}/health`);
        return h.json.state === "healthy" ? h : undefined;
      }, 30_000);
      assertEquals((healthy.json.database as Line).state, "healthy");
      // a fresh database: not ready until migrated, then ready, all without a restart
      const pending = await get(`http://127.0.0.1:${port}/readyz`);
      assertEquals(pending.status, 503);
      assert(
        String(pending.json.reason).startsWith("Migrations pending"),
        String(pending.json.reason),
      );
      const migrated = await fetch(`http://127.0.0.1:${port}/migrate`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      assertEquals(migrated.status, 200, await migrated.text());
      assertEquals((await get(`http://127.0.0.1:${port}/readyz`)).status, 200);
    } finally {
      const status = await server?.stop();
      await pgCluster("stop", dir).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      if (status !== undefined) assertEquals(status.code, 0, server?.text());
    }
  },
});
