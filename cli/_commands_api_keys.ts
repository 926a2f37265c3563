// `mds api-keys create|list|revoke`: the tenant's keys of the market-data HTTP/WebSocket API. A
// key is printed once, by `create`; the store keeps only a hash of its secret.
import { type Command, Option } from "commander";
import type { ApiKeyRecord } from "@mds/client";
import type { CommandDeps } from "./_command_deps.ts";
import { EXIT } from "./exit.ts";
import { openClient, requireTenant } from "./_open.ts";
import { printObject, printRows } from "./output.ts";

function row(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    read_only: k.read_only,
    created_at: k.created_at,
    last_used_at: k.last_used_at,
    revoked_at: k.revoked_at,
  };
}

/** Registers `mds api-keys` and its subcommands. */
export function apiKeyCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient, setExit } = deps;
  const keys = program.command("api-keys").description(
    "the tenant's keys of the market-data API: create (shown once), list, revoke",
  );

  keys.command("create").description(
    "create a key, read-only unless --read-write; the key is printed once and cannot be shown again",
  )
    .addOption(new Option("--name <text>", "a name to tell keys apart (default: none)"))
    .addOption(
      new Option("--read-only", "the key may only read (the default)").conflicts("readWrite"),
    )
    .addOption(new Option("--read-write", "the key may write as well as read"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{ name?: string; readOnly?: boolean; readWrite?: boolean }>();
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const k = await client.apiKeys.create(tenant, { name: o.name, readOnly: !o.readWrite });
      printObject(io, {
        id: k.id,
        key: k.key,
        tenant: k.tenant,
        name: k.name,
        read_only: k.read_only,
        created_at: k.created_at,
      }, s.json);
      io.err(
        "mds: store this key now: it is shown only once, and the store keeps only a hash of it\n",
      );
    }));

  keys.command("list").description("the tenant's keys, oldest first, revoked ones included")
    .action(withClient(async (s) => {
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const list = await client.apiKeys.list(tenant);
      printRows(io, s.json ? list.map((k) => ({ ...k })) : list.map(row), s.json, [
        "id",
        "name",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
      ]);
    }));

  keys.command("revoke <id>").description(
    "revoke a key of the tenant at once; revoking it again changes nothing",
  )
    .action(withClient(async (s, _cmd, idArg) => {
      const id = idArg as string;
      const tenant = requireTenant(s);
      await using client = await openClient(s);
      const revoked = await client.apiKeys.revoke(tenant, id);
      if (s.json) printObject(io, { id: id.toLowerCase(), revoked }, true);
      else if (revoked) io.out(`revoked ${id.toLowerCase()}\n`);
      if (!revoked) {
        io.err(`mds: the tenant has no API key ${id}\n`);
        setExit(EXIT.failure);
      }
    }));
}
