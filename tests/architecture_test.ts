// The seams hold: no import cycle, no member importing another's private file or folder, the
// private schema named only by @mds/sql, @mds/client and the migrations. Each rule is first shown
// to fail on a planted violation, so a check that cannot fail would fail here.
import { assert, assertEquals } from "../testing/assert.ts";
import {
  checkArchitecture,
  findCycles,
  MEMBERS,
  type SourceFile,
  specifiers,
} from "../testing/architecture.ts";

const ROOT = new URL("../", import.meta.url);

async function sourceFiles(): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, ROOT))) {
      const path = dir === "" ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory) {
        if (![".git", "node_modules", "dist", ".mds", "data"].includes(e.name)) await walk(path);
      } else if (e.isFile && (path.endsWith(".ts") || path.endsWith(".mjs"))) {
        files.push({ path, text: await Deno.readTextFile(new URL(path, ROOT)) });
      }
    }
  };
  for (const top of [...MEMBERS, "bench", "tools", "testing", "tests", "mod.ts"]) {
    const info = await Deno.stat(new URL(top, ROOT)).catch(() => undefined);
    if (info?.isDirectory) await walk(top);
    else if (info?.isFile) {
      files.push({ path: top, text: await Deno.readTextFile(new URL(top, ROOT)) });
    }
  }
  return files;
}

const EXPORTS = new Map<string, Record<string, string>>();
for (const member of MEMBERS) {
  try {
    const config = JSON.parse(await Deno.readTextFile(new URL(`${member}/deno.json`, ROOT)));
    EXPORTS.set(
      member,
      typeof config.exports === "string" ? { ".": config.exports } : config.exports,
    );
  } catch {
    // not a member (yet)
  }
}
const exportsOf = (m: string) => EXPORTS.get(m);

Deno.test("specifiers() reads static, type-only, re-export and dynamic imports", () => {
  assertEquals(
    specifiers(
      `import { a } from "./a.ts";\nimport type { B } from "../b.ts";\nexport * from "@mds/sql";\n` +
        `export { c } from "./c.ts";\nconst d = await import("./d.ts");\nimport "./e.ts";`,
    ).sort(),
    ["../b.ts", "./a.ts", "./c.ts", "./d.ts", "./e.ts", "@mds/sql"],
  );
});

Deno.test("checkArchitecture() catches a planted cycle, private import, cross-member path and mds_core", () => {
  const planted: SourceFile[] = [
    { path: "client/a.ts", text: `import { b } from "./b.ts";` },
    { path: "client/b.ts", text: `import type { a } from "./a.ts";` },
    { path: "admin/x.ts", text: `import { y } from "../client/_y.ts";` },
    { path: "cli/z.ts", text: `import { a } from "../client/a.ts";` },
    { path: "bench/q.ts", text: `const q = "SELECT 1 FROM mds_core.bars";` },
    { path: "client/_y.ts", text: "" },
    { path: "client/ok_test.ts", text: `import { b } from "./b.ts"; // tests may` },
  ];
  const rules = checkArchitecture(planted, exportsOf).map((f) => f.rule).sort();
  assertEquals(rules, [
    "import cycle",
    "private file of another member",
    "private schema named outside @mds/sql and @mds/client",
    "relative import across members",
  ]);
  assertEquals(findCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]])), []);
});

Deno.test("the repository has no import cycle, no cross-member private or relative import, and names mds_core only in @mds/sql, @mds/client and migrations", async () => {
  const files = await sourceFiles();
  assert(files.length > 100, `read ${files.length} files`);
  const findings = checkArchitecture(files, exportsOf);
  assertEquals(
    findings.map((f) => `${f.rule}: ${f.detail}`),
    [],
    `${findings.length} violations`,
  );
});
