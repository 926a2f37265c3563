// The client's configuration in the Python system's spellings: the tenant riding in the server
// URL, the write modes `executemany` and `values`, and the row thresholds `copyMinRows` and
// `batchRows` (MDS_COPY_MIN_ROWS, MDS_VALUES_PAGE_SIZE).
import {
  type Backend,
  ConfigError,
  createClient,
  createPgliteBackend,
  type Transaction,
  type WriteMode,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant } from "../testing/backends.ts";

const bars = (n: number, symbol = "AAPL") =>
  Array.from({ length: n }, (_, i) => ({
    ts: new Date(Date.UTC(2024, 0, 2, 14, 30) + i * 60_000).toISOString(),
    vendor: "polygon",
    symbol,
    timeframe: "1m",
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
  }));

/**
 * PGlite that says it is a server, so `auto` may choose COPY, counting COPYs and `unnest`
 * upserts.
 */
async function countingBackend(): Promise<
  Backend & { counts: { copy: number; unnest: number } }
> {
  const inner = await createPgliteBackend();
  const counts = { copy: 0, unnest: 0 };
  return {
    ...inner,
    kind: "postgres",
    counts,
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      inner.transaction((tx) =>
        fn({
          query: (text, params) => {
            if (/unnest\(\$[\s\S]*INSERT INTO mds\.bars /.test(text)) counts.unnest++;
            return tx.query(text, params);
          },
          copyIn: (target, source) => {
            counts.copy++;
            return tx.copyIn(target, source);
          },
        })
      ),
  };
}

Deno.test("createClient() copies from copyMinRows rows in auto mode, and sends batchRows rows per unnest statement", async () => {
  await using backend = await countingBackend();
  await using client = await createClient({
    backend,
    migrate: true,
    copyMinRows: 10,
    batchRows: 4,
  });
  const t = client.tenant(newTenant());
  await t.upsertBars(bars(9));
  assertEquals(backend.counts, { copy: 0, unnest: 3 }, "9 rows: unnest, 4 per statement");
  await t.upsertBars(bars(10, "MSFT"));
  assertEquals(backend.counts, { copy: 1, unnest: 3 }, "10 rows: COPY");
  await t.upsertBars(bars(10, "NVDA"), { batchRows: 100, mode: "insert" });
  assertEquals(backend.counts, { copy: 1, unnest: 4 }, "a call's batchRows wins");
});

Deno.test("the write modes executemany and values are the unnest upsert, never COPY", async () => {
  for (const mode of ["executemany", "values"] as WriteMode[]) {
    await using backend = await countingBackend();
    await using client = await createClient({ backend, migrate: true, copyMinRows: 1 });
    const t = client.tenant(newTenant());
    const first = await t.upsertBars(bars(5), { mode });
    assertEquals([first.inserted, backend.counts.copy, backend.counts.unnest], [5, 0, 1], mode);
    await using byDefault = await createClient({ backend, writeMode: mode, copyMinRows: 1 });
    const again = await byDefault.tenant(t.tenant).upsertBars(bars(5));
    assertEquals([again.unchanged, backend.counts.copy, backend.counts.unnest], [5, 0, 2], mode);
  }
});

Deno.test("createClient() refuses a bad copyMinRows, batchRows, writeMode or pool setting before connecting", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ pool: { max: 0 } }, "pool.max"],
    [{ pool: { prepare: "no" } }, "pool.prepare"],
    [{ copyMinRows: 0 }, "copyMinRows"],
    [{ copyMinRows: 1.5 }, "copyMinRows"],
    [{ batchRows: 0 }, "batchRows"],
    [{ batchRows: 1_000_001 }, "batchRows"],
    [{ writeMode: "bulk" }, "writeMode"],
  ];
  for (const [options, option] of cases) {
    const err = await assertRejects(
      () => createClient({ url: "postgres://u@127.0.0.1:1/x", ...options }),
      ConfigError,
    );
    assertEquals(err.option, option);
  }
});

Deno.test("createClient() refuses a URL whose app.tenant_id is not a UUID, naming url and hiding the password", async () => {
  const err = await assertRejects(
    () =>
      createClient({
        url: "postgres://app:s3cret@127.0.0.1:1/mds?options=-c%20app.tenant_id%3Dacme",
        tenant: newTenant(),
      }),
    ConfigError,
  );
  assertEquals(err.option, "url");
  assert(err.message.includes("app.tenant_id"), err.message);
  assert(!err.message.includes("s3cret"), err.message);
});

backendSuite("a server URL's options=-c app.tenant_id", {
  "is the client's default tenant and never a session setting; other -c settings stay": async (
    db,
  ) => {
    const tenant = newTenant();
    const options = `-c app.tenant_id=${tenant} -c statement_timeout=4321`;
    const url = `${db.url!}?options=${encodeURIComponent(options)}`;
    await using client = await createClient({ url, pool: { max: 1 } });
    assertEquals(client.tenant().tenant, tenant);
    assertEquals((await client.tenant().upsertBars(bars(3))).inserted, 3);
    assertEquals((await client.tenant(tenant).latestPrices(["AAPL"])).length, 1);
    const [session] = await client.backend.query<{ tenant: string | null; timeout: string }>(
      "SELECT current_setting('app.tenant_id', true) AS tenant, current_setting('statement_timeout') AS timeout",
    );
    assertEquals(session?.timeout, "4321ms");
    assert(!session?.tenant, `app.tenant_id is set on the session: ${session?.tenant}`);
  },
  "gives way to an explicit tenant option": async (db) => {
    const inUrl = newTenant();
    const explicit = newTenant();
    const url = `${db.url!}?options=-c%20app.tenant_id%3D${inUrl}`;
    await using client = await createClient({ url, tenant: explicit });
    assertEquals(client.tenant().tenant, explicit);
    await client.tenant().upsertBars(bars(2));
    assertEquals((await client.tenant(inUrl).latestPrices(["AAPL"])).length, 0);
    assertEquals((await client.tenant(explicit).latestPrices(["AAPL"])).length, 1);
  },
}, { only: ["postgres"] });
