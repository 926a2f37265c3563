// `mds api-keys create|list|revoke`, end to end: each command runs as a real subprocess
// (`deno run cli/main.ts`) on an embedded store in a temporary directory; the keys it prints are
// then checked with the client.
import { createClient } from "@mds/client";
import { assert, assertEquals, assertIncludes } from "../testing/assert.ts";
import { cleanEnv, type Env, expectExit, jsonLines, type Run } from "../testing/cli.ts";
import { newTenant } from "../testing/backends.ts";

function run(code: number, args: readonly string[], env: Env): Promise<Run> {
  return expectExit(code, args, { env });
}

// deno-lint-ignore no-explicit-any
const lines = (stdout: string): any[] => jsonLines(stdout);

/** The `key: value` lines of a text result. */
function fields(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout.trimEnd().split("\n").map((l) => {
      const [k, ...v] = l.split(/\s+/);
      return [k!, v.join(" ")];
    }),
  );
}

/** Verifies keys on the embedded store, after the commands have let go of it. */
async function verify(dir: string, key: string) {
  await using client = await createClient({ dataDir: `${dir}/data` });
  return await client.apiKeys.verify(key);
}

async function withStore(fn: (dir: string, env: Env, tenant: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "mds_cli_api_keys_" });
  const tenant = newTenant();
  try {
    await fn(dir, cleanEnv({ MDS_DATA_DIR: `${dir}/data`, MDS_TENANT_ID: tenant }), tenant);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mds api-keys creates, lists and revokes the tenant's keys", async (t) => {
  await withStore(async (dir, env, tenant) => {
    let readOnly = { id: "", key: "" };
    let readWrite = { id: "", key: "" };

    await t.step("create prints the key once, read-only, with a warning on stderr", async () => {
      const out = await run(0, ["api-keys", "create", "--name", "dashboard"], env);
      const f = fields(out.stdout);
      assertEquals(Object.keys(f), ["id", "key", "tenant", "name", "read_only", "created_at"]);
      assertEquals([f.tenant, f.name, f.read_only], [tenant, "dashboard", "true"]);
      assert(/^mds_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/.test(f.key!), f.key);
      assertIncludes(out.stderr, "shown only once");
      assert(!out.stderr.includes(f.key!), "the key went to stderr");
      readOnly = { id: f.id!, key: f.key! };
      assertEquals(await verify(dir, readOnly.key), { id: readOnly.id, tenant, readOnly: true });
    });

    await t.step("create --read-write --json prints one object with id and key", async () => {
      const out = await run(0, ["api-keys", "create", "--read-write", "--json"], env);
      const objects = lines(out.stdout);
      assertEquals(objects.length, 1);
      const [k] = objects;
      assertEquals([k.tenant, k.name, k.read_only], [tenant, "", false]);
      readWrite = { id: k.id, key: k.key };
      assertEquals(await verify(dir, readWrite.key), { id: k.id, tenant, readOnly: false });
    });

    await t.step("list shows the keys oldest first, never a secret", async () => {
      const table = await run(0, ["api-keys", "list"], env);
      const [header, rule, ...rows] = table.stdout.trimEnd().split("\n");
      assertEquals(header!.split(/\s+/), [
        "id",
        "name",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
      ]);
      assert(rule!.startsWith("---"));
      // the second key has no name: its read_only column follows its id
      assertEquals(rows.map((r) => r.split(/\s+/).slice(0, 2)), [
        [readOnly.id, "dashboard"],
        [readWrite.id, "false"],
      ]);
      assertEquals(rows[0]!.split(/\s+/)[2], "true");
      const json = await run(0, ["api-keys", "list", "--json"], env);
      const listed = lines(json.stdout);
      assertEquals(listed.map((k) => [k.id, k.name, k.read_only, k.revoked_at]), [
        [readOnly.id, "dashboard", true, null],
        [readWrite.id, "", false, null],
      ]);
      assert(listed[0].last_used_at !== null, "the verified key shows its last use");
      for (const output of [table.stdout, json.stdout]) {
        for (const k of [readOnly, readWrite]) {
          assert(!output.includes(k.key.slice(37)), "a listing shows a secret");
        }
        assert(!/secret|hash|"key"/.test(output), output);
      }
    });

    await t.step("revoke takes the key out of service at once", async () => {
      const out = await run(0, ["api-keys", "revoke", readOnly.id.toUpperCase()], env);
      assertEquals(out.stdout, `revoked ${readOnly.id}\n`);
      assertEquals(await verify(dir, readOnly.key), null);
      assertEquals((await verify(dir, readWrite.key))?.id, readWrite.id);
      const again = await run(0, ["api-keys", "revoke", readOnly.id, "--json"], env);
      assertEquals(lines(again.stdout), [{ id: readOnly.id, revoked: true }]);
      const [listed] = lines((await run(0, ["api-keys", "list", "--json"], env)).stdout);
      assert(listed.revoked_at !== null);
    });

    await t.step("another tenant sees none of the keys and cannot revoke them", async () => {
      const other = { ...env, MDS_TENANT_ID: newTenant() };
      const empty = await run(0, ["api-keys", "list"], other);
      assertEquals([empty.stdout, empty.stderr], ["", "(no rows)\n"]);
      const denied = await run(1, ["api-keys", "revoke", readWrite.id], other);
      assertEquals(denied.stdout, "");
      assertEquals(denied.stderr, `mds: the tenant has no API key ${readWrite.id}\n`);
      const json = await run(1, ["api-keys", "revoke", readWrite.id, "--json"], other);
      assertEquals(lines(json.stdout), [{ id: readWrite.id, revoked: false }]);
      assertEquals((await verify(dir, readWrite.key))?.id, readWrite.id);
    });

    await t.step(
      "--read-only spells out the default; with --read-write it is a usage error",
      async () => {
        const out = await run(
          0,
          ["api-keys", "create", "--read-only", "--name", "ro", "--json"],
          env,
        );
        const [k] = lines(out.stdout);
        assertEquals([k.name, k.read_only], ["ro", true]);
        assertEquals(await verify(dir, k.key), { id: k.id, tenant, readOnly: true });
        await run(2, ["api-keys", "create", "--read-only", "--read-write"], env);
      },
    );
  });
});

Deno.test("mds api-keys takes --tenant after the command and refuses bad input as usage", async () => {
  await withStore(async (dir, env) => {
    const { MDS_TENANT_ID: _, ...noTenant } = env;
    const tenant = newTenant();
    const out = await run(0, ["api-keys", "create", "--tenant", tenant, "--json"], noTenant);
    const [k] = lines(out.stdout);
    assertEquals(k.tenant, tenant);
    assertEquals((await verify(dir, k.key))?.tenant, tenant);
    const none = await run(2, ["api-keys", "list"], noTenant);
    assertEquals(none.stderr, "mds: No tenant: pass --tenant or set MDS_TENANT_ID\n");
    const badId = await run(2, ["api-keys", "revoke", "not-a-uuid"], env);
    assertIncludes(badId.stderr, '"id" is "not-a-uuid"');
    const badName = await run(2, ["api-keys", "create", "--name", "a\tb"], env);
    assertIncludes(badName.stderr, '"name"');
    await run(2, ["api-keys", "create", "--read-only", "--read-write"], env);
  });
});
