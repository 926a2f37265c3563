// Reads in one round trip: a server backend's readUnit sends the tenant scope and the read as one
// simple-protocol message. These tests hold what that must not change: the same answers as the
// parameterised statement, nothing left on the pooled connection, nothing written, and the
// client's reads going that way (and only outside a shared transaction).
import {
  type Backend,
  createClient,
  createPostgresBackend,
  MdsError,
  PermissionDeniedError,
} from "@mds/client";
import type { SqlQuery } from "@mds/sql";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant } from "../testing/backends.ts";

/** What a connection carries between units of work. */
const LEFT_OVER = "SELECT coalesce(current_setting('app.tenant_id', true), '') AS tenant, " +
  "current_setting('transaction_read_only') AS read_only, current_user AS role";

/** `real`, counting the units of work the client asks of it. */
function counting(real: Backend): Backend & { units: { read: number; transaction: number } } {
  const units = { read: 0, transaction: 0 };
  return {
    ...real,
    units,
    readUnit: <T>(statements: readonly SqlQuery[]) => {
      units.read++;
      return real.readUnit!<T>(statements);
    },
    transaction: (fn, options) => {
      units.transaction++;
      return real.transaction(fn, options);
    },
  };
}

backendSuite("readUnit", {
  "answers the last statement's rows, with the parameters as the statement had them": async (
    db,
  ) => {
    const q = {
      text: `SELECT $1::text AS s, $2::timestamptz AS t, $3::text[] AS a, $4::int AS n,
                    $5::float8 AS f, $6::boolean AS b, $7::text AS z, $8::bigint AS big`,
      params: [
        'o\'n\\e "x" ü $1',
        new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
        ["A", 'q"t', "b\\s", "it's", null, "", "€😀", "\uD800"],
        42,
        -1.25e-7,
        true,
        null,
        2 ** 53 - 1,
      ],
    };
    const comment = { text: "SELECT 1 -- a statement may end in a line comment", params: [] };
    const inlined = await db.backend.readUnit!([comment, q]);
    assertEquals(inlined, await db.backend.query(q.text, q.params));
    const [row] = inlined as { s: string; t: Date; big: number }[];
    assertEquals([row?.s, row?.t, row?.big], [q.params[0], q.params[1], q.params[7]]);
  },
  "decodes every kind of value as postgres.js does, in the common forms and the rare ones": async (
    db,
  ) => {
    // what the client's read decoder reads from bytes (numbers, UTC timestamps, ASCII text) and
    // what it leaves to postgres.js's parsers, side by side with the parameterised statement
    const random = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rand = random(7);
    const floats = [
      0,
      -0,
      0.1 + 0.2,
      1e-7,
      -1.25e-7,
      100.5,
      185.12,
      1e21,
      123456789.123456,
      1.7976931348623157e308,
      5e-324,
      NaN,
      Infinity,
      -Infinity,
      ...Array.from({ length: 500 }, (_, i) => Math.round(rand() * 10 ** (i % 9)) / 10 ** (i % 7)),
      ...Array.from({ length: 500 }, () => (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20)),
    ];
    const numbers = {
      text: `SELECT f, CASE WHEN abs(f) BETWEEN 1e-30 AND 1e30 THEN f::float4 END AS f4,
                    (f * 0)::int AS i4, $2::bigint AS i8, $3::numeric AS num
             FROM unnest($1::float8[]) AS f WHERE f = f AND abs(f) < 1e18
             UNION ALL SELECT f, NULL, NULL, NULL, NULL FROM unnest($1::float8[]) AS f`,
      params: [floats, 2 ** 53 - 1, "12345678901234567890.5"],
    };
    assertEquals(
      await db.backend.readUnit!([numbers]),
      await db.backend.query(numbers.text, numbers.params),
    );
    const times = {
      text: `SELECT t, t::date AS d, t::timestamp AS naive FROM unnest($1::timestamptz[]) AS t
             UNION ALL SELECT t, NULL, NULL FROM unnest(ARRAY['infinity', '-infinity',
               '0099-03-15 12:00:00+00', '0044-03-15 12:00:00+00 BC', '1000-01-01 00:00:00+00',
               '2024-01-02 14:30:00.123456+00', '2024-01-02 14:30:00.5+00',
               '9999-12-31 23:59:59.999999+00']::timestamptz[]) AS t`,
      params: [
        Array.from({ length: 300 }, () => new Date(Math.floor(rand() * 4e12)).toISOString()),
      ],
    };
    assertEquals(
      await db.backend.readUnit!([times]),
      await db.backend.query(times.text, times.params),
    );
    // another zone: the offsets are not +00, so postgres.js's parser reads them
    const zoned = [{ text: "SET LOCAL TimeZone = 'Asia/Kolkata'", params: [] }, times];
    const [first] = await db.backend.readUnit!<{ t: Date }>(zoned);
    assertEquals(first?.t, (await db.backend.query<{ t: Date }>(times.text, times.params))[0]?.t);
    const others = {
      text: `SELECT $1::text AS ascii, $2::text AS long, $3::text AS utf8, ''::text AS empty,
                    'x'::varchar(3) AS v, 'y'::char(3) AS c, $4::uuid AS id, $5::date AS day,
                    '{"a": [1, "b"]}'::jsonb AS doc, '{"z": null}'::json AS j, true AS yes,
                    $6::text[] AS list, ARRAY[1.5, NULL]::float8[] AS nums,
                    '\\x00ff'::bytea AS bin, 'name'::name AS n, interval '1 day' AS span,
                    point(1, 2) AS pt`,
      // no string bound to a json or bytea parameter: postgres.js, which asks the server for
      // each parameter's type, would encode it as JSON or hex (see inlineParams)
      params: ["AAPL", "L".repeat(200), "ünï €😀", newTenant(), "2024-02-29", ["A", "b c", null]],
    };
    assertEquals(
      await db.backend.readUnit!([others]),
      await db.backend.query(others.text, others.params),
    );
  },
  "leaves no tenant, role or read-only flag on the connection, after success or failure": async (
    db,
  ) => {
    await using pool = db.connect({ max: 1 }); // one connection: the next statement shares it
    const tenant = newTenant();
    const scope = {
      text: "SELECT set_config('app.tenant_id', $1, true), set_config('role', 'mds_app', true)",
      params: [tenant],
    };
    const [inside] = await pool.readUnit!<{ tenant: string; read_only: string; role: string }>(
      [scope, { text: LEFT_OVER, params: [] }],
    );
    assertEquals(inside, { tenant, read_only: "on", role: "mds_app" });
    const before = await pool.query<{ role: string }>("SELECT current_user AS role");
    assertEquals(await pool.query(LEFT_OVER), [{ tenant: "", read_only: "off", ...before[0] }]);
    const err = await assertRejects(
      () => pool.readUnit!([scope, { text: "SELECT 1 / $1::int AS x", params: [0] }]),
      MdsError,
    );
    assert(/division by zero/i.test(err.message), err.message);
    assertEquals(await pool.query(LEFT_OVER), [{ tenant: "", read_only: "off", ...before[0] }]);
  },
  "writes nothing: a write inside it is refused as in a read-only transaction": async (db) => {
    const table = `ru_probe_${newTenant().slice(0, 8)}`;
    const err = await assertRejects(
      () => db.backend.readUnit!([{ text: `CREATE TABLE ${table} (a int)`, params: [] }]),
      MdsError,
    );
    assertEquals(err.sqlState, "25006");
    assertEquals(
      await db.backend.query("SELECT to_regclass($1) IS NULL AS absent", [table]),
      [{ absent: true }],
    );
  },
  "a tenant's reads take one unit each, and share the transaction inside withTenant": async (
    db,
  ) => {
    const backend = counting(db.backend);
    await using client = await createClient({ backend, migrate: false });
    const [a, b] = [newTenant(), newTenant()];
    const bar = (close: number) => ({
      ts: Date.UTC(2024, 0, 2, 14, 30 + close), // each tenant's cursor stands at its own time
      vendor: "v",
      symbol: "RU",
      timeframe: "1m",
      open: close,
      high: close,
      low: close,
      close,
    });
    await client.tenant(a).upsertBars([bar(1)]);
    await client.tenant(b).upsertBars([bar(2)]);
    const window = { symbol: "RU", timeframe: "1m", start: 0, end: Date.UTC(2030, 0) } as const;
    backend.units.read = backend.units.transaction = 0;
    const bars = await client.tenant(a).barsWindow(window);
    const prices = await client.tenant(b).latestPrices(["RU"]);
    const cursors = await client.tenant(a).cursors();
    assertEquals(backend.units, { read: 3, transaction: 0 });
    // the reads of the macro series, the universe and the job queue too
    const t = client.tenant(a);
    await t.macro.latest();
    await t.universe.list();
    await t.universe.seriesCursors();
    await t.jobs.listJobs({ state: "dead" });
    assertEquals(backend.units, { read: 7, transaction: 0 });
    backend.units.read = 3;
    assertEquals(bars.map((x) => [x.tenant_id, x.close]), [[a, 1]]);
    assertEquals(prices.map((p) => [p.tenant_id, p.price]), [[b, 2]]);
    assertEquals(cursors.map((c) => c.last_ts.getTime()), [Date.UTC(2024, 0, 2, 14, 31)]);
    const shared = await client.withTenant(b, async (t) => {
      await t.upsertBars([bar(3)]);
      return await t.barsWindow(window); // sees its own uncommitted write
    });
    assertEquals(shared.map((x) => x.close), [2, 3]);
    assertEquals(backend.units, { read: 3, transaction: 1 });
  },
  "a login role that may not switch to the application role is told the grant it needs": async (
    db,
  ) => {
    const login = `mds_ru_${newTenant().slice(0, 8)}`;
    await db.backend.query(`CREATE ROLE ${login} LOGIN`);
    try {
      const url = new URL(db.url!);
      url.username = login;
      await using pool = createPostgresBackend({ url: url.toString(), max: 1 });
      await using client = await createClient({ backend: pool, migrate: false });
      const err = await assertRejects(
        () => client.tenant(newTenant()).latestPrices(["RU"]),
        PermissionDeniedError,
      );
      assert(err.message.includes(`GRANT mds_app TO <login role>`), err.message);
    } finally {
      await db.backend.query(`DROP ROLE ${login}`);
    }
  },
}, { only: ["postgres", "timescale"] });
