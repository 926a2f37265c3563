// Schema-registry drift (issue #19 item 5): the admin server compares the live catalog with the
// expected schema of its track, served here by a fake registry on 127.0.0.1. A match is healthy;
// a difference counts drift, stamps its time, degrades /health and names the difference; a
// registry that is down or answers garbage never counts as drift. Runs on PGlite, and on
// PostgreSQL / TimescaleDB when MDS_TEST_DATABASE_URL / MDS_TEST_TIMESCALE_URL are set.
import { createAdminApp, SchemaRegistryMonitor } from "@mds/admin";
import { createClient, readSchemaDocument } from "@mds/client";
import type { SchemaDocument } from "@mds/sql";
import { Registry } from "prom-client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { backendSuite, type TestDb } from "../testing/backends.ts";
import { baseEnv, freePort } from "../testing/admin_server.ts";

const TOKEN = "registry-test-token-0123456789abcdef";
const MAIN = new URL("../admin/main.ts", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;

/** A fake schema registry on a loopback port: answers what `answer` returns for each request. */
function fakeRegistry(answer: (path: string) => Response) {
  const paths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      paths.push(path);
      return answer(path);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    paths,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A metric sample's value in a Prometheus exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const LABELS = 'repo="market-data-store",track="v1"';

async function bench(db: TestDb, answer: () => Response, now = () => 1_700_000_000_000) {
  const client = await createClient({ backend: db.backend, migrate: false });
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  const logger = { log: (level: string, msg: string, f = {}) => lines.push({ level, msg, ...f }) };
  const fake = fakeRegistry(answer);
  const monitor = new SchemaRegistryMonitor({
    client,
    url: `${fake.url}/`,
    registry,
    logger,
    now,
    timeoutMs: 5_000,
  });
  const app = createAdminApp({
    client,
    registry,
    adminToken: TOKEN,
    logger: { log() {} },
    schemaRegistry: monitor,
  });
  const health = async () => await (await app.request("/health")).json();
  const metrics = async () => await (await app.request("/metrics")).text();
  return {
    client,
    monitor,
    app,
    lines,
    fake,
    health,
    metrics,
    [Symbol.asyncDispose]: async () => {
      await fake[Symbol.asyncDispose]();
      await client.close();
    },
  };
}

function component(health: { components: { name: string }[] }) {
  return health.components.find((c) => c.name === "schema_registry") as
    | Record<string, unknown>
    | undefined;
}

backendSuite("schema-registry drift", {
  "the catalog query reads the tenant views and the private tables with their types": async (
    db,
  ) => {
    await using client = await createClient({ backend: db.backend, migrate: false });
    const doc = await readSchemaDocument(client, { track: "v1" });
    assertEquals([doc.repo, doc.track], ["market-data-store", "v1"]);
    assertEquals(Object.keys(doc.schemas).sort(), ["mds", "mds_core"]);
    assertEquals(Object.keys(doc.schemas.mds!.tables), [], "mds holds views only");
    const bars = doc.schemas.mds!.views.bars?.columns;
    assertEquals(bars?.ts, "timestamp with time zone");
    assertEquals(bars?.close, "double precision");
    assertEquals(bars?.tenant_id, "uuid");
    assertEquals(doc.schemas.mds_core!.tables.bars?.columns?.ts, "timestamp with time zone");
    assert(doc.schemas.mds_core!.tables.schema_migrations !== undefined);
    assert(doc.schemas.mds_core!.tables.jobs !== undefined);
  },

  "a registry that expects the live schema: no drift, /health healthy": async (db) => {
    const expected = await readSchemaDocument(
      await createClient({ backend: db.backend, migrate: false }),
    );
    await using b = await bench(db, () => Response.json(expected));
    const result = await b.monitor.runOnce();
    assertEquals([result.outcome, result.differences], ["match", []]);
    assertEquals(b.fake.paths, ["/schemas/v1"]);
    const h = await b.health();
    assertEquals(h.state, "healthy");
    assertEquals(component(h)?.state, "healthy");
    assertEquals(component(h)?.registry_up, true);
    const text = await b.metrics();
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds"}`), 0);
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 0);
    assertEquals(sample(text, `mds_schema_registry_up{${LABELS}}`), 1);
    assertEquals(sample(text, `mds_schema_registry_checks_total{${LABELS},outcome="match"}`), 1);
    assert(!text.includes("mds_schema_drift_last_detected_timestamp{"), "no drift yet");
  },

  "an extra expected column and another type: drift counted, stamped, degraded, named": async (
    db,
  ) => {
    const live = await readSchemaDocument(
      await createClient({ backend: db.backend, migrate: false }),
    );
    const drifted: SchemaDocument = structuredClone(live);
    drifted.schemas.mds_core!.tables.bars!.columns!.exchange = "text";
    drifted.schemas.mds!.views.bars!.columns!.volume = "numeric(20,0)";
    let answer = drifted;
    await using b = await bench(db, () => Response.json(answer));

    const first = await b.monitor.runOnce();
    assertEquals(first.outcome, "drift");
    assertEquals(first.differences.map((d) => d.message), [
      'mds.bars: column "volume" is "bigint", expected "numeric(20,0)"',
      'mds_core.bars: column "exchange" missing (expected "text")',
    ]);
    const h = await b.health();
    assertEquals(h.state, "degraded");
    assertEquals(component(h)?.state, "unhealthy");
    assertEquals(component(h)?.difference_count, 2);
    assertIncludes(JSON.stringify(component(h)), 'mds_core.bars: column \\"exchange\\" missing');
    const warn = b.lines.find((l) => l.msg === "schema drift");
    assertEquals(warn?.level, "warn");
    assertIncludes(JSON.stringify(warn), "exchange");

    await b.monitor.runOnce(); // drift persists: counted again
    let text = await b.metrics();
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds"}`), 2);
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 2);
    assertEquals(
      sample(text, `mds_schema_drift_last_detected_timestamp{${LABELS},schema="mds_core"}`),
      1_700_000_000,
    );
    assertEquals(sample(text, `mds_schema_drift_differences{${LABELS},schema="mds_core"}`), 1);

    // The schema is fixed (here: the registry publishes the live one): healthy again, the
    // counter keeps its count.
    answer = live;
    assertEquals((await b.monitor.runOnce()).outcome, "match");
    assertEquals((await b.health()).state, "healthy");
    text = await b.metrics();
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 2);
    assertEquals(sample(text, `mds_schema_drift_differences{${LABELS},schema="mds_core"}`), 0);
    assert(b.lines.some((l) => l.msg === "schema drift cleared"));
  },

  "a missing or unexpected relation and a view expected as a table are drift": async (db) => {
    const live = await readSchemaDocument(
      await createClient({ backend: db.backend, migrate: false }),
    );
    const drifted: SchemaDocument = structuredClone(live);
    delete drifted.schemas.mds!.views.news;
    drifted.schemas.mds!.views.trades = { columns: { ts: "timestamptz" } };
    drifted.schemas.mds!.tables.quotes_l1 = drifted.schemas.mds!.views.quotes_l1!;
    delete drifted.schemas.mds!.views.quotes_l1;
    // only mds is compared: the document leaves mds_core out
    delete drifted.schemas.mds_core;
    await using b = await bench(db, () => Response.json(drifted));
    const result = await b.monitor.runOnce();
    assertEquals(result.differences.map((d) => d.message), [
      "mds.news: unexpected view",
      "mds.quotes_l1: is a view, expected a table",
      "mds.trades: view missing",
    ]);
    const text = await b.metrics();
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds"}`), 1);
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 0);
  },

  "a registry down, failing or answering garbage never counts as drift": async (db) => {
    const cases: [string, () => Response, string][] = [
      ["503", () => new Response("unavailable", { status: 503 }), "MDS_REGISTRY_HTTP"],
      ["404", () => new Response("no such track", { status: 404 }), "MDS_REGISTRY_HTTP"],
      ["not JSON", () => new Response("<html>oops</html>"), "MDS_REGISTRY_INVALID"],
      [
        "no schemas",
        () => Response.json({ repo: "market-data-store", track: "v1" }),
        "MDS_REGISTRY_INVALID",
      ],
      [
        "a foreign schema",
        () => Response.json({ repo: "market-data-store", track: "v1", schemas: { public: {} } }),
        "MDS_REGISTRY_INVALID",
      ],
      [
        "another track",
        () => Response.json({ repo: "market-data-store", track: "v2", schemas: { mds: {} } }),
        "MDS_REGISTRY_INVALID",
      ],
    ];
    for (const [name, answer, code] of cases) {
      await using b = await bench(db, answer);
      const result = await b.monitor.runOnce();
      assertEquals([result.outcome, result.code], ["registry_error", code], name);
      const h = await b.health();
      assertEquals(h.state, "healthy", `${name}: an unknown verdict does not degrade`);
      assertEquals(component(h)?.state, "unknown", name);
      assertEquals(component(h)?.registry_up, false, name);
      assertEquals(component(h)?.error, code, name);
      const text = await b.metrics();
      assertEquals(sample(text, `mds_schema_registry_up{${LABELS}}`), 0, name);
      assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds"}`), 0, name);
      assertEquals(
        sample(text, `mds_schema_registry_checks_total{${LABELS},outcome="registry_error"}`),
        1,
        name,
      );
      const warn = b.lines.find((l) => l.msg === "schema registry check failed");
      assertEquals([warn?.level, warn?.code], ["warn", code], name);
    }

    // Nothing listening at all.
    const client = await createClient({ backend: db.backend, migrate: false });
    const registry = new Registry();
    const monitor = new SchemaRegistryMonitor({
      client,
      url: `http://127.0.0.1:${freePort()}`,
      registry,
    });
    const result = await monitor.runOnce();
    assertEquals([result.outcome, result.code], ["registry_error", "MDS_REGISTRY_UNREACHABLE"]);
    const text = await registry.metrics();
    assertEquals(sample(text, `mds_schema_registry_up{${LABELS}}`), 0);
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 0);
    await client.close();
  },

  "a drift verdict stays while the registry is down: neither raised nor cleared": async (db) => {
    const live = await readSchemaDocument(
      await createClient({ backend: db.backend, migrate: false }),
    );
    const drifted: SchemaDocument = structuredClone(live);
    drifted.schemas.mds_core!.tables.bars!.columns!.ts = "date";
    let up = true;
    await using b = await bench(
      db,
      () => up ? Response.json(drifted) : new Response("down", { status: 502 }),
    );
    assertEquals((await b.monitor.runOnce()).outcome, "drift");
    up = false;
    assertEquals((await b.monitor.runOnce()).outcome, "registry_error");
    const h = await b.health();
    assertEquals([h.state, component(h)?.state, component(h)?.registry_up], [
      "degraded",
      "unhealthy",
      false,
    ]);
    const text = await b.metrics();
    assertEquals(sample(text, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 1);
  },

  "GET /schema/export answers the live document behind the admin token": async (db) => {
    await using b = await bench(db, () => new Response("", { status: 500 }));
    assertEquals((await b.app.request("/schema/export")).status, 401);
    const res = await b.app.request("/schema/export?track=v2", {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assertEquals(res.status, 200);
    const doc = await res.json();
    assertEquals(doc, await readSchemaDocument(b.client, { track: "v2" }));
    const bad = await b.app.request("/schema/export?track=..%2F..", {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assertEquals(bad.status, 400);
  },
});

Deno.test("admin/main.ts checks the registry of REGISTRY_URL and degrades /health on drift; --export-schema prints the document", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "mds_registry_" });
  try {
    const exported = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--export-schema"],
      cwd: ROOT,
      clearEnv: true,
      env: { ...baseEnv(), MDS_DATA_DIR: dataDir, REGISTRY_TRACK: "v1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(exported.code, 0, new TextDecoder().decode(exported.stderr));
    const expected = JSON.parse(new TextDecoder().decode(exported.stdout)) as SchemaDocument;
    assertEquals(expected.track, "v1");
    expected.schemas.mds_core!.tables.bars!.columns!.exchange = "text";
    await using fake = fakeRegistry(() => Response.json(expected));

    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN],
      cwd: ROOT,
      clearEnv: true,
      env: {
        ...baseEnv(),
        PORT: String(port),
        HOST: "127.0.0.1",
        MDS_DATA_DIR: dataDir,
        REGISTRY_URL: fake.url,
        REGISTRY_POLL_SECONDS: "10",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = new Response(child.stdout).text();
    const stderr = new Response(child.stderr).text();
    try {
      let health: { state?: string; components?: { name: string; state: string }[] } = {};
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        try {
          health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
          if (
            health.components?.some((c) => c.name === "schema_registry" && c.state !== "unknown")
          ) {
            break;
          }
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals(health.state, "degraded", JSON.stringify(health));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assertEquals(sample(metrics, `mds_schema_drift_total{${LABELS},schema="mds_core"}`), 1);
      assertEquals(fake.paths[0], "/schemas/v1");
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      const out = await stdout;
      await stderr;
      assertEquals(status.code, 0, out);
      assertIncludes(out, '"msg":"schema drift"');
      assertIncludes(out, 'mds_core.bars: column \\"exchange\\" missing');
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
