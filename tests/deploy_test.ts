// The monitoring files under deploy/: promtool checks the alert rules, runs their unit tests and
// checks the scrape configuration (skipped where promtool is not installed); every metric a rule,
// a rule test or a dashboard panel names exists in the registries the code builds; every panel
// query parses; the WebSocket probe's handshake gets 101 from a real API server.
import { type AdminClient, createAdminApp } from "@mds/admin";
import type { MdsClient } from "@mds/client";
import { Collector, createServiceApp, InmemPulseBus, StreamHub } from "@mds/service";
import { Histogram, Registry, Summary } from "prom-client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { hasPromtool } from "../testing/promtool.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const read = (path: string): string => Deno.readTextFileSync(`${ROOT}${path}`);

const ALERTS = "deploy/prometheus/alerts.yml";
const ALERT_TESTS = "deploy/prometheus/alerts_test.yml";
const PROMETHEUS = "deploy/prometheus/prometheus.yml";
const BLACKBOX = "deploy/prometheus/blackbox.yml";
const DASHBOARD = "deploy/grafana/dashboards/mds.json";
const TENANT = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a0d4";

const promtoolFound = hasPromtool();
const NO_PROMTOOL = "skipped: promtool not installed (apt-get install prometheus)";

/** Runs promtool in the repository root; its exit code and output. */
async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command("promtool", {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, output: decode(out.stdout) + decode(out.stderr) };
}

// ---------------------------------------------------------------------------------------------
// Reading the YAML files: the values of one key, without a YAML library (the workspace has none).
// Handles what these files use: plain, double-quoted and single-quoted scalars on the key's line,
// and block scalars (`|`, `>`, with chomping indicators) on the lines indented below it.

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Every value of `key` in a YAML text, in order. */
function yamlValues(text: string, key: string): string[] {
  const lines = text.split("\n");
  const pattern = new RegExp(`^(\\s*)(- )?${key}:(?:\\s+(.*))?$`);
  const values: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(pattern);
    if (m === null) continue;
    const indent = m[1]!.length + (m[2] === undefined ? 0 : 2);
    const rest = (m[3] ?? "").replace(/\s+#.*$/, "").trim();
    if (/^[|>][-+]?$/.test(rest)) {
      const block: string[] = [];
      while (
        i + 1 < lines.length &&
        (lines[i + 1]!.trim() === "" || indentOf(lines[i + 1]!) > indent)
      ) {
        block.push(lines[++i]!);
      }
      const margin = Math.min(...block.filter((l) => l.trim() !== "").map(indentOf));
      values.push(block.map((l) => l.slice(margin)).join("\n").trim());
    } else if (rest.startsWith('"')) {
      values.push(JSON.parse(rest));
    } else if (rest.startsWith("'")) {
      values.push(rest.slice(1, -1).replaceAll("''", "'"));
    } else {
      values.push(rest);
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Metric names in PromQL.

/** Aggregation operators, set operators and modifiers: PromQL words that are no metric. */
const PROMQL_WORDS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
  "and",
  "or",
  "unless",
  "atan2",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "inf",
  "nan",
]);
/** Words followed by a list of label names in parentheses. */
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

/**
 * The metric names a PromQL expression selects: identifiers followed by `{`, `[` or used bare;
 * not functions (an identifier followed by `(`), aggregation operators, keywords, label names
 * (in `{...}` and in `by (...)` lists), strings, comments, numbers or durations.
 */
function metricNames(expr: string): Set<string> {
  const names = new Set<string>();
  let i = 0;
  const skipString = (quote: string) => {
    for (i++; i < expr.length && expr[i] !== quote; i++) if (expr[i] === "\\") i++;
    i++;
  };
  const skipGroup = (open: string, close: string) => {
    let depth = 0;
    while (i < expr.length) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === "`") {
        skipString(c);
        continue;
      }
      if (c === open) depth++;
      if (c === close && --depth === 0) {
        i++;
        return;
      }
      i++;
    }
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === "`") skipString(c);
    else if (c === "#") { while (i < expr.length && expr[i] !== "\n") i++; }
    else if (c === "{") skipGroup("{", "}");
    else if (c === "[") skipGroup("[", "]");
    else if (/[0-9.]/.test(c)) { while (i < expr.length && /[0-9a-zA-Z_.+]/.test(expr[i]!)) i++; }
    else if (/[a-zA-Z_:]/.test(c)) {
      const word = expr.slice(i).match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)![0];
      i += word.length;
      const next = expr.slice(i).trimStart()[0];
      if (LABEL_LISTS.has(word.toLowerCase()) && next === "(") {
        i = expr.indexOf("(", i);
        skipGroup("(", ")");
      } else if (!PROMQL_WORDS.has(word.toLowerCase()) && next !== "(") {
        names.add(word);
      }
    } else i++;
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// The registries the code builds, as service/main.ts and admin/main.ts wire them.

