// The admin server under load and under attack, over a real loopback socket: admin/main.ts as a
// subprocess on a PostgreSQL database whose URL holds a password (the embedded store when
// MDS_TEST_DATABASE_URL is unset), loaded with autocannon, then sent missing, wrong and
// almost-right credentials and oversized, lying, cut-short and malformed bodies byte for byte.
// No response, header or log line may hold the admin token or the database password.
//
// `deno task test` runs the short form (50 connections for 2 s per endpoint); `deno task
// test:soak` the long one (50 connections for 10 s). Latency is printed, never asserted.
import autocannonUntyped from "npm:autocannon@8.0.0";
import { ADMIN_ERROR_CODES, createAdminApp } from "@mds/admin";
import { createClient, createPostgresBackend } from "@mds/client";
import { type AdminServer, startAdminServer } from "../testing/admin_server.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { createServerDatabase, newTenant, serverUrl } from "../testing/backends.ts";
import { chunked, type RawAnswer, rawRequest } from "../testing/raw_http.ts";
import { soak } from "../testing/soak.ts";

const hex = (bytes: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

const TOKEN = `tok-${hex(16)}`;
/** The body limit admin/main.ts serves with (createAdminApp's default). */
const LIMIT = 1024 * 1024;
const CONNECTIONS = 50;
const SECONDS = soak(2, 10);
const CODES: readonly string[] = ADMIN_ERROR_CODES;
const enc = new TextEncoder();

/** Every response and log text of the run, checked for secrets at the end. */
const seen: string[] = [];

/** Fails when `text` holds a secret or any 12-character stretch of one. */
function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    for (let at = 0; at + 12 <= secret.length; at += 4) {
      const piece = secret.slice(at, at + 12);
      assert(!text.includes(piece), `${where} holds part of a secret: ...${piece}...`);
    }
    assert(!text.includes(secret), `${where} holds a secret`);
  }
}

async function get(server: AdminServer, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.base}${path}`);
  const text = await res.text();
  seen.push(`${res.status} ${JSON.stringify([...res.headers])}\n${text}`);
  return { status: res.status, text };
}

/** Sends one request as raw bytes on its own connection and records the answer. */
async function raw(
  server: AdminServer,
  request: string | readonly (string | Uint8Array)[],
  options: { closeWrite?: boolean } = {},
): Promise<RawAnswer> {
  const answer = await rawRequest(server.port, request, options);
  seen.push(answer.raw);
  return answer;
}

/** The head of a request on a connection the server closes after answering. */
function head(method: string, target: string, lines: readonly string[]): string {
  return [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...lines, "", ""]
    .join("\r\n");
}

/** An error answer: JSON `{ error: { code, message } }` with one of the documented codes. */
function errorCodeOf(answer: RawAnswer, what: string): string {
  let json: { error?: { code?: unknown; message?: unknown } };
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new Error(`${what}: ${answer.status} answer is not JSON: ${answer.raw.slice(0, 300)}`);
  }
  const code = String(json.error?.code);
  assert(CODES.includes(code), `${what}: unknown code ${code}`);
  assertEquals(typeof json.error?.message, "string", what);
  return code;
}

/** The part of autocannon's options and result used here (@types/autocannon pulls in an
 * @types/node whose node:assert typings break testing/assert.ts). */
interface Autocannon {
  (options: { url: string; connections: number; duration: number }): Promise<{
    requests: { total: number };
    latency: { p50: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }>;
}
const autocannon: Autocannon = autocannonUntyped;

interface Load {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function load(server: AdminServer, path: string): Promise<Load> {
  const result = await autocannon({
    url: `${server.base}${path}`,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.total / SECONDS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The store the server runs on: a fresh PostgreSQL database reached with a password, or embedded. */
interface Store extends AsyncDisposable {
  name: string;
  /** What the server's "listening" record names as its store. */
  described: string;
  env: Record<string, string>;
  secrets: string[];
}

async function openStore(): Promise<Store> {
  const base = serverUrl("postgres");
  if (base === undefined) {
    const dataDir = await Deno.makeTempDir({ prefix: "mds_admin_load_" });
    return {
      name: "embedded",
      described: `embedded:${dataDir}`,
      env: { MDS_DATA_DIR: dataDir },
      secrets: [],
      [Symbol.asyncDispose]: () => Deno.remove(dataDir, { recursive: true }),
    };
  }
  // A login role of its own with a password; characters that need percent-encoding put both
  // the raw and the encoded form in play. The test cluster trusts loopback connections, so the
  // password is never checked: what matters is that its text reaches the server's settings.
  const role = `mds_load_${hex(6)}`;
  const password = `pw-${hex(12)}:/@#?`;
  const superuser = createPostgresBackend({ url: base, max: 1 });
  try {
    await superuser.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
  } finally {
    await superuser.close();
  }
  const db = await createServerDatabase(base);
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  return {
    name: "postgres",
    described: `postgres://${role}:***@${url.host}${url.pathname}`,
    // MDS_TIMESCALE=off: this server lists timescaledb without preloading it (see admin_test.ts).
    env: { MDS_DATABASE_URL: url.toString(), MDS_TIMESCALE: "off" },
    secrets: [...new Set([password, url.password, encodeURIComponent(password)])],
    [Symbol.asyncDispose]: async () => {
      await db.drop();
      const again = createPostgresBackend({ url: base, max: 1 });
      try {
        await again.query(`DROP ROLE IF EXISTS ${role}`);
      } finally {
        await again.close();
      }
    },
  };
}

