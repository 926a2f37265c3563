// Checks of canonical statements as data, shared by the builder tests of @mds/sql: placeholders
// against parameters, and which schema a statement names. Only tests import this file.
import { assert, assertEquals } from "./assert.ts";

/** A statement as the builders return it. */
export interface Statement {
  readonly text: string;
  readonly params: readonly unknown[];
}

/** The distinct `$n` placeholders of a statement's text, ascending. */
export function placeholders(text: string): number[] {
  const found = new Set<number>();
  for (const m of text.matchAll(/\$(\d+)/g)) found.add(Number(m[1]));
  return [...found].sort((a, b) => a - b);
}

/** Fails unless the text uses exactly `$1` to `$n` for its `n` parameters, and none undefined. */
export function assertPlaceholders(q: Statement): void {
  assertEquals(
    placeholders(q.text),
    q.params.map((_, i) => i + 1),
    `placeholders of ${q.text}`,
  );
  assert(q.params.every((p) => p !== undefined), "a parameter is undefined");
}

/**
 * Fails unless the statement reads and writes only the tenant-filtered views of schema `mds`:
 * it names no object of the private schema.
 */
export function assertTenantScoped(q: Statement): void {
  assert(!/\bmds_core\./.test(q.text), `names the private schema: ${q.text}`);
  assert(/\bmds\.[a-z_]+/.test(q.text), `names no tenant view: ${q.text}`);
}

/** The text with every run of white space made one space, for comparing SQL across layouts. */
export function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
