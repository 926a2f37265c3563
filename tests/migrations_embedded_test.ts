import { assertEquals } from "../testing/assert.ts";
import { renderMigrationsModule } from "../tools/_migrations_module.ts";

Deno.test("sql/migrations_data.ts embeds exactly the files in migrations/ (run deno task gen:migrations)", async () => {
  const dir = new URL("../migrations/", import.meta.url);
  const files: { name: string; sql: string }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) {
      files.push({ name: entry.name, sql: await Deno.readTextFile(new URL(entry.name, dir)) });
    }
  }
  const generated = await Deno.readTextFile(new URL("../sql/migrations_data.ts", import.meta.url));
  assertEquals(generated, renderMigrationsModule(files));
});
