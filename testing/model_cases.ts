// The table-driven refusal tests shared by the model test files.
import { ValidationError } from "@mds/sql";
import { assertEquals, assertThrows } from "./assert.ts";

/** One refused input: name, fields patched into a valid row, then the expected field, value and reason. */
export type InvalidCase = readonly [
  name: string,
  patch: Record<string, unknown>,
  field: string,
  value: unknown,
  reason: string,
];

/**
 * Registers one test per case: `parse({ ...ok, ...patch }, index)` must throw a ValidationError
 * naming the field, quoting the value and giving the reason, with the message prefix
 * `Invalid <kind>[ at row <index>]: "<field>" is `.
 */
export function testRejections(
  fnName: string,
  kind: string,
  parse: (input: unknown, index?: number) => unknown,
  ok: object,
  cases: readonly InvalidCase[],
  index?: number,
): void {
  for (const [name, patch, field, value, reason] of cases) {
    Deno.test(`${fnName}() rejects ${name}, naming "${field}"`, () => {
      const err = assertThrows(() => parse({ ...ok, ...patch }, index), ValidationError);
      assertEquals(err.field, field);
      assertEquals(err.kind, kind);
      assertEquals(err.index, index);
      assertEquals(
        Object.is(err.value, value) || err.value === value,
        true,
        `value ${String(err.value)}`,
      );
      assertEquals(err.reason.includes(reason), true, `reason "${err.reason}" lacks "${reason}"`);
      const where = index === undefined ? "" : ` at row ${index}`;
      assertEquals(
        err.message.startsWith(`Invalid ${kind}${where}: "${field}" is `),
        true,
        err.message,
      );
    });
  }
}