/** Each endpoint behind the token, with a request that passes the token check. */
const GUARDED: ReadonlyArray<{ method: string; path: string; body?: string }> = [
  { method: "POST", path: "/migrate" },
  { method: "POST", path: "/retention/apply", body: "{}" },
  { method: "POST", path: "/refresh/aggregate", body: "{}" },
  { method: "POST", path: "/backfill/polygon", body: "{}" },
  { method: "POST", path: `/ops/dlq/jobs/requeue/${crypto.randomUUID()}`, body: "{}" },
  { method: "DELETE", path: `/ops/dlq/jobs/purge?tenant_id=${newTenant()}&older_than_seconds=60` },
  { method: "GET", path: `/ops/dlq/jobs?tenant_id=${newTenant()}` },
  { method: "GET", path: `/ops/gaps?tenant_id=${newTenant()}` },
];

/** The endpoints that read a JSON body. */
const BODY_ROUTES = [
  "/retention/apply",
  "/refresh/aggregate",
  "/backfill/polygon",
  `/ops/dlq/jobs/requeue/${crypto.randomUUID()}`,
];

const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const flipCase = (text: string) =>
  text.replace(/[a-z]/, (c) => c.toUpperCase()) === text
    ? text.replace(/[A-Z]/, (c) => c.toLowerCase())
    : text.replace(/[a-z]/, (c) => c.toUpperCase());
const changeAt = (text: string, at: number) =>
  text.slice(0, at) + (text[at] === "a" ? "b" : "a") + text.slice(at + 1);

/**
 * Credentials that must be refused with 401: each the `Authorization` (or other) header lines
 * and the query string to send, as Latin-1 text written byte for byte.
 */
