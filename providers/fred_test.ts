// The FRED adapter: against the fake FRED on 127.0.0.1 (every vintage, paging, revisions, "."
// as null, errors mapped to the provider codes) and on a stub fetch for broken bodies.
import { assertEquals, assertRejects, assertThrows } from "../testing/assert.ts";
import { startFakeFred } from "../testing/fake_fred.ts";
import { ProviderError } from "./errors.ts";
import { createFredSource, FRED_ALL_VINTAGES } from "./fred.ts";

const code = async (p: Promise<unknown>): Promise<string> => {
  const e = await assertRejects(() => p, ProviderError);
  return (e as ProviderError).providerCode;
};

Deno.test("FRED observations come with every vintage, missing values as null", async () => {
  await using fake = startFakeFred();
  const fred = createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  const cpi = await fred.fetchObservations("cpiaucsl");
  assertEquals(cpi.filter((o) => o.date === "2023-10-01"), [
    { key: "CPIAUCSL", date: "2023-10-01", value: 307.671, realtime_start: "2023-11-14" },
    { key: "CPIAUCSL", date: "2023-10-01", value: 307.531, realtime_start: "2024-02-13" },
  ]);
  const dgs = await fred.fetchObservations("DGS10", { start: "2024-01-10" });
  assertEquals(dgs.map((o) => [o.date, o.value]), [["2024-01-15", null], ["2024-01-16", 4.07]]);
  const [req] = fake.log.filter((r) => r.endpoint === "series/observations").slice(-1);
  assertEquals(
    [req?.params.realtime_start, req?.params.realtime_end, req?.params.observation_start],
    [FRED_ALL_VINTAGES.start, FRED_ALL_VINTAGES.end, "2024-01-10"],
  );
  assertEquals(req?.params.file_type, "json");
  // the key travels as api_key and is never logged by the fake's request log
  assertEquals("api_key" in (req?.params ?? {}), false);
});

Deno.test("FRED series metadata: title, units and frequency", async () => {
  await using fake = startFakeFred();
  const fred = createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  const s = await fred.fetchSeries("DGS10");
  assertEquals([s.key, s.units, s.frequency], ["DGS10", "Percent", "Daily"]);
});

Deno.test("FRED pages follow count and offset", async () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({
    realtime_start: "2024-02-01",
    realtime_end: "9999-12-31",
    date: `2024-01-0${i + 1}`,
    value: String(i),
  }));
  let calls = 0;
  const fred = createFredSource({
    apiKey: "k",
    fetch: (url) => {
      calls++;
      const offset = Number(new URL(String(url)).searchParams.get("offset"));
      return Promise.resolve(
        Response.json({ count: 5, offset, observations: rows.slice(offset, offset + 2) }),
      );
    },
  });
  assertEquals((await fred.fetchObservations("X")).map((o) => o.value), [0, 1, 2, 3, 4]);
  assertEquals(calls, 3);
});

Deno.test("FRED errors map to the provider codes", async () => {
  await using fake = startFakeFred();
  const fred = createFredSource({ apiKey: fake.apiKey, baseUrl: fake.baseUrl });
  const wrongKey = createFredSource({ apiKey: "nope", baseUrl: fake.baseUrl });
  assertEquals(await code(wrongKey.fetchObservations("DGS10")), "PROVIDER_AUTH");
  assertEquals(await code(fred.fetchSeries("NOSUCHSERIES")), "PROVIDER_BAD_REQUEST");
  fake.fail(429, "Too Many Requests.  Exceeded Rate Limit");
  assertEquals(await code(fred.fetchObservations("DGS10")), "PROVIDER_RATE_LIMITED");
  fake.fail(500, "Internal Server Error");
  assertEquals(await code(fred.fetchObservations("DGS10")), "PROVIDER_UNAVAILABLE");
  fake.fail(403, "Forbidden");
  assertEquals(await code(fred.fetchSeries("DGS10")), "PROVIDER_AUTH");
  // an error never quotes the key
  fake.fail(400, "Bad Request.  Variable api_key is not set.");
  const e = await assertRejects(() => fred.fetchSeries("DGS10"), ProviderError);
  assertEquals(e.message.includes(fake.apiKey), false);
});

Deno.test("FRED bodies that are not FRED's format fail naming the field", async () => {
  const stub = (body: unknown) =>
    createFredSource({ apiKey: "k", fetch: () => Promise.resolve(Response.json(body)) });
  const row = { realtime_start: "2024-01-03", realtime_end: "9999-12-31", date: "2024-01-02" };
  const bad = async (body: unknown) => {
    const e = await assertRejects(() => stub(body).fetchObservations("X"), ProviderError);
    return [(e as ProviderError).providerCode, (e as ProviderError).field];
  };
  assertEquals(await bad({ count: 1, observations: [{ ...row, value: "n/a" }] }), [
    "PROVIDER_BAD_RESPONSE",
    "observations[0].value",
  ]);
  assertEquals(await bad({ count: 1, observations: [{ ...row, date: "Jan 2", value: "1" }] }), [
    "PROVIDER_BAD_RESPONSE",
    "observations[0].date",
  ]);
  assertEquals(await bad({ observations: [] }), ["PROVIDER_BAD_RESPONSE", "count"]);
});

Deno.test("createFredSource() refuses a missing key and bad arguments before any request", async () => {
  assertThrows(() => createFredSource({ apiKey: " " }), TypeError);
  const fred = createFredSource({ apiKey: "k", fetch: () => Promise.reject(new Error("sent")) });
  await assertRejects(() => fred.fetchObservations("DGS 10"), TypeError);
  await assertRejects(() => fred.fetchObservations("DGS10", { start: "2024-13-01" }), TypeError);
});
