// Regenerates sql/migrations_data.ts from migrations/*.sql, so the compiled CLI, the container and
// package consumers carry the migrations without the repository on disk. A test fails when the
// generated module and the files disagree: run `deno task gen:migrations` after editing a file.
import { renderMigrationsModule } from "./_migrations_module.ts";

const dir = new URL("../migrations/", import.meta.url);
const files: { name: string; sql: string }[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (entry.isFile && entry.name.endsWith(".sql")) {
    files.push({ name: entry.name, sql: await Deno.readTextFile(new URL(entry.name, dir)) });
  }
}
const out = new URL("../sql/migrations_data.ts", import.meta.url);
await Deno.writeTextFile(out, renderMigrationsModule(files));
console.log(`wrote ${files.length} migrations to sql/migrations_data.ts`);
