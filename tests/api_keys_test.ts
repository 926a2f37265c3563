// API keys over the backend matrix: a key verifies to its tenant and rights, and nothing else
// does (a wrong secret, an unknown id, a malformed or revoked key); listings carry no secret; a
// tenant reaches only its own keys; the store keeps a hash, never the key; the lookup function is
// the application role's alone.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import {
  ApiKeysApi,
  createClient,
  type MdsClient,
  PermissionDeniedError,
  TenantDeniedError,
  ValidationError,
} from "@mds/client";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { asApp } from "../testing/app_role.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

async function clientFor(db: TestDb): Promise<MdsClient> {
  return await createClient({ backend: db.backend, migrate: false });
}

/** The key with the last secret character changed to another canonical one: a wrong secret. */
function otherSecret(key: string): string {
  return key.slice(0, -1) + (key.endsWith("A") ? "Q" : "A");
}

/** A key's stored row, read as the store's owner. */
async function stored(db: TestDb, id: string): Promise<Record<string, unknown>> {
  const [row] = await db.backend.query(
    `SELECT id::text, tenant_id::text, name, encode(secret_hash, 'hex') AS secret_hash, read_only,
            created_at, last_used_at, revoked_at
     FROM mds_core.api_keys WHERE id = $1`,
    [id],
  );
  assert(row !== undefined, `key ${id} is not stored`);
  return row;
}

