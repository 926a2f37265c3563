// Test assertions for the mds test suite, built on node:assert (jsr:@std/assert is out of reach
// on the build machines). Only tests import this file.
import nodeAssert from "node:assert/strict";

/** Fails unless `value` is truthy. */
export function assert(value: unknown, message?: string): asserts value {
  nodeAssert.ok(value, message);
}

/** Fails unless `actual` deep-equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Fails unless `text` contains `part`. */
export function assertIncludes(text: string, part: string, message?: string): void {
  nodeAssert.ok(
    text.includes(part),
    message ?? `${JSON.stringify(text)} lacks ${JSON.stringify(part)}`,
  );
}

type Class<E> = abstract new (...args: never[]) => E;

/** Fails unless `fn` throws an instance of `type`; returns the error. */
export function assertThrows<E extends Error>(fn: () => unknown, type: Class<E>): E {
  try {
    fn();
  } catch (err) {
    nodeAssert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    return err;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} to be thrown` });
}

/** Fails unless `fn` rejects with an instance of `type`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  type: Class<E>,
): Promise<E> {
  try {
    await fn();
  } catch (err) {
    nodeAssert.ok(
      err instanceof type,
      `expected ${type.name}, got ${String(err)}: ${(err as Error)?.stack}`,
    );
    return err;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${type.name} to be thrown` });
}
