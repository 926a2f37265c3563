// The repository's module graph, read from the source text, and the rules the architecture test
// holds it to: no import cycles, no member importing another member's private (`_name.ts`) file
// or reaching into another member's folder by a relative path, and the private schema's name
// only where SQL belongs. Only tests import this file.

/** The workspace members, by folder. */
export const MEMBERS: readonly string[] = [
  "sql",
  "client",
  "admin",
  "cli",
  "providers",
  "service",
  "analytics",
];

/** Folders whose files must never name the private schema. */
export const NO_PRIVATE_SCHEMA: readonly string[] = ["admin", "cli", "bench", "tools", "service"];

/** One source file: its path relative to the root, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** A violation, for the failure message. */
export interface Finding {
  rule: string;
  detail: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/g;

/** The module specifiers a file imports or re-exports statically (dynamic imports too). */
export function specifiers(text: string): string[] {
  const found = [...text.matchAll(IMPORT)].map((m) => m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  return found;
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/**
 * Resolves a specifier of `from` to a repository path, or undefined for packages outside the
 * repository (npm:, node:, jsr:, bare npm names).
 */
export function resolve(
  from: string,
  spec: string,
  exportsOf: (member: string) => Record<string, string> | undefined,
): string | undefined {
  if (spec.startsWith("./") || spec.startsWith("../")) {
    return normalize(`${from.split("/").slice(0, -1).join("/")}/${spec}`);
  }
  const m = /^@mds\/([a-z]+)(\/.*)?$/.exec(spec);
  if (!m) return undefined;
  const exports = exportsOf(m[1]!);
  const target = exports?.[m[2] ? `.${m[2]}` : "."];
  return target === undefined ? undefined : normalize(`${m[1]}/${target}`);
}

/** The import graph of the given files: path -> resolved repository paths. */
export function importGraph(
  files: readonly SourceFile[],
  exportsOf: (member: string) => Record<string, string> | undefined,
): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    graph.set(
      f.path,
      specifiers(f.text).map((s) => resolve(f.path, s, exportsOf)).filter((p): p is string =>
        p !== undefined
      ),
    );
  }
  return graph;
}

/** Every cycle of the graph, each as a path list that starts and ends at the same module. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function memberOf(path: string): string | undefined {
  const top = path.split("/")[0]!;
  return MEMBERS.includes(top) ? top : undefined;
}

function isPrivate(path: string): boolean {
  return (path.split("/").pop() ?? "").startsWith("_");
}

/** Whether a file is test code (tests may reach into private files). */
export function isTestCode(path: string): boolean {
  return path.endsWith("_test.ts") || path.startsWith("tests/") || path.startsWith("testing/");
}

/**
 * Checks the rules over the files; returns every violation. Benchmarks and tools (not members)
 * may import a member's public files by path; members import each other by `@mds/` name only.
 */
export function checkArchitecture(
  files: readonly SourceFile[],
  exportsOf: (member: string) => Record<string, string> | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const product = files.filter((f) => !isTestCode(f.path));
  const graph = importGraph(product, exportsOf);
  for (const cycle of findCycles(graph)) {
    findings.push({ rule: "import cycle", detail: cycle.join(" -> ") });
  }
  for (const f of product) {
    const from = memberOf(f.path);
    for (const spec of specifiers(f.text)) {
      const to = resolve(f.path, spec, exportsOf);
      if (to === undefined) continue;
      const target = memberOf(to);
      if (target === undefined || target === from) continue;
      if (isPrivate(to)) {
        findings.push({
          rule: "private file of another member",
          detail: `${f.path} imports ${spec} (${to})`,
        });
      } else if (spec.startsWith(".") && from !== undefined) {
        findings.push({
          rule: "relative import across members",
          detail: `${f.path} imports ${spec}: use @mds/${target}`,
        });
      }
    }
    const top = f.path.split("/")[0]!;
    if (NO_PRIVATE_SCHEMA.includes(top) && /\bmds_core\b/.test(f.text)) {
      findings.push({
        rule: "private schema named outside @mds/sql and @mds/client",
        detail: `${f.path} names mds_core: use a builder of @mds/sql or a client method`,
      });
    }
  }
  return findings;
}