backendSuite("API keys", {
  "a new key verifies to its tenant, read-only by default, read-write on request": async (db) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const ro = await client.apiKeys.create(tenant.toUpperCase(), { name: " feed " });
    assertEquals(
      { ...ro, key: undefined, id: undefined, created_at: undefined },
      {
        key: undefined,
        id: undefined,
        created_at: undefined,
        tenant,
        name: "feed",
        read_only: true,
      },
    );
    assert(ro.created_at instanceof Date);
    assertEquals(ro.key.slice(0, 37), `mds_${ro.id.replaceAll("-", "")}_`);
    assertEquals(ro.key.length, 80);
    assertEquals(await client.apiKeys.verify(ro.key), { id: ro.id, tenant, readOnly: true });
    const rw = await client.apiKeys.create(tenant, { readOnly: false });
    assertEquals(rw.name, "");
    assertEquals(await client.apiKeys.verify(rw.key), { id: rw.id, tenant, readOnly: false });
    assert(rw.key !== ro.key && rw.id !== ro.id);
  },

  "a wrong secret, an unknown id and malformed keys verify to null without throwing": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const { key, id } = await client.apiKeys.create(newTenant());
    assert((await client.apiKeys.verify(key)) !== null, "positive control");
    const unknown = `mds_${crypto.randomUUID().replaceAll("-", "")}${key.slice(36)}`;
    const bad: unknown[] = [
      otherSecret(key),
      unknown,
      key.slice(0, -1),
      key + "A",
      key.toUpperCase(),
      ` ${key}`,
      `Bearer ${key}`,
      key.replace("mds_", "mdx_"),
      id,
      "",
      "mds_",
      "mds_' OR 1=1 --",
      "\u0000".repeat(80),
      "x".repeat(1_000_000),
      undefined,
      null,
      42,
      { key },
    ];
    for (const k of bad) {
      assertEquals(await client.apiKeys.verify(k as string), null, JSON.stringify(k)?.slice(0, 80));
    }
  },

  "a revoked key verifies to null, and revoking is idempotent": async (db) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const { key, id } = await client.apiKeys.create(tenant);
    const other = await client.apiKeys.create(tenant);
    assertEquals(await client.apiKeys.revoke(tenant, id), true);
    assertEquals(await client.apiKeys.verify(key), null);
    const first = (await client.apiKeys.list(tenant)).find((k) => k.id === id)?.revoked_at;
    assert(first instanceof Date);
    assertEquals(await client.apiKeys.revoke(tenant, id.toUpperCase()), true);
    assertEquals((await client.apiKeys.list(tenant)).find((k) => k.id === id)?.revoked_at, first);
    assertEquals(await client.apiKeys.revoke(tenant, crypto.randomUUID()), false);
    assertEquals((await client.apiKeys.verify(other.key))?.id, other.id, "the other key stays");
    await assertRejects(() => client.apiKeys.revoke(tenant, "abc"), ValidationError);
  },

  "a listing shows the tenant's keys oldest first and no secret or hash": async (db) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const a = await client.apiKeys.create(tenant, { name: "a" });
    const b = await client.apiKeys.create(tenant, { name: "b", readOnly: false });
    await client.apiKeys.revoke(tenant, a.id);
    const listed = await client.apiKeys.list(tenant);
    assertEquals(listed.map((k) => [k.id, k.name, k.read_only, k.revoked_at !== null]), [
      [a.id, "a", true, true],
      [b.id, "b", false, false],
    ]);
    for (const k of listed) {
      assertEquals(Object.keys(k).sort(), [
        "created_at",
        "id",
        "last_used_at",
        "name",
        "read_only",
        "revoked_at",
        "tenant",
      ]);
    }
    const text = JSON.stringify(listed);
    for (const created of [a, b]) {
      assert(!text.includes(created.key.slice(37)), "a listing carries a secret");
      assert(!text.includes(String((await stored(db, created.id)).secret_hash)), "a hash");
    }
  },

  "one tenant can neither list nor revoke another's keys": async (db) => {
    await using client = await clientFor(db);
    const [a, b] = [newTenant(), newTenant()];
    const key = await client.apiKeys.create(a, { name: "mine" });
    assertEquals(await client.apiKeys.list(b), []);
    assertEquals(await client.apiKeys.revoke(b, key.id), false);
    assertEquals((await client.apiKeys.verify(key.key))?.tenant, a);
    // Through the view itself, as the application role: B touches nothing of A's.
    const touched = await asApp(db.backend, b, async (tx) => [
      ...(await tx.query("SELECT id FROM mds.api_keys")),
      ...(await tx.query("UPDATE mds.api_keys SET revoked_at = now() RETURNING id")),
      ...(await tx.query("UPDATE mds.api_keys SET read_only = false RETURNING id")),
      ...(await tx.query("DELETE FROM mds.api_keys RETURNING id")),
    ]);
    assertEquals(touched, []);
    const err = await assertRejects(
      () =>
        asApp(db.backend, b, (tx) =>
          tx.query(
            "INSERT INTO mds.api_keys (tenant_id, secret_hash) VALUES ($1, decode($2, 'hex'))",
            [a, "00".repeat(32)],
          )),
      TenantDeniedError,
    );
    assertEquals(err.sqlState, "44000");
    const row = await stored(db, key.id);
    assertEquals([row.revoked_at, row.read_only], [null, true]);
    assertEquals(
      await asApp(db.backend, null, (tx) => tx.query("SELECT id FROM mds.api_keys")),
      [],
    );
  },

  "the store keeps SHA-256 of the secret, never the key, and the role cannot read it back": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const { key, id } = await client.apiKeys.create(tenant);
    const row = await stored(db, id);
    const secret = Buffer.from(key.slice(37), "base64url");
    assertEquals(row.secret_hash, createHash("sha256").update(secret).digest("hex"));
    const text = JSON.stringify(row);
    assert(!text.includes(key) && !text.includes(key.slice(37)), "the secret is stored");
    assert(!text.includes(secret.toString("hex")), "the secret's bytes are stored");
    const err = await assertRejects(
      () => asApp(db.backend, tenant, (tx) => tx.query("SELECT secret_hash FROM mds.api_keys")),
      PermissionDeniedError,
    );
    assertEquals(err.sqlState, "42501");
    await assertRejects(
      () => asApp(db.backend, tenant, (tx) => tx.query("SELECT * FROM mds.api_keys")),
      PermissionDeniedError,
    );
  },

  "verification sets last_used_at at most once a minute, and only for the right secret": async (
    db,
  ) => {
    await using client = await clientFor(db);
    const { key, id } = await client.apiKeys.create(newTenant());
    assertEquals(await client.apiKeys.verify(otherSecret(key)), null);
    assertEquals((await stored(db, id)).last_used_at, null);
    await client.apiKeys.verify(key);
    const first = (await stored(db, id)).last_used_at;
    assert(first instanceof Date, "a verified key records its use");
    await client.apiKeys.verify(key);
    assertEquals((await stored(db, id)).last_used_at, first, "touched again within a minute");
    await db.backend.query(
      "UPDATE mds_core.api_keys SET last_used_at = last_used_at - interval '2 minutes' WHERE id = $1",
      [id],
    );
    const aged = (await stored(db, id)).last_used_at as Date;
    await client.apiKeys.verify(key);
    assert(((await stored(db, id)).last_used_at as Date) > aged, "a minute-old use is refreshed");
  },

  "the lookup functions run as their owner with a pinned search path, for mds_app only": async (
    db,
  ) => {
    const fns = await db.backend.query<
      { name: string; definer: boolean; config: string[] | null; acl: string }
    >(
      `SELECT p.proname AS name, p.prosecdef AS definer, p.proconfig AS config,
              coalesce(p.proacl::text, '') AS acl
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'mds' AND p.proname LIKE 'api\\_key\\_%' ESCAPE '\\'
       ORDER BY 1`,
    );
    assertEquals(fns.map((f) => f.name), ["api_key_lookup", "api_key_touch"]);
    for (const f of fns) {
      assertEquals(f.definer, true, f.name);
      assertEquals(f.config, ["search_path=pg_catalog, mds_core, pg_temp"], f.name);
      assert(f.acl.includes("mds_app=X/"), `${f.name}: mds_app may not execute it (${f.acl})`);
      assert(!/[{,]=X\//.test(f.acl), `${f.name}: PUBLIC may execute it (${f.acl})`);
    }
    const outsider = `mds_keys_outsider_${crypto.randomUUID().slice(0, 8)}`;
    await db.backend.query(`CREATE ROLE ${outsider} NOLOGIN`);
    try {
      const err = await assertRejects(
        () =>
          db.backend.transaction(async (tx) => {
            await tx.query(`SET LOCAL ROLE ${outsider}`);
            await tx.query("SELECT * FROM mds.api_key_lookup($1)", [crypto.randomUUID()]);
          }),
        PermissionDeniedError,
      );
      assertEquals(err.sqlState, "42501");
    } finally {
      await db.backend.query(`DROP ROLE ${outsider}`);
    }
  },

  "create() and revoke() check their arguments before any work": async (db) => {
    await using client = await clientFor(db);
    const tenant = newTenant();
    const cases: [() => Promise<unknown>, string][] = [
      [() => client.apiKeys.create("acme"), "tenant"],
      [() => client.apiKeys.create(tenant, { name: "a\u0007b" }), "name"],
      [() => client.apiKeys.create(tenant, { name: "x".repeat(201) }), "name"],
      [() => client.apiKeys.create(tenant, { readOnly: "no" as unknown as boolean }), "readOnly"],
      [() => client.apiKeys.list("acme"), "tenant"],
      [() => client.apiKeys.revoke(tenant, "mds_x"), "id"],
    ];
    for (const [fn, field] of cases) {
      assertEquals((await assertRejects(fn, ValidationError)).field, field);
    }
    assertEquals(await client.apiKeys.list(tenant), []);
    assert(client.apiKeys instanceof ApiKeysApi && client.apiKeys === client.apiKeys);
  },
});
