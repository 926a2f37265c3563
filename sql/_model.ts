// Turns a zod failure into a ValidationError that names the field and quotes the value.
import { ValidationError } from "./errors.ts";
import type { Model } from "./model.ts";

/** Parses `input` with `schema`, throwing a {@linkcode ValidationError} for the first problem. */
export function parseWith<O, I>(
  schema: Model<O, I>,
  kind: string,
  input: unknown,
  index?: number,
): O {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const value = issue && "input" in issue ? issue.input : undefined;
  let reason = issue?.message ?? "is invalid";
  if (issue?.code === "invalid_type" && path === "") reason = "expected a JSON object";
  throw new ValidationError({ kind, field: path, value, reason, index });
}

/** `true` when `A` and `B` are mutually assignable; used by type-level tests of the models. */
export type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
