import { assertEquals } from "../testing/assert.ts";
import { chooseWriteMode } from "./_write_options.ts";

Deno.test("chooseWriteMode() resolves auto to COPY only for large writes on a server", () => {
  assertEquals(chooseWriteMode("auto", 10, "postgres"), "insert");
  assertEquals(chooseWriteMode("auto", 50_000, "postgres"), "copy");
  assertEquals(chooseWriteMode("auto", 50_000, "pglite"), "insert");
});
