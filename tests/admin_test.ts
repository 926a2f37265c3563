// The admin server: every endpoint in process through app.request() on embedded stores, the
// TimescaleDB operations where MDS_TEST_TIMESCALE_URL is set, and the real server as a
// subprocess (signals, JSON logs, no secrets), with `promtool check metrics` where installed.
import { hasPromtool, promtool } from "../testing/promtool.ts";
import { createAdminApp, jsonLogger, type Logger, writeMetrics } from "@mds/admin";
import { ConfigError, createClient, type MdsClient } from "@mds/client";
import { MIGRATION_FILES } from "@mds/sql";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes, assertThrows } from "../testing/assert.ts";
import { createServerDatabase, newTenant, openTestDb, serverUrl } from "../testing/backends.ts";
import { baseEnv, freePort } from "../testing/admin_server.ts";

const TOKEN = `tok-${crypto.randomUUID().replaceAll("-", "")}`;
const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("../admin/main.ts", import.meta.url).pathname;
/** The schema version of a migrated store: the number of shipped migration files. */
const LATEST = MIGRATION_FILES.length;

/** Everything a test saw: response bodies and headers, log records. Scanned for secrets. */
class Seen {
  readonly texts: string[] = [];
  /** A logger recording every record unscrubbed, to prove the app never emits a secret. */
  readonly logger: Logger = {
    log: (level, msg, fields) => this.texts.push(JSON.stringify({ level, msg, ...fields })),
  };
  records(): Record<string, unknown>[] {
    return this.texts.filter((t) => t.startsWith('{"level"')).map((t) => JSON.parse(t));
  }
  assertNoSecret(...secrets: string[]): void {
    for (const text of this.texts) {
      for (const secret of secrets) assert(!text.includes(secret), `secret leaked in ${text}`);
    }
  }
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

type App = ReturnType<typeof createAdminApp>;

async function call(
  app: App,
  seen: Seen,
  method: string,
  path: string,
  options: { token?: string | null; authorization?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers = new Headers();
  if (options.authorization !== undefined) headers.set("Authorization", options.authorization);
  else if (options.token !== null) headers.set("Authorization", `Bearer ${options.token ?? TOKEN}`);
  const body = options.body === undefined
    ? undefined
    : typeof options.body === "string"
    ? options.body
    : JSON.stringify(options.body);
  const res = await app.request(path, { method, headers, body: body ?? null });
  const text = await res.text();
  seen.texts.push(text, JSON.stringify([...res.headers]));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const BACKFILL = {
  symbol: "AAPL",
  timeframe: "1m",
  start: "2024-01-02T00:00:00Z",
  end: "2024-01-03T00:00:00Z",
};

const bar = (minute: number) => ({
  ts: Date.UTC(2024, 0, 2, 14, 30 + minute),
  vendor: "v",
  symbol: "AAPL",
  timeframe: "1m",
  open: 1,
  high: 2,
  low: 0.5,
  close: 1.5,
  volume: 10,
});

Deno.test("admin app on a migrated embedded store", async (t) => {
  const registry = new Registry();
  await using client = await createClient({ memory: true, onWrite: writeMetrics(registry) });
  const seen = new Seen();
  const app = createAdminApp({
    client,
    registry,
    adminToken: TOKEN,
    version: "1.2.3-test",
    logger: seen.logger,
  });

  await t.step("GET /health and /healthz report a healthy database with its latency", async () => {
    for (const path of ["/health", "/healthz"]) {
      const res = await call(app, seen, "GET", path, { token: null });
      assertEquals(res.status, 200);
      // The original control plane's shape: service, state, components as a list, version, ts.
      assertEquals(res.json.service, "market-data-store");
      assertEquals(res.json.state, "healthy");
      assertEquals(res.json.version, "1.2.3-test");
      assertEquals(
        res.json.components.map((e: { name: string; state: string }) => [e.name, e.state]),
        [["database", "healthy"], ["prometheus", "healthy"]],
      );
      assert(typeof res.json.components[0].latency_ms === "number");
      assert(typeof res.json.ts === "number" && Math.abs(res.json.ts - Date.now() / 1000) < 60);
      // mds's own detail stays: the database check by name and the time in ISO 8601.
      assertEquals(res.json.database.state, "healthy");
      assert(typeof res.json.database.latency_ms === "number");
      assert(!Number.isNaN(Date.parse(res.json.time)));
    }
  });

  await t.step("GET /readyz is 200 with no migration pending", async () => {
    const res = await call(app, seen, "GET", "/readyz", { token: null });
    assertEquals([res.status, res.json.ready, res.json.mode], [200, true, "plain"]);
  });

  await t.step("GET /schema/version names the version, mode and nothing pending", async () => {
    const res = await call(app, seen, "GET", "/schema/version", { token: null });
    assertEquals(res.status, 200);
    assertEquals(res.json.version, LATEST);
    assertEquals(res.json.mode, "plain");
    assertEquals([res.json.pending, res.json.drifted], [[], []]);
  });

  await t.step(
    "mutating endpoints answer 401 with a Bearer challenge to a missing, wrong, almost-right or non-Bearer credential",
    async () => {
      const almost = TOKEN.slice(0, -1) + (TOKEN.endsWith("0") ? "1" : "0");
      const cases: Array<[string, { token?: string | null; authorization?: string }]> = [
        ["missing", { token: null }],
        ["wrong", { token: "x".repeat(TOKEN.length) }],
        ["almost right", { token: almost }],
        ["a prefix", { token: TOKEN.slice(0, -1) }],
        ["longer", { token: TOKEN + "0" }],
        ["Basic scheme", { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` }],
        ["Token scheme", { authorization: `Token ${TOKEN}` }],
        ["scheme alone", { authorization: "Bearer" }],
        ["two tokens", { authorization: `Bearer ${TOKEN} ${TOKEN}` }],
      ];
      for (const path of ["/migrate", "/retention/apply", "/refresh/aggregate", "/backfill/x"]) {
        for (const [name, auth] of cases) {
          const res = await call(app, seen, "POST", path, { ...auth, body: {} });
          assertEquals(res.status, 401, `${path} ${name}`);
          assertEquals(res.json.error.code, "MDS_ADMIN_UNAUTHORIZED");
          assert(
            res.headers.get("www-authenticate")?.startsWith('Bearer realm="mds-admin"'),
            `${path} ${name}: ${res.headers.get("www-authenticate")}`,
          );
        }
      }
      const lower = await call(app, seen, "POST", "/migrate", { authorization: `bearer ${TOKEN}` });
      assertEquals(lower.status, 200, "the scheme is case-insensitive (RFC 7235)");
    },
  );

  await t.step("without a configured token the mutating endpoints answer 503", async () => {
    const open = createAdminApp({ client, adminToken: undefined, logger: seen.logger });
    for (const path of ["/migrate", "/retention/apply", "/refresh/aggregate", "/backfill/x"]) {
      for (const token of [null, TOKEN, ""]) {
        const res = await call(open, seen, "POST", path, { token, body: {} });
        assertEquals(res.status, 503, path);
        assertEquals(res.json, {
          error: { code: "MDS_ADMIN_TOKEN_NOT_CONFIGURED", message: "admin token not configured" },
        });
      }
    }
    assertEquals((await call(open, seen, "GET", "/health", { token: null })).status, 200);
  });

  await t.step("a body over the limit is refused with 413, also on a smaller limit", async () => {
    const big = JSON.stringify({ ...BACKFILL, tenant_id: newTenant(), pad: "x".repeat(1_100_000) });
    for (const path of ["/backfill/polygon", "/retention/apply", "/refresh/aggregate"]) {
      const res = await call(app, seen, "POST", path, { body: big });
      assertEquals(res.status, 413, path);
      assertEquals(res.json.error.code, "MDS_ADMIN_PAYLOAD_TOO_LARGE");
    }
    const small = createAdminApp({
      client,
      adminToken: TOKEN,
      bodyLimitBytes: 64,
      logger: seen.logger,
    });
    const body = { table: "bars", drop_after_days: 30, padding: "x".repeat(64) };
    const res = await call(small, seen, "POST", "/retention/apply", { body });
    assertEquals(res.status, 413);
    const withLength = await small.request("/retention/apply", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Length": "100000" },
      body: JSON.stringify(body),
    });
    assertEquals(withLength.status, 413);
    await withLength.body?.cancel();
    const unauthenticated = await call(small, seen, "POST", "/retention/apply", {
      token: null,
      body,
    });
    assertEquals(unauthenticated.status, 401, "credentials are checked before the body is read");
  });

  await t.step("a body that is not JSON is refused with 400 MDS_ADMIN_BAD_JSON", async () => {
    for (const body of ["{", "not json", "", "{'table': 'bars'}"]) {
      for (const path of ["/retention/apply", "/refresh/aggregate", "/backfill/polygon"]) {
        const res = await call(app, seen, "POST", path, { body });
        assertEquals(res.status, 400, `${path} ${JSON.stringify(body)}`);
        assertEquals(res.json.error.code, "MDS_ADMIN_BAD_JSON");
      }
    }
  });

  await t.step(
    "invalid body fields are refused with 400 MDS_VALIDATION naming the field",
    async () => {
      const tenant = newTenant();
      const cases: Array<[string, unknown, string]> = [
        ["/retention/apply", [], ""],
        ["/retention/apply", { table: "news", drop_after_days: 30 }, "table"],
        ["/retention/apply", { table: "bars", drop_after_days: 1.5 }, "drop_after_days"],
        ["/retention/apply", { table: "bars", drop_after_days: 0 }, "drop_after_days"],
        ["/retention/apply", { table: "bars", drop_after_days: "30" }, "drop_after_days"],
        ["/retention/apply", { table: "bars" }, "drop_after_days"],
        ["/retention/apply", { table: "bars", drop_after_days: 30, extra: 1 }, ""],
        ["/refresh/aggregate", {
          aggregate: "bars_2m",
          start: "2024-01-01T00:00:00Z",
          end: "2024-01-02T00:00:00Z",
        }, "aggregate"],
        ["/refresh/aggregate", {
          aggregate: "bars_5m",
          start: "yesterday",
          end: "2024-01-02T00:00:00Z",
        }, "start"],
        ["/refresh/aggregate", {
          aggregate: "bars_5m",
          start: "2024-01-02T00:00:00Z",
          end: "2024-01-01T00:00:00Z",
        }, "start"],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: "acme" }, "tenant_id"],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: tenant, timeframe: "7x" }, "timeframe"],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: tenant, symbol: "" }, "symbol"],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: tenant, end: BACKFILL.start }, "start"],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: tenant, tier: 3 }, "tier"],
        ["/backfill/Bad%20Job", { ...BACKFILL, tenant_id: tenant }, "job"],
      ];
      for (const [path, body, field] of cases) {
        const res = await call(app, seen, "POST", path, { body });
        assertEquals(res.status, 400, `${path} ${JSON.stringify(body)}`);
        assertEquals(res.json.error.code, "MDS_VALIDATION");
        assertEquals(res.json.error.issues[0].field, field, res.text);
        if (field !== "") assertIncludes(res.json.error.message, `"${field}"`);
      }
      const plan = await call(app, seen, "POST", "/migrate?plan=maybe");
      assertEquals([plan.status, plan.json.error.code], [400, "MDS_VALIDATION"]);
    },
  );

  await t.step(
    "retention and refresh answer 501 MDS_REQUIRES_TIMESCALE without TimescaleDB",
    async () => {
      const retention = await call(app, seen, "POST", "/retention/apply", {
        body: { table: "bars", drop_after_days: 30 },
      });
      assertEquals([retention.status, retention.json.error.code], [501, "MDS_REQUIRES_TIMESCALE"]);
      const refresh = await call(app, seen, "POST", "/refresh/aggregate", {
        body: { aggregate: "bars_1h", start: "2024-01-01T00:00:00Z", end: "2024-01-02T00:00:00Z" },
      });
      assertEquals([refresh.status, refresh.json.error.code], [501, "MDS_REQUIRES_TIMESCALE"]);
    },
  );

  await t.step(
    "POST /migrate on a current store applies nothing; ?plan=1 plans nothing",
    async () => {
      const run = await call(app, seen, "POST", "/migrate");
      assertEquals([run.status, run.json], [200, { mode: "plain", applied: [], version: LATEST }]);
      const plan = await call(app, seen, "POST", "/migrate?plan=1");
      assertEquals([plan.status, plan.json], [200, { mode: "plain", steps: [] }]);
    },
  );

  await t.step("POST /backfill/:job enqueues one backfill job per distinct request", async () => {
    const tenant = newTenant();
    const first = await call(app, seen, "POST", "/backfill/polygon", {
      body: { ...BACKFILL, tenant_id: tenant },
    });
    assertEquals([first.status, first.json.created], [202, true]);
    assertEquals([first.json.tier, first.json.priority], ["T1", 10]);
    assert(/^[0-9a-f-]{36}$/.test(first.json.id), first.text);
    const again = await call(app, seen, "POST", "/backfill/polygon", {
      body: { ...BACKFILL, tenant_id: tenant },
    });
    assertEquals([again.status, again.json.id, again.json.created], [200, first.json.id, false]);
    // The same instants written another way, keys in another order, or another tier: the same
    // request (the tier is not part of the key).
    for (
      const body of [
        {
          end: "2024-01-03T01:00:00+01:00",
          start: "2024-01-02T00:00:00.000Z",
          timeframe: "1m",
          symbol: "aapl",
          tenant_id: tenant.toUpperCase(),
        },
        { ...BACKFILL, tenant_id: tenant, tier: "T0" },
      ]
    ) {
      const same = await call(app, seen, "POST", "/backfill/polygon", { body });
      assertEquals([same.status, same.json.id, same.json.created], [200, first.json.id, false]);
    }
    for (
      const [path, body] of [
        ["/backfill/alpaca", { ...BACKFILL, tenant_id: tenant }],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: newTenant() }],
        ["/backfill/polygon", { ...BACKFILL, tenant_id: tenant, timeframe: "5m" }],
      ] as const
    ) {
      const other = await call(app, seen, "POST", path, { body });
      assertEquals(
        [other.status, other.json.created],
        [202, true],
        `${path} ${JSON.stringify(body)}`,
      );
      assert(other.json.id !== first.json.id);
    }
    const [job] = await client.backend.query<
      { job_type: string; payload: unknown; state: string; priority: number }
    >(
      "SELECT job_type, payload, state, priority FROM mds_core.jobs WHERE id = $1",
      [first.json.id],
    );
    assertEquals(job, {
      job_type: "backfill",
      payload: {
        symbol: "AAPL",
        timeframe: "1m",
        start: "2024-01-02T00:00:00.000Z",
        end: "2024-01-03T00:00:00.000Z",
        vendor: "polygon",
        tier: "T1",
      },
      state: "queued",
      priority: 10,
    });
  });

  await t.step("POST /backfill/:job refuses a tier that is not T0, T1 or T2", async () => {
    for (const tier of ["gold", "t0", 3, null]) {
      const res = await call(app, seen, "POST", "/backfill/polygon", {
        body: { ...BACKFILL, tenant_id: newTenant(), tier },
      });
      assertEquals([res.status, res.json.error.code], [400, "MDS_VALIDATION"], res.text);
      assertEquals(res.json.error.issues[0].field, "tier");
      assertIncludes(res.json.error.message, '"tier"');
    }
  });

  await t.step("unknown paths answer 404 JSON", async () => {
    const res = await call(app, seen, "GET", `/tenants/${newTenant()}/bars`, { token: null });
    assertEquals([res.status, res.json.error.code], [404, "MDS_ADMIN_NOT_FOUND"]);
    assertEquals((await call(app, seen, "GET", "/migrate", { token: null })).status, 404);
  });

  await t.step(
    "GET /metrics exposes the mds_ metrics with route templates, never raw paths",
    async () => {
      const tenant = newTenant();
      await client.tenant(tenant).upsertBars([bar(0), bar(1), bar(2)]);
      await client.tenant(tenant).upsertBars([bar(0)]);
      const res = await call(app, seen, "GET", "/metrics", { token: null });
      assertEquals(res.status, 200);
      assertIncludes(res.headers.get("content-type") ?? "", "text/plain");
      const text = res.text;
      for (
        const line of [
          "mds_up 1",
          'mds_build_info{version="1.2.3-test"} 1',
          "mds_db_up 1",
          `mds_schema_version ${LATEST}`,
          "mds_schema_pending_migrations 0",
          "mds_schema_drifted_migrations 0",
          "mds_migrations_applied_total 0",
          'mds_rows_written_total{kind="bars",outcome="inserted"} 3',
          'mds_rows_written_total{kind="bars",outcome="unchanged"} 1',
          'mds_write_batch_duration_seconds_count{kind="bars"} 2',
          'mds_http_requests_total{method="POST",route="/backfill/:job",status="202"}',
          'mds_http_requests_total{method="POST",route="/backfill/:job",status="413"} 1',
          'mds_http_requests_total{method="GET",route="/health",status="200"} 1',
          'mds_http_requests_total{method="GET",route="/healthz",status="200"} 1',
          'mds_http_requests_total{method="GET",route="unmatched",status="404"} 2',
          'mds_http_request_duration_seconds_count{method="POST",route="/migrate"}',
          'mds_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/readyz"}',
        ]
      ) {
        assertIncludes(text, line);
      }
      assert(/^mds_db_roundtrip_seconds \d/m.test(text), "roundtrip is a number");
      for (const raw of ["/backfill/polygon", "/backfill/alpaca", "/tenants/", "Bad%20Job"]) {
        assert(!text.includes(raw), `raw path ${raw} in the exposition`);
      }
      assert(!/[0-9a-f]{8}-[0-9a-f]{4}-/.test(text), "no tenant id in the exposition");
      for (const name of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        assert(name[1]!.startsWith("mds_"), name[1]);
        if (name[2] === "counter") assert(name[1]!.endsWith("_total"), name[1]);
        else assert(!name[1]!.endsWith("_total"), `${name[1]} is a ${name[2]}`);
      }
    },
  );

  await t.step(
    "every request is logged once with method, route template, status and duration",
    () => {
      const requests = seen.records().filter((r) => r.msg === "request");
      assert(requests.length > 100, String(requests.length));
      for (const r of requests) {
        assertEquals(typeof r.method, "string");
        assertEquals(typeof r.status, "number");
        assertEquals(typeof r.duration_ms, "number");
        assert(
          [
            "/health",
            "/healthz",
            "/readyz",
            "/metrics",
            "/schema/version",
            "/migrate",
            "/retention/apply",
            "/refresh/aggregate",
            "/backfill/:job",
            "unmatched",
          ]
            .includes(r.route as string),
          String(r.route),
        );
      }
    },
  );

  await t.step("no response, header or log record ever contains the admin token", () => {
    seen.assertNoSecret(TOKEN);
  });
});

Deno.test("readiness follows the migrations: pending, applied, drifted, database gone", async (t) => {
  const registry = new Registry();
  const client = await createClient({ memory: true, migrate: false });
  const seen = new Seen();
  const app = createAdminApp({ client, registry, adminToken: TOKEN, logger: seen.logger });
  try {
    await t.step("a store with every migration pending is live but not ready", async () => {
      assertEquals(
        (await call(app, seen, "GET", "/health", { token: null })).json.state,
        "healthy",
      );
      const ready = await call(app, seen, "GET", "/readyz", { token: null });
      assertEquals([ready.status, ready.json.ready], [503, false]);
      assertIncludes(ready.json.reason, "pending");
      assertIncludes(ready.json.reason, "0001_schemas_and_app_role");
      const version = await call(app, seen, "GET", "/schema/version", { token: null });
      assertEquals([version.json.version, version.json.mode, version.json.pending.length], [
        0,
        null,
        LATEST,
      ]);
      const metrics = (await call(app, seen, "GET", "/metrics", { token: null })).text;
      assertIncludes(metrics, `mds_schema_pending_migrations ${LATEST}`);
      assertIncludes(metrics, "mds_schema_version 0");
    });

    await t.step(
      "retention on an unmigrated store answers 409 MDS_ADMIN_NOT_MIGRATED",
      async () => {
        const res = await call(app, seen, "POST", "/retention/apply", {
          body: { table: "bars", drop_after_days: 30 },
        });
        assertEquals([res.status, res.json.error.code], [409, "MDS_ADMIN_NOT_MIGRATED"]);
      },
    );

    await t.step("?plan=1 lists the statements of every pending file and runs none", async () => {
      const plan = await call(app, seen, "POST", "/migrate?plan=1");
      assertEquals(plan.status, 200);
      assertEquals(plan.json.mode, "plain");
      assertEquals(plan.json.steps.length, LATEST);
      assert(plan.json.steps[0].statements.some((s: string) => s.includes("CREATE SCHEMA")));
      assertEquals((await call(app, seen, "GET", "/readyz", { token: null })).status, 503);
    });

    await t.step(
      "POST /migrate applies them, counts them and the store becomes ready",
      async () => {
        const run = await call(app, seen, "POST", "/migrate");
        assertEquals([run.status, run.json.applied.length, run.json.version], [
          200,
          LATEST,
          LATEST,
        ]);
        const ready = await call(app, seen, "GET", "/readyz", { token: null });
        assertEquals([ready.status, ready.json.ready], [200, true]);
        const metrics = (await call(app, seen, "GET", "/metrics", { token: null })).text;
        assertIncludes(metrics, `mds_migrations_applied_total ${LATEST}`);
        assertIncludes(metrics, "mds_schema_pending_migrations 0");
        assertIncludes(metrics, `mds_schema_version ${LATEST}`);
      },
    );

    await t.step(
      "a drifted migration makes the store not ready and POST /migrate 409",
      async () => {
        await client.backend.query(
          `INSERT INTO mds_core.schema_migrations (version, name, checksum, duration_ms, timescale)
         VALUES (999, '0999_from_the_future.sql', 'x', 0, false)`,
        );
        const ready = await call(app, seen, "GET", "/readyz", { token: null });
        assertEquals(ready.status, 503);
        assertIncludes(ready.json.reason, "drifted");
        assertIncludes(ready.json.reason, "0999_from_the_future");
        const run = await call(app, seen, "POST", "/migrate");
        assertEquals([run.status, run.json.error.code], [409, "MDS_MIGRATION_DRIFT"]);
        assertIncludes(
          (await call(app, seen, "GET", "/metrics", { token: null })).text,
          "mds_schema_drifted_migrations 1",
        );
      },
    );

    await t.step("with the database gone /health is degraded but 200, /readyz 503", async () => {
      await client.close();
      const health = await call(app, seen, "GET", "/health", { token: null });
      assertEquals([health.status, health.json.state], [200, "degraded"]);
      assertEquals(health.json.components[0], {
        name: "database",
        state: "unhealthy",
        latency_ms: null,
        error: health.json.database.error,
      });
      assertEquals(health.json.database.state, "unhealthy");
      assertEquals(health.json.database.latency_ms, null);
      const ready = await call(app, seen, "GET", "/readyz", { token: null });
      assertEquals([ready.status, ready.json.ready], [503, false]);
      assertIncludes(ready.json.reason, "Database unavailable");
      const metrics = (await call(app, seen, "GET", "/metrics", { token: null })).text;
      assertIncludes(metrics, "mds_db_up 0");
      assertIncludes(metrics, "mds_schema_version 999", "figures keep their last measured value");
    });
    seen.assertNoSecret(TOKEN);
  } finally {
    await client.close();
  }
});

Deno.test("a database that does not answer makes /health degraded within dbTimeoutMs", async () => {
  const never = new Promise<never>(() => {});
  const client = { health: () => never, migrationStatus: () => never } as unknown as MdsClient;
  const seen = new Seen();
  const app = createAdminApp({
    client,
    adminToken: undefined,
    dbTimeoutMs: 50,
    logger: seen.logger,
  });
  const started = performance.now();
  const health = await call(app, seen, "GET", "/health", { token: null });
  assertEquals([health.status, health.json.state], [200, "degraded"]);
  assertEquals(health.json.database.error, "MDS_TIMEOUT");
  assertEquals(health.json.components[0].error, "MDS_TIMEOUT");
  assertEquals((await call(app, seen, "GET", "/readyz", { token: null })).status, 503);
  assertIncludes((await call(app, seen, "GET", "/metrics", { token: null })).text, "mds_db_up 0");
  assert(performance.now() - started < 2_000);
});

Deno.test("createAdminApp() refuses bad options without quoting the token", () => {
  const client = { health: () => Promise.resolve() } as unknown as MdsClient;
  for (const adminToken of ["short", "has a space in it, long", 'quote"quote"quote"quote']) {
    const err = assertThrows(() => createAdminApp({ client, adminToken }), ConfigError);
    assertEquals(err.option, "adminToken");
    assert(!err.message.includes(adminToken), err.message);
  }
  const options = { client, adminToken: TOKEN };
  assertEquals(
    assertThrows(() => createAdminApp({ ...options, bodyLimitBytes: 0 }), ConfigError).option,
    "bodyLimitBytes",
  );
  assertEquals(
    assertThrows(() => createAdminApp({ ...options, dbTimeoutMs: 1.5 }), ConfigError).option,
    "dbTimeoutMs",
  );
  assertEquals(
    assertThrows(
      () => createAdminApp({ client: undefined as unknown as MdsClient, adminToken: TOKEN }),
      ConfigError,
    ).option,
    "client",
  );
  const registry = new Registry();
  createAdminApp({ ...options, registry, logger: { log() {} } });
  assertEquals(
    assertThrows(() => createAdminApp({ ...options, registry }), ConfigError).option,
    "registry",
  );
});

const timescaleUrl = serverUrl("timescale");
Deno.test({
  name: timescaleUrl
    ? "retention and aggregate refresh on TimescaleDB change its jobs and materialized data"
    : "retention and aggregate refresh on TimescaleDB skipped: set MDS_TEST_TIMESCALE_URL",
  ignore: !timescaleUrl,
  fn: async (t) => {
    await using db = await openTestDb("timescale");
    await using client = await createClient({ backend: db.backend, migrate: false });
    const seen = new Seen();
    const app = createAdminApp({ client, adminToken: TOKEN, logger: seen.logger });
    const retention = () =>
      db.backend.query<{ target: string; drop_after: string }>(
        `SELECT hypertable_name AS target, config->>'drop_after' AS drop_after
         FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' ORDER BY 1`,
      );

    await t.step("the store is ready and reports the timescale mode", async () => {
      assertEquals((await call(app, seen, "GET", "/readyz", { token: null })).status, 200);
      const version = await call(app, seen, "GET", "/schema/version", { token: null });
      assertEquals(version.json.mode, "timescale");
    });

    await t.step("POST /retention/apply replaces the table's retention policy", async () => {
      // the point-in-time history tables (migration 0013) keep 365 days
      const history = [
        { target: "bars_history", drop_after: "365 days" },
        { target: "fundamentals_history", drop_after: "365 days" },
      ];
      const optionHistory = { target: "option_snapshots_history", drop_after: "365 days" };
      assertEquals(await retention(), [
        { target: "bars", drop_after: "1825 days" },
        ...history,
        { target: "option_snapshots", drop_after: "730 days" },
        optionHistory,
        { target: "quotes_l1", drop_after: "14 days" },
      ]);
      const res = await call(app, seen, "POST", "/retention/apply", {
        body: { table: "option_snapshots", drop_after_days: 90 },
      });
      assertEquals(res.status, 200, res.text);
      assertEquals([res.json.table, res.json.drop_after_days], ["option_snapshots", 90]);
      assertEquals(typeof res.json.job_id, "number");
      const again = await call(app, seen, "POST", "/retention/apply", {
        body: { table: "bars", drop_after_days: 400 },
      });
      assertEquals(again.status, 200, again.text);
      assertEquals(await retention(), [
        { target: "bars", drop_after: "400 days" },
        ...history,
        { target: "option_snapshots", drop_after: "90 days" },
        optionHistory,
        { target: "quotes_l1", drop_after: "14 days" },
      ]);
      const [job] = await db.backend.query<{ id: number }>(
        `SELECT job_id AS id FROM timescaledb_information.jobs
         WHERE proc_name = 'policy_retention' AND hypertable_name = 'option_snapshots'`,
      );
      assertEquals(job?.id, res.json.job_id);
    });

    await t.step(
      "POST /refresh/aggregate materialises the window outside a transaction and says how much",
      async () => {
        // Ten days back: inside the 400-day retention the step above set (data of 2024 was
        // dropped by that retention job while this step ran: the old flakiness), outside the
        // 2-day window of the bars_5m refresh policy.
        const day = new Date(Math.floor(Date.now() / 86_400_000 - 10) * 86_400_000);
        const next = new Date(day.getTime() + 86_400_000);
        const tenant = newTenant();
        await db.backend.query(
          `INSERT INTO mds_core.bars (tenant_id, ts, vendor, symbol, timeframe, open, high, low, close, volume)
         SELECT $1::uuid, $2::timestamptz + interval '14 hours 30 minutes' + i * interval '1 minute',
                'v', 'AGG', '1m', i + 1, i + 2, i + 0.5, i + 1.5, 10
         FROM generate_series(0, 59) AS i`,
          [tenant, day.toISOString()],
        );
        const [cagg] = await db.backend.query<{ s: string; n: string }>(
          `SELECT materialization_hypertable_schema AS s, materialization_hypertable_name AS n
         FROM timescaledb_information.continuous_aggregates WHERE view_name = 'bars_5m'`,
        );
        const materialized = async () =>
          (await db.backend.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${cagg!.s}.${cagg!.n} WHERE tenant_id = $1`,
            [tenant],
          ))[0]!.n;
        assertEquals(await materialized(), 0);
        const res = await call(app, seen, "POST", "/refresh/aggregate", {
          body: { aggregate: "bars_5m", start: day.toISOString(), end: next.toISOString() },
        });
        assertEquals(res.status, 200, res.text);
        assertEquals(res.json, {
          aggregate: "bars_5m",
          start: day.toISOString(),
          end: next.toISOString(),
          materialized_buckets: 12,
          source_bars: 60,
          retries: 0,
        });
        assertEquals(await materialized(), 12);
      },
    );

    await t.step("a window shorter than one bucket is refused with 400", async () => {
      const res = await call(app, seen, "POST", "/refresh/aggregate", {
        body: { aggregate: "bars_1d", start: "2024-01-02T00:00:00Z", end: "2024-01-02T01:00:00Z" },
      });
      assertEquals([res.status, res.json.error.code], [400, "MDS_VALIDATION"], res.text);
    });

    seen.assertNoSecret(TOKEN);
  },
});

// ---------------------------------------------------------------------------------------------
// The real server, as a subprocess.

interface Server {
  port: number;
  process: Deno.ChildProcess;
  stdout: Promise<string>;
  stderr: Promise<string>;
}

function startServer(args: string[], env: Record<string, string>): Server {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: ROOT.pathname,
    clearEnv: true,
    env: { ...baseEnv(), ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return {
    port: Number(env.PORT ?? 0),
    process,
    stdout: new Response(process.stdout).text(),
    stderr: new Response(process.stderr).text(),
  };
}

async function waitForHealth(server: Server, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.process.kill("SIGKILL");
  throw new Error(`server did not answer /health within ${timeoutMs} ms: ${await server.stdout}`);
}

async function exitWithin(server: Server, ms: number): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  const status = await Promise.race([server.process.status, timeout]);
  clearTimeout(timer);
  if (status === "timeout") {
    server.process.kill("SIGKILL");
    await server.process.status;
    throw new Error(`server did not exit within ${ms} ms`);
  }
  return status;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((l) => l !== "").map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`stdout line is not JSON: ${line}`);
    }
  });
}

const promtoolFound = hasPromtool();

Deno.test("admin/main.ts serves, logs JSON lines and exits 0 on SIGTERM after in-flight requests", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "mds_admin_" });
  try {
    const port = freePort();
    const server = startServer([], {
      PORT: String(port),
      HOST: "127.0.0.1",
      MDS_DATA_DIR: dataDir,
      ADMIN_TOKEN: TOKEN,
      MDS_VERSION: "9.8.7",
    });
    await waitForHealth(server);
    const base = `http://127.0.0.1:${port}`;
    const bodies: string[] = [];
    const health = await fetch(`${base}/health`);
    bodies.push(await health.text());
    assertEquals(JSON.parse(bodies.at(-1)!).version, "9.8.7");
    const metrics = await fetch(`${base}/metrics`);
    bodies.push(await metrics.text());
    assertEquals(metrics.status, 200);
    assertIncludes(bodies.at(-1)!, "mds_up 1");
    assertIncludes(bodies.at(-1)!, "mds_db_up 1");
    if (promtoolFound) {
      const lint = await promtool(bodies.at(-1)!);
      assertEquals([lint.code, lint.output.trim()], [0, ""], "promtool on the served exposition");
    }
    const refused = await fetch(`${base}/migrate`, { method: "POST" });
    bodies.push(await refused.text());
    assertEquals(refused.status, 401);
    const migrate = await fetch(`${base}/migrate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    bodies.push(await migrate.text());
    assertEquals(migrate.status, 200);
    const healthcheck = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--healthcheck"],
      clearEnv: true,
      env: { ...baseEnv(), PORT: String(port) },
    }).output();
    assertEquals(healthcheck.code, 0, "--healthcheck exits 0 while the server answers");

    // A request in flight when SIGTERM arrives is still answered.
    const inFlight = fetch(`${base}/backfill/polygon`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ ...BACKFILL, tenant_id: newTenant() }),
    });
    await new Promise((r) => setTimeout(r, 20));
    server.process.kill("SIGTERM");
    const answered = await inFlight;
    bodies.push(await answered.text());
    assertEquals(answered.status, 202);
    const status = await exitWithin(server, 10_000);
    const stdout = await server.stdout;
    const stderr = await server.stderr;
    assertEquals(status.code, 0, stderr);

    const records = jsonLines(stdout);
    for (const r of records) {
      assertEquals(typeof r.time, "string");
      assertEquals(typeof r.level, "string");
      assertEquals(typeof r.msg, "string");
    }
    const msgs = records.map((r) => r.msg);
    for (const m of ["listening", "request", "shutting down", "stopped"]) {
      assert(msgs.includes(m), m);
    }
    assert(
      records.some((r) =>
        r.msg === "request" && r.route === "/backfill/:job" && r.status === 202 &&
        typeof r.duration_ms === "number" && r.method === "POST"
      ),
    );
    for (const text of [stdout, stderr, ...bodies]) {
      assert(!text.includes(TOKEN), "the admin token leaked");
    }
    const after = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--healthcheck"],
      clearEnv: true,
      env: { ...baseEnv(), PORT: String(port) },
    }).output();
    assertEquals(after.code, 1, "--healthcheck exits 1 once the server is gone");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("admin/main.ts never logs a database password, also when it cannot connect", async () => {
  const password = `pw-${crypto.randomUUID()}`;
  const port = freePort(); // nothing listens there
  const server = startServer(["--migrate"], {
    MDS_DATABASE_URL: `postgres://mds:${password}@127.0.0.1:${port}/mds`,
    ADMIN_TOKEN: TOKEN,
  });
  const status = await exitWithin(server, 30_000);
  const stdout = await server.stdout;
  const stderr = await server.stderr;
  assertEquals(status.code, 1);
  const records = jsonLines(stdout);
  assertEquals(records.at(-1)?.level, "error");
  for (const text of [stdout, stderr]) {
    assert(!text.includes(password), `password leaked: ${text}`);
    assert(!text.includes(TOKEN), `token leaked: ${text}`);
  }
});

const postgresUrl = serverUrl("postgres");
Deno.test({
  name: postgresUrl
    ? "admin/main.ts --migrate then serve on PostgreSQL with a password in the URL, never logging it"
    : "admin/main.ts on PostgreSQL skipped: set MDS_TEST_DATABASE_URL",
  ignore: !postgresUrl,
  fn: async () => {
    const db = await createServerDatabase(postgresUrl!);
    try {
      const password = `pw-${crypto.randomUUID()}`;
      const url = new URL(db.url);
      url.password = password; // the test server trusts local connections and ignores it
      // MDS_TIMESCALE=off: this server lists timescaledb without preloading it, and the
      // client's "auto" probe then loses its connection (reported separately).
      const migrate = startServer(["--migrate"], { MDS_DSN: url.toString(), MDS_TIMESCALE: "off" });
      const migrated = await exitWithin(migrate, 60_000);
      const migrateOut = await migrate.stdout;
      assertEquals(migrated.code, 0, migrateOut + (await migrate.stderr));
      const applied = jsonLines(migrateOut).find((r) => r.msg === "migrations applied");
      assertEquals((applied?.applied as string[]).length, LATEST);
      assertIncludes(String(applied?.store), ":***@");

      const port = freePort();
      const server = startServer([], {
        PORT: String(port),
        HOST: "127.0.0.1",
        MDS_DATABASE_URL: url.toString(),
        MDS_TIMESCALE: "off",
        ADMIN_TOKEN: TOKEN,
      });
      await waitForHealth(server);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      const readyText = await ready.text();
      assertEquals(ready.status, 200, readyText);
      const version = await fetch(`http://127.0.0.1:${port}/schema/version`);
      assertEquals((await version.json()).mode, "plain");
      server.process.kill("SIGINT");
      const status = await exitWithin(server, 10_000);
      const stdout = await server.stdout;
      assertEquals(status.code, 0, await server.stderr);
      jsonLines(stdout);
      for (const text of [migrateOut, stdout, await server.stderr, readyText]) {
        assert(!text.includes(password), "password leaked");
        assert(!text.includes(TOKEN), "token leaked");
      }
    } finally {
      await db.drop();
    }
  },
});

Deno.test({
  name: promtoolFound
    ? "promtool check metrics accepts the live exposition"
    : "promtool check metrics skipped: promtool not installed (apt-get install prometheus)",
  ignore: !promtoolFound,
  fn: async () => {
    const registry = new Registry();
    await using client = await createClient({ memory: true, onWrite: writeMetrics(registry) });
    const lines: string[] = [];
    const app = createAdminApp({
      client,
      registry,
      adminToken: TOKEN,
      version: "1.0.0",
      logger: jsonLogger({ write: (l) => lines.push(l) }),
    });
    await client.tenant(newTenant()).upsertBars([bar(0)]);
    for (const path of ["/health", "/readyz", "/nope", "/schema/version"]) {
      await (await app.request(path)).body?.cancel();
    }
    await (await app.request("/migrate", { method: "POST" })).body?.cancel();
    const exposition = await (await app.request("/metrics")).text();
    const result = await promtool(exposition);
    assertEquals(result.code, 0, result.output);
    assertEquals(result.output.trim(), "", `promtool lint findings: ${result.output}`);
  },
});

Deno.test("POST /backfill/:job answers 429 MDS_CAPACITY once the tier's queue is full", async () => {
  await using client = await createClient({ memory: true });
  const seen = new Seen();
  const app = createAdminApp({
    client,
    adminToken: TOKEN,
    logger: seen.logger,
    backfillCaps: { T0: 2 },
  });
  const tenant = newTenant();
  const day = (d: number) => ({
    ...BACKFILL,
    tenant_id: tenant,
    tier: "T0",
    start: `2024-01-0${d}T00:00:00Z`,
    end: `2024-01-0${d + 1}T00:00:00Z`,
  });
  const first = await call(app, seen, "POST", "/backfill/polygon", { body: day(1) });
  const second = await call(app, seen, "POST", "/backfill/polygon", { body: day(2) });
  assertEquals([first.status, second.status], [202, 202]);
  assertEquals([first.json.tier, first.json.priority], ["T0", 0]);
  const full = await call(app, seen, "POST", "/backfill/polygon", { body: day(3) });
  assertEquals([full.status, full.json.error.code], [429, "MDS_CAPACITY"], full.text);
  assertIncludes(full.json.error.message, '"T0"');
  // A request already queued is answered as it is, full or not; other tiers and tenants are free.
  const again = await call(app, seen, "POST", "/backfill/polygon", { body: day(1) });
  assertEquals([again.status, again.json.id], [200, first.json.id]);
  const t1 = await call(app, seen, "POST", "/backfill/polygon", {
    body: { ...day(3), tier: "T1" },
  });
  assertEquals(t1.status, 202);
  const other = await call(app, seen, "POST", "/backfill/polygon", {
    body: { ...day(3), tenant_id: newTenant() },
  });
  assertEquals(other.status, 202);
  const [{ n }] = await client.backend.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM mds_core.jobs WHERE tenant_id = $1 AND job_type = 'backfill'",
    [tenant],
  ) as [{ n: number }];
  assertEquals(n, 3);
  assertEquals(
    assertThrows(
      () =>
        createAdminApp({
          client,
          adminToken: TOKEN,
          backfillCaps: { T9: 1 } as unknown as { T0: number },
        }),
      ConfigError,
    ).option,
    "backfillCaps.T9",
  );
  assertEquals(
    assertThrows(
      () => createAdminApp({ client, adminToken: TOKEN, backfillCaps: { T1: -1 } }),
      ConfigError,
    ).option,
    "backfillCaps.T1",
  );
  seen.assertNoSecret(TOKEN);
});