/** A store that must not be touched: building the registries needs none. */
const unusedStore = new Proxy({}, {
  get(_, property) {
    if (property === "then") return undefined;
    return () =>
      Promise.reject(new Error(`The registry build used the store: ${String(property)}`));
  },
});

type MetricKind = "histogram" | "summary" | "other";

function kinds(registry: Registry): Map<string, MetricKind> {
  return new Map(
    registry.getMetricsAsArray().map((m) => [
      m.name,
      m instanceof Histogram ? "histogram" : m instanceof Summary ? "summary" : "other",
    ]),
  );
}

/** The admin server's metrics (createAdminApp, which registers the write metrics too). */
function adminMetrics(): Map<string, MetricKind> {
  const registry = new Registry();
  createAdminApp({
    client: unusedStore as AdminClient,
    adminToken: undefined,
    registry,
    logger: { log() {} },
  });
  return kinds(registry);
}

/** The service's metrics in role `both`: collector, providers, WebSocket hub, pulse bus. */
function serviceMetrics(): Map<string, MetricKind> {
  const registry = new Registry();
  new Collector({ client: unusedStore as MdsClient, tenant: TENANT, metrics: registry });
  new StreamHub({ metrics: registry }).close();
  new InmemPulseBus({ registry });
  return kinds(registry);
}

/** Series Prometheus and the blackbox exporter make, not mds: each with where it comes from. */
const EXTERNAL = new Map([
  ["up", "Prometheus, per scrape target"],
  ["probe_success", "blackbox exporter"],
]);

/**
 * The names among `names` that no registry holds: a histogram's `_bucket`, `_sum` and `_count`
 * count as the histogram, a summary's `_sum` and `_count` as the summary.
 */
function unknownMetrics(names: Iterable<string>, known: Map<string, MetricKind>): string[] {
  const exists = (name: string) => {
    if (known.has(name) || EXTERNAL.has(name)) return true;
    const m = name.match(/^(.*)_(bucket|sum|count)$/);
    if (m === null) return false;
    const kind = known.get(m[1]!);
    return kind === "histogram" || (kind === "summary" && m[2] !== "bucket");
  };
  return [...new Set(names)].filter((n) => !exists(n)).sort();
}

/** Every registry of the code, merged. */
function allMetrics(): Map<string, MetricKind> {
  return new Map([...adminMetrics(), ...serviceMetrics()]);
}

interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

/** Every query of the dashboard's panels (rows' nested panels too). */
function dashboardQueries(): PanelQuery[] {
  type Panel = { title?: string; targets?: { refId: string; expr?: string }[]; panels?: Panel[] };
  const dashboard = JSON.parse(read(DASHBOARD)) as { panels: Panel[] };
  const out: PanelQuery[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (t.expr !== undefined) out.push({ panel: p.title ?? "", refId: t.refId, expr: t.expr });
      }
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Grafana's interval variables, as Prometheus durations for checking. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replaceAll(/\$__(rate_interval|interval|range)\b/g, "5m");
}

const alertNames = () => yamlValues(read(ALERTS), "alert");

// ---------------------------------------------------------------------------------------------

