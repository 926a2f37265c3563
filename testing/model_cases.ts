// The table-driven refusal tests shared by the model test files.
import { type Model, ValidationError } from "@mds/sql";
import { parseWith } from "../sql/_model_compile.ts";
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

/**
 * Registers one test proving that `parse` (the compiled hot path) and the zod `model` agree:
 * the same refusal (field, value, reason) for every case, the same output for every valid
 * input, and the same refusal of values that are not objects.
 */
export function testSameAsModel(
  fnName: string,
  kind: string,
  parse: (input: unknown, index?: number) => unknown,
  model: Model<unknown, unknown>,
  ok: object,
  cases: readonly InvalidCase[],
  valid: readonly object[],
): void {
  Deno.test(`${fnName}() refuses and accepts exactly what its zod model does`, () => {
    const refusals: unknown[] = [null, 7, "text", [ok], undefined];
    for (const input of [...cases.map(([, patch]) => ({ ...ok, ...patch })), ...refusals]) {
      const fast = assertThrows(() => parse(input, 3), ValidationError);
      const zod = assertThrows(() => parseWith(model, kind, input, 3), ValidationError);
      assertEquals(
        [fast.field, fast.reason, fast.message],
        [zod.field, zod.reason, zod.message],
        Deno.inspect(input),
      );
      assertEquals(Object.is(fast.value, zod.value), true, `value of ${Deno.inspect(input)}`);
    }
    for (const input of [ok, ...valid]) {
      assertEquals(parse(input), parseWith(model, kind, input), Deno.inspect(input));
    }
  });
}
