// The API key statements tested as data: their text and parameters, without a database.
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { assertPlaceholders, assertTenantScoped, squash } from "../testing/sql_query.ts";
import {
  buildApiKeyLookup,
  buildApiKeyTouch,
  buildCreateApiKey,
  buildListApiKeys,
  buildRevokeApiKey,
} from "./api_key_queries.ts";

const ID = "0b3c1d5e-0000-4000-8000-00000000000a";
const HASH = "0f".repeat(32);

Deno.test("buildCreateApiKey() writes through the view and returns no hash", () => {
  const q = buildCreateApiKey({ name: "feed", secretHash: HASH, readOnly: false });
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, ["feed", HASH, false]);
  assertIncludes(squash(q.text), "VALUES ($1, decode($2, 'hex'), $3)");
  const returning = squash(q.text).split("RETURNING")[1]!;
  assert(!returning.includes("secret_hash"), returning);
  assertIncludes(returning, "id, tenant_id, name, read_only, created_at");
});

Deno.test("buildListApiKeys() lists the tenant's keys oldest first, never a hash", () => {
  const q = buildListApiKeys();
  assertTenantScoped(q);
  assertPlaceholders(q);
  assert(!q.text.includes("secret_hash") && !q.text.includes("*"), q.text);
  assertIncludes(q.text, "ORDER BY created_at, id");
});

Deno.test("buildRevokeApiKey() keeps the first revocation time", () => {
  const q = buildRevokeApiKey(ID);
  assertTenantScoped(q);
  assertPlaceholders(q);
  assertEquals(q.params, [ID]);
  assertIncludes(
    squash(q.text),
    "UPDATE mds.api_keys SET revoked_at = coalesce(revoked_at, now())",
  );
});

Deno.test("buildApiKeyLookup() and buildApiKeyTouch() go through the definer functions", () => {
  const lookup = buildApiKeyLookup(ID);
  assertPlaceholders(lookup);
  assertEquals(lookup.params, [ID]);
  assertIncludes(lookup.text, "FROM mds.api_key_lookup($1::uuid)");
  assertIncludes(lookup.text, "encode(secret_hash, 'hex') AS secret_hash");
  assert(!/\bmds_core\b/.test(lookup.text));
  const touch = buildApiKeyTouch(ID, HASH);
  assertPlaceholders(touch);
  assertEquals(touch.params, [ID, HASH]);
  assert(!/\bmds_core\b/.test(touch.text));
});