Deno.test("alerts.yml holds eleven alerts, each with a severity, a summary and a runbook that exists", () => {
  const text = read(ALERTS);
  const names = alertNames();
  assertEquals(names.length, 11, `alerts: ${names.join(", ")}`);
  assertIncludes(names.join(","), "SLOGapViolationHighT0");
  assertEquals(new Set(names).size, names.length, "alert names are unique");
  assertEquals(yamlValues(text, "expr").length, names.length, "one expr per alert");
  const severities = yamlValues(text, "severity");
  assertEquals(severities.length, names.length, "one severity per alert");
  for (const s of severities) assert(s === "critical" || s === "warning", `severity "${s}"`);
  const summaries = yamlValues(text, "summary");
  assertEquals(summaries.length, names.length, "one summary per alert");
  for (const s of summaries) assert(/\$labels\.\w+/.test(s), `summary names no label: ${s}`);
  const runbooks = yamlValues(text, "runbook_url");
  assertEquals(runbooks, names.map((n) => `docs/runbooks/${n}.md`));
  for (const path of runbooks) {
    const page = read(path);
    assertIncludes(page, "deno run -A cli/main.ts", `${path} gives no mds command`);
  }
  const operating = read("docs/operating.md");
  for (const name of names) {
    assertIncludes(operating, `(runbooks/${name}.md)`, `docs/operating.md links no runbook`);
  }
});

Deno.test({
  name: promtoolFound
    ? "promtool check rules accepts alerts.yml"
    : `promtool check rules ${NO_PROMTOOL}`,
  ignore: !promtoolFound,
  async fn() {
    const { code, output } = await promtool("check", "rules", ALERTS);
    assertEquals(code, 0, output);
    assertIncludes(output, `SUCCESS: ${alertNames().length} rules found`);
  },
});

Deno.test({
  name: promtoolFound
    ? "promtool test rules: each alert fires on a series that breaks it, not on a healthy one"
    : `promtool test rules ${NO_PROMTOOL}`,
  ignore: !promtoolFound,
  async fn() {
    const tested = new Set(yamlValues(read(ALERT_TESTS), "alertname"));
    for (const name of alertNames()) assert(tested.has(name), `no unit test of ${name}`);
    const { code, output } = await promtool("test", "rules", ALERT_TESTS);
    assertEquals(code, 0, output);
    assertIncludes(output, "SUCCESS");
  },
});

Deno.test({
  name: promtoolFound
    ? "promtool check config accepts prometheus.yml, its rule file and every mds job"
    : `promtool check config ${NO_PROMTOOL}`,
  ignore: !promtoolFound,
  async fn() {
    const text = read(PROMETHEUS);
    const { code, output } = await promtool("check", "config", PROMETHEUS);
    assertEquals(code, 0, output);
    assertIncludes(output, "SUCCESS: 11 rules found");
    assertEquals(yamlValues(text, "job_name"), [
      "mds-admin",
      "mds-api",
      "mds-collector",
      "mds-health",
      "mds-ws",
      "mds-db-tcp",
    ]);
    for (const target of ["admin:8082", "api:8001", "collector:8001"]) {
      assertIncludes(text, `"${target}"`);
    }
  },
});

Deno.test("metricNames() reads metric names from PromQL, not functions, labels or keywords", () => {
  const expr = `# a comment naming not_a_metric
    sum by (job, le) (rate(mds_a_seconds_bucket{route="/x{y}", code!~"a|b"}[5m] offset 1h))
    / ignoring (code) group_left
    max without (instance) (mds_b_total @ start()) > 4 * 3600 and on (job) mds_c
    or label_replace(vector(1), "dst", "mds_in_string", "", "") or bare:recorded:metric
    unless histogram_quantile(0.99, mds_d[$__rate_interval]) > bool 1e3`;
  assertEquals(
    [...metricNames(expr)].sort(),
    ["bare:recorded:metric", "mds_a_seconds_bucket", "mds_b_total", "mds_c", "mds_d"],
  );
});

Deno.test("every metric named in the rules, their tests and the dashboard exists in a registry the code builds", () => {
  const known = allMetrics();
  // the registries were built, not empty: a few from each part of the code
  for (
    const name of [
      "mds_db_up",
      "mds_rows_written_total",
      "mds_slo_gap_violation_rate",
      "mds_circuit_state",
      "mds_ws_publish_latency_seconds",
      "mds_pulse_publish_total",
    ]
  ) {
    assert(known.has(name), `${name} is not registered`);
  }
  const sources: [string, string[]][] = [
    [ALERTS, yamlValues(read(ALERTS), "expr")],
    [ALERT_TESTS, yamlValues(read(ALERT_TESTS), "series")],
    [DASHBOARD, dashboardQueries().map((q) => q.expr)],
  ];
  for (const [file, exprs] of sources) {
    assert(exprs.length > 0, `no expressions read from ${file}`);
    const names = exprs.flatMap((e) => [...metricNames(e)]);
    assertEquals(unknownMetrics(names, known), [], `unknown metrics in ${file}`);
  }
});

