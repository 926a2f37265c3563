// Turns a zod failure into a ValidationError that names the field and quotes the value, and
// compiles a model's field rules into a plain function for the hot path of ingest.
import { z } from "zod";
import { Refusal, ruleOf } from "./_field_rules.ts";
import { ValidationError } from "./errors.ts";
import type { Model } from "./model.ts";

/** A cross-field problem found after every field passed: which field, its value and why. */
export interface Problem {
  field: string;
  value: unknown;
  reason: string;
}

/** Reports `problem` (if any) as an issue of a zod `.check()`. */
export function pushProblem(
  ctx: {
    issues: {
      push(issue: { code: "custom"; path: PropertyKey[]; input: unknown; message: string }): void;
    };
  },
  problem: Problem | undefined,
): void {
  if (problem) {
    ctx.issues.push({
      code: "custom",
      path: [problem.field],
      input: problem.value,
      message: problem.reason,
    });
  }
}

/**
 * Compiles an object model whose fields are all made by `field()` into one plain function with
 * the zod model's exact outcome (first refused field in shape order, then `check`, then `build`)
 * at a fraction of its cost: ingest validates every row, so this is its hot path. The model
 * tests run both and compare.
 */
export function compileModel<S extends z.ZodRawShape, O>(
  kind: string,
  object: z.ZodObject<S>,
  build: (valid: z.output<z.ZodObject<S>>) => O,
  check?: (valid: z.output<z.ZodObject<S>>) => Problem | undefined,
): (input: unknown, index?: number) => O {
  const fields = Object.entries(object.shape).map(([name, schema]) => {
    const optional = schema instanceof z.ZodOptional;
    const rule = ruleOf(optional ? (schema as z.ZodOptional).unwrap() : schema);
    if (!rule) throw new TypeError(`compileModel(): field "${name}" of ${kind} is not a field()`);
    return { name, optional, rule };
  });
  return (input, index) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new ValidationError({
        kind,
        field: "",
        value: input,
        reason: "expected a JSON object",
        index,
      });
    }
    const row = input as Record<string, unknown>;
    const valid: Record<string, unknown> = {};
    for (const f of fields) {
      const value = row[f.name];
      if (value === undefined && f.optional) continue;
      const out = f.rule(value);
      if (out instanceof Refusal) {
        throw new ValidationError({ kind, field: f.name, value, reason: out.reason, index });
      }
      valid[f.name] = out;
    }
    const typed = valid as z.output<z.ZodObject<S>>;
    const problem = check?.(typed);
    if (problem) throw new ValidationError({ kind, ...problem, index });
    return build(typed);
  };
}

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

/**
 * The value of a field that has two spellings (mds's and the original interface's): whichever
 * is given. Both given with different values is a {@linkcode Problem} naming both.
 */
export function spelling<T>(
  valid: Record<string, unknown>,
  name: string,
  alias: string,
): { value: T | undefined; problem?: Problem } {
  const a = valid[name] as T | undefined, b = valid[alias] as T | undefined;
  if (a === undefined) return { value: b };
  if (b === undefined || sameValue(a, b)) return { value: a };
  return {
    value: a,
    problem: { field: name, value: a, reason: `differs from "${alias}" (${show(b)}): give one` },
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return Object.is(a, b) || (a === 0 && b === 0);
}

function show(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? String(value);
}

/** The first problem of several spelling checks, if any. */
export function firstProblem(
  ...problems: readonly (Problem | undefined)[]
): Problem | undefined {
  return problems.find((p) => p !== undefined);
}