const REFUSED: ReadonlyArray<[string, { lines: string[]; query?: string }]> = [
  ["missing", { lines: [] }],
  ["empty header", { lines: ["Authorization: "] }],
  ["scheme alone", { lines: ["Authorization: Bearer"] }],
  ["scheme and spaces", { lines: ["Authorization: Bearer    "] }],
  ["wrong", { lines: [`Authorization: Bearer tok-${hex(16)}`] }],
  ["last character changed", {
    lines: [`Authorization: Bearer ${changeAt(TOKEN, TOKEN.length - 1)}`],
  }],
  ["first secret character changed", { lines: [`Authorization: Bearer ${changeAt(TOKEN, 4)}`] }],
  ["a prefix (one short)", { lines: [`Authorization: Bearer ${TOKEN.slice(0, -1)}`] }],
  ["half of it", { lines: [`Authorization: Bearer ${TOKEN.slice(0, TOKEN.length / 2)}`] }],
  ["one character longer", { lines: [`Authorization: Bearer ${TOKEN}0`] }],
  ["upper case", { lines: [`Authorization: Bearer ${TOKEN.toUpperCase()}`] }],
  ["one letter's case flipped", { lines: [`Authorization: Bearer ${flipCase(TOKEN)}`] }],
  ["trailing no-break space", { lines: [`Authorization: Bearer ${TOKEN}\u00a0`] }],
  ["leading no-break space", { lines: [`Authorization: Bearer \u00a0${TOKEN}`] }],
  ["trailing word", { lines: [`Authorization: Bearer ${TOKEN} x`] }],
  ["token twice", { lines: [`Authorization: Bearer ${TOKEN} ${TOKEN}`] }],
  ["no space after the scheme", { lines: [`Authorization: Bearer${TOKEN}`] }],
  ["colon after the scheme", { lines: [`Authorization: Bearer:${TOKEN}`] }],
  ["Basic scheme", { lines: [`Authorization: Basic ${btoa(`admin:${TOKEN}`)}`] }],
  ["Basic scheme, bare token", { lines: [`Authorization: Basic ${TOKEN}`] }],
  ["Token scheme", { lines: [`Authorization: Token ${TOKEN}`] }],
  ["bare token", { lines: [`Authorization: ${TOKEN}`] }],
  ["wrong header then right", {
    lines: [`Authorization: Bearer ${TOKEN.slice(0, -1)}x`, `Authorization: Bearer ${TOKEN}`],
  }],
  ["right header then wrong", {
    lines: [`Authorization: Bearer ${TOKEN}`, `Authorization: Bearer ${TOKEN.slice(0, -1)}x`],
  }],
  ["in Proxy-Authorization", { lines: [`Proxy-Authorization: Bearer ${TOKEN}`] }],
  ["in X-Admin-Token", { lines: [`X-Admin-Token: ${TOKEN}`] }],
  ["in a cookie", { lines: [`Cookie: token=${TOKEN}`] }],
  ["in the query as access_token", { lines: [], query: `access_token=${TOKEN}` }],
  ["in the query as token", { lines: [], query: `token=${TOKEN}` }],
];

Deno.test("a request body that ends early answers 400 MDS_ADMIN_BAD_JSON, not 500", async () => {
  await using client = await createClient({ memory: true });
  const logged: string[] = [];
  const app = createAdminApp({
    client,
    adminToken: TOKEN,
    logger: { log: (level, msg) => logged.push(`${level} ${msg}`) },
  });
  // With a declared length the route reads the body; without one the size limit counts it.
  for (const length of ["100", undefined]) {
    for (const path of BODY_ROUTES) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(enc.encode('{"table":'));
          controller.error(new Error("connection reset by peer"));
        },
      });
      const headers = new Headers({ Authorization: `Bearer ${TOKEN}` });
      if (length !== undefined) headers.set("Content-Length", length);
      const res = await app.request(path, { method: "POST", headers, body });
      const json = await res.json();
      assertEquals([res.status, json.error.code], [400, "MDS_ADMIN_BAD_JSON"], `${path} ${length}`);
    }
  }
  assert(!logged.some((l) => l.startsWith("error")), logged.join("\n"));
});