Deno.test("the metric cross-reference reports a planted unknown metric", () => {
  const exprs = [
    ...yamlValues(read(ALERTS), "expr"),
    'sum by (tier) (rate(mds_backfill_jobs_finished_total{tier="T0"}[5m]))',
    "histogram_quantile(0.99, rate(mds_ws_clients_bucket[5m]))",
  ];
  const names = exprs.flatMap((e) => [...metricNames(e)]);
  assertEquals(unknownMetrics(names, allMetrics()), [
    "mds_backfill_jobs_finished_total",
    "mds_ws_clients_bucket",
  ]);
});

Deno.test({
  name: promtoolFound
    ? "promtool check rules parses every dashboard panel query"
    : `promtool check rules on the dashboard queries ${NO_PROMTOOL}`,
  ignore: !promtoolFound,
  async fn() {
    const queries = dashboardQueries();
    assert(queries.length >= 20, `only ${queries.length} panel queries`);
    const titles = new Set(queries.map((q) => q.panel));
    for (
      const title of [
        "Ingest rate (rows/s)",
        "Ingestion lag",
        "Gap violation rate (SLO < 0.5%)",
        "Backfill queue depth by tier",
        "Circuit breaker state",
        "WebSocket clients",
        "WebSocket and pulse latency",
        "Admin HTTP latency p99 by route",
      ]
    ) {
      assert(titles.has(title), `no panel "${title}"`);
    }
    const rules = queries.map((q, n) => {
      const expr = withoutGrafanaVariables(q.expr);
      assert(!expr.includes("$"), `panel "${q.panel}" uses a variable the check cannot fill`);
      return `      - record: dashboard:query_${n}\n        expr: ${JSON.stringify(expr)}\n`;
    });
    const file = await Deno.makeTempFile({ prefix: "mds_dashboard_", suffix: ".yml" });
    try {
      await Deno.writeTextFile(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join("")}`);
      const { code, output } = await promtool("check", "rules", file);
      assertEquals(code, 0, output);
      assertIncludes(output, `SUCCESS: ${queries.length} rules found`);
    } finally {
      await Deno.remove(file);
    }
  },
});

Deno.test("the dashboard's datasource is the one provisioned", () => {
  const [uid] = yamlValues(read("deploy/grafana/provisioning/datasources/prometheus.yml"), "uid");
  const text = read(DASHBOARD);
  const uids = new Set([...text.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]));
  uids.delete(JSON.parse(text).uid);
  assertEquals([...uids], [uid]);
});

Deno.test("the ws_handshake probe gets 101 from the API with a key, and fails without one", async () => {
  const [send] = yamlValues(read(BLACKBOX), "send");
  const [expect] = yamlValues(read(BLACKBOX), "expect");
  assert(send !== undefined && expect !== undefined, "no ws_handshake query_response");
  const key = "probe-key-0123456789";
  const hub = new StreamHub();
  const app = createServiceApp({
    client: unusedStore as MdsClient,
    hub,
    verifyKey: (k) =>
      Promise.resolve(k === key ? { id: "p", tenant: TENANT, readOnly: true } : null),
    keyCacheSeconds: 0,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  // What the tcp prober does: send the line and "\n", read lines until one matches `expect`.
  const statusLine = async (request: string) => {
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(new TextEncoder().encode(`${request}\n`));
    let text = "";
    const buf = new Uint8Array(4096);
    while (!text.includes("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.split("\r\n")[0]!;
  };
  try {
    const ok = await statusLine(send.replace("REPLACE_WITH_PROBE_KEY", key));
    assert(new RegExp(expect).test(ok), `with the key: ${ok}`);
    const refused = await statusLine(send.replace("REPLACE_WITH_PROBE_KEY", "wrong-key"));
    assert(!new RegExp(expect).test(refused), `with a wrong key: ${refused}`);
    assertIncludes(refused, " 401 ");
  } finally {
    app.close();
    hub.close();
    await server.shutdown();
  }
});