const postgres = serverUrl("postgres") !== undefined;
Deno.test(
  `admin/main.ts on ${
    postgres ? "PostgreSQL with a password in its URL" : "the embedded store"
  } under load, bad credentials and bad bodies answers 2xx/401/413/400 and leaks no secret`,
  async (t) => {
    await using store = await openStore();
    const secrets = [TOKEN, ...store.secrets];
    const server = await startAdminServer({ ...store.env, ADMIN_TOKEN: TOKEN });
    try {
      const auth = `Authorization: Bearer ${TOKEN}`;

      await t.step("the right token migrates the store and it becomes ready", async () => {
        const migrate = await raw(server, head("POST", "/migrate", [auth, "Content-Length: 0"]));
        assertEquals(migrate.status, 200, migrate.raw);
        const ready = await get(server, "/readyz");
        assertEquals(ready.status, 200, ready.text);
      });

      for (const path of ["/health", "/metrics"]) {
        await t.step(
          `${CONNECTIONS} connections for ${SECONDS} s on ${path}: no error, all 2xx`,
          async () => {
            const r = await load(server, path);
            console.log(
              `LOAD ${store.name} GET ${path} ${CONNECTIONS} connections x ${SECONDS} s: ` +
                `requests=${r.requests} req/s=${r.rps} p50=${r.p50} ms p99=${r.p99} ms ` +
                `errors=${r.errors} timeouts=${r.timeouts} non2xx=${r.non2xx}`,
            );
            assert(r.requests > 0, "no request was answered");
            assertEquals([r.errors, r.timeouts, r.non2xx], [0, 0, 0]);
            assertEquals((await get(server, path)).status, 200);
          },
        );
      }

      await t.step(
        "every guarded endpoint answers 401 with a Bearer challenge to each bad credential",
        async () => {
          for (const route of GUARDED) {
            for (const [name, credential] of REFUSED) {
              const target = credential.query === undefined
                ? route.path
                : `${route.path}${route.path.includes("?") ? "&" : "?"}${credential.query}`;
              const body = route.body ?? "";
              const answer = await raw(server, [
                bytesOf(head(route.method, target, [
                  ...credential.lines,
                  "Content-Type: application/json",
                  `Content-Length: ${body.length}`,
                ])),
                body,
              ]);
              const what = `${route.method} ${route.path} ${name}`;
              assertEquals(answer.status, 401, `${what}: ${answer.raw.slice(0, 300)}`);
              assertEquals(errorCodeOf(answer, what), "MDS_ADMIN_UNAUTHORIZED", what);
              const challenge = answer.headers.get("www-authenticate") ?? "";
              assert(challenge.startsWith('Bearer realm="mds-admin"'), `${what}: ${challenge}`);
            }
          }
        },
      );

      await t.step(
        "the right token passes on every guarded endpoint, also with optional whitespace around it",
        async () => {
          // Spaces and tabs around a field value are not part of it (RFC 9110 5.5): the server
          // never sees them, so "Bearer <token> " is the right token, not an almost-right one.
          const variants = [
            auth,
            `Authorization: bearer ${TOKEN}`,
            `Authorization: Bearer  ${TOKEN}`,
            `Authorization: Bearer ${TOKEN} `,
            `Authorization:\tBearer ${TOKEN}\t`,
          ];
          for (const route of GUARDED) {
            for (const line of variants) {
              const body = route.body ?? "";
              const answer = await raw(
                server,
                head(route.method, route.path, [
                  line,
                  "Content-Type: application/json",
                  `Content-Length: ${body.length}`,
                ]) + body,
              );
              const what = `${route.method} ${route.path} ${JSON.stringify(line)}`;
              assert(answer.status !== 401, `${what}: ${answer.raw.slice(0, 300)}`);
              assert(answer.status < 500 || answer.status === 501, `${what}: ${answer.raw}`);
            }
          }
        },
      );

      await t.step("an oversized body is refused with 413, however its size is told", async () => {
        const big = enc.encode(JSON.stringify({ table: "bars", pad: "x".repeat(LIMIT) }));
        for (const path of ["/migrate", ...BODY_ROUTES]) {
          const cases: Array<[string, Array<string | Uint8Array>]> = [
            ["true Content-Length", [
              head("POST", path, [
                auth,
                "Content-Type: application/json",
                `Content-Length: ${big.length}`,
              ]),
              big,
            ]],
            ["Content-Length over the limit, small body", [
              head("POST", path, [
                auth,
                "Content-Type: application/json",
                `Content-Length: ${LIMIT + 1}`,
              ]),
              "{}",
            ]],
            ["chunked, no Content-Length", [
              head("POST", path, [
                auth,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
              ]),
              ...chunked(big),
            ]],
            ["chunked in 4 KiB pieces, one byte over", [
              head("POST", path, [
                auth,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
              ]),
              ...chunked(new Uint8Array(LIMIT + 1).fill(0x20), 4096),
            ]],
          ];
          for (const [name, request] of cases) {
            const answer = await raw(server, request);
            assertEquals(answer.status, 413, `${path} ${name}: ${answer.raw.slice(0, 300)}`);
            assertEquals(errorCodeOf(answer, name), "MDS_ADMIN_PAYLOAD_TOO_LARGE");
          }
        }
      });

      await t.step(
        "a lying, conflicting or cut-short body is refused with 400 and never accepted",
        async () => {
          const big = "x".repeat(LIMIT + 10);
          for (const path of BODY_ROUTES) {
            // The server reads the 10 declared bytes; what follows is not read as this body.
            const short = await raw(server, [
              head("POST", path, [auth, "Content-Type: application/json", "Content-Length: 10"]),
              big,
            ]);
            assertEquals(short.status, 400, `${path} Content-Length below the body`);
            assertEquals(errorCodeOf(short, path), "MDS_ADMIN_BAD_JSON");
            // A body that ends before its declared length: the client gives up and half-closes.
            const cut = await raw(server, [
              head("POST", path, [auth, "Content-Type: application/json", "Content-Length: 100"]),
              '{"table":',
            ], { closeWrite: true });
            assertEquals(cut.status, 400, `${path} cut short: ${cut.raw.slice(0, 300)}`);
            assertEquals(errorCodeOf(cut, path), "MDS_ADMIN_BAD_JSON");
            const cutChunked = await raw(server, [
              head("POST", path, [
                auth,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
              ]),
              '64\r\n{"table":',
            ], { closeWrite: true });
            assertEquals(cutChunked.status, 400, `${path} chunk cut short: ${cutChunked.raw}`);
            assertEquals(errorCodeOf(cutChunked, path), "MDS_ADMIN_BAD_JSON");
            // Framing the HTTP layer refuses before the app sees it (request smuggling shapes).
            for (
              const lines of [
                ["Transfer-Encoding: chunked", "Content-Length: 5"],
                ["Content-Length: 2", "Content-Length: 3"],
                ["Content-Length: -1"],
                ["Content-Length: 1e3"],
              ]
            ) {
              const answer = await raw(server, [
                head("POST", path, [auth, "Content-Type: application/json", ...lines]),
                ...chunked(enc.encode('{"table":"bars","drop_after_days":30}')),
              ]);
              assertEquals(answer.status, 400, `${path} ${lines}: ${answer.raw.slice(0, 300)}`);
            }
          }
        },
      );

      await t.step(
        "malformed JSON, a wrong content type and the wrong shape answer 400 with a stable code",
        async () => {
          const send = (path: string, body: string | Uint8Array, type = "application/json") => {
            const bytes = typeof body === "string" ? enc.encode(body) : body;
            return raw(server, [
              head("POST", path, [
                auth,
                `Content-Type: ${type}`,
                `Content-Length: ${bytes.length}`,
              ]),
              bytes,
            ]);
          };
          const malformed: Array<[string, string | Uint8Array]> = [
            ["unclosed", "{"],
            ["text", "not json"],
            ["single quotes", "{'table': 'bars'}"],
            ["trailing garbage", '{"table":"bars"}x'],
            ["two documents", "{} {}"],
            ["NaN", '{"drop_after_days": NaN}'],
            ["NUL bytes", "\0\0\0\0"],
            ["invalid UTF-8", Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])],
            ["a million open brackets", "[".repeat(1_000_000)],
          ];
          const shapes: Array<[string, string]> = [
            ["array", "[]"],
            ["null", "null"],
            ["number", "42"],
            ["string", '"bars"'],
            ["boolean", "true"],
            ["nested arrays 400k deep", "[".repeat(400_000) + "]".repeat(400_000)],
            ["__proto__ key", '{"__proto__":{"admin":true},"tenant_id":"x"}'],
            ["wrong types", '{"tenant_id":1,"table":2,"aggregate":3,"symbol":4}'],
          ];
          for (const path of BODY_ROUTES) {
            for (const [name, body] of malformed) {
              const answer = await send(path, body);
              assertEquals(answer.status, 400, `${path} ${name}: ${answer.raw.slice(0, 300)}`);
              assertEquals(errorCodeOf(answer, name), "MDS_ADMIN_BAD_JSON", `${path} ${name}`);
            }
            for (const [name, body] of shapes) {
              const answer = await send(path, body);
              assertEquals(answer.status, 400, `${path} ${name}: ${answer.raw.slice(0, 300)}`);
              assertEquals(errorCodeOf(answer, name), "MDS_VALIDATION", `${path} ${name}`);
            }
            const form = await send(
              path,
              "table=bars&drop_after_days=30",
              "application/x-www-form-urlencoded",
            );
            assertEquals([form.status, errorCodeOf(form, "form")], [400, "MDS_ADMIN_BAD_JSON"]);
            const multipart = await send(
              path,
              '--b\r\nContent-Disposition: form-data; name="table"\r\n\r\nbars\r\n--b--\r\n',
              "multipart/form-data; boundary=b",
            );
            assertEquals(
              [multipart.status, errorCodeOf(multipart, "multipart")],
              [400, "MDS_ADMIN_BAD_JSON"],
            );
          }
          // The content type is not consulted: a JSON body is read as JSON under any type.
          const body = '{"table":"bars","drop_after_days":30}';
          const asJson = await send("/retention/apply", body);
          const asText = await send("/retention/apply", body, "text/plain");
          assertEquals(asText.status, asJson.status, asText.raw);
        },
      );

      await t.step("the server is still healthy, ready and counted no 500", async () => {
        const health = await get(server, "/health");
        assertEquals([health.status, JSON.parse(health.text).state], [200, "healthy"]);
        assertEquals((await get(server, "/readyz")).status, 200);
        assertEquals((await get(server, "/schema/version")).status, 200);
        const metrics = await get(server, "/metrics");
        assert(!/status="5\d\d"/.test(metrics.text.replaceAll('status="501"', "")), metrics.text);
        assert(metrics.text.includes('status="401"'), "401s are counted");
        assert(metrics.text.includes('status="413"'), "413s are counted");
      });
    } finally {
      const status = await server.stop();
      const [stdout, stderr] = [await server.stdout, await server.stderr];
      seen.push(stdout, stderr);
      assertEquals(status.code, 0, stderr);
    }

    await t.step("no response, header or log line holds the token or the password", () => {
      assert(seen.length > 300, `only ${seen.length} texts were collected`);
      for (const [i, text] of seen.entries()) assertNoSecret(text, secrets, `text ${i}`);
      const stdout = seen.at(-2)!;
      const records = stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
      // The password did reach the server's settings, and was hidden where the store is named.
      assertEquals(records.find((r) => r.msg === "listening")?.store, store.described);
      const errors = records.filter((r) => r.level === "error");
      assertEquals(errors, [], "no request failed on the server");
    });
  },
);
