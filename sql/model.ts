/** One problem found by a {@linkcode Model}. */
export interface ModelIssue {
  /** Kind of problem. */
  readonly code: string;
  /** Where: the path of the offending field. */
  readonly path: readonly PropertyKey[];
  /** Why. */
  readonly message: string;
  /** The offending value, when asked for with `reportInput`. */
  readonly input?: unknown;
}

/** The outcome of {@linkcode Model.safeParse}. */
export type ModelResult<Output> =
  | { readonly success: true; readonly data: Output }
  | { readonly success: false; readonly error: { readonly issues: readonly ModelIssue[] } };

/**
 * A validating model: what mds exposes of its zod schemas. Zod schemas implement it, and so does
 * the Standard Schema interface (`~standard`) that other validation libraries understand.
 *
 * @typeParam Output The normalised row.
 * @typeParam Input What the model accepts.
 *
 * @example
 * ```ts
 * import { BarSchema } from "@mds/sql";
 * import assert from "node:assert/strict";
 *
 * const result = BarSchema.safeParse({ ts: 0, vendor: "v", symbol: "a", timeframe: "1m",
 *   open: 1, high: 1, low: 1, close: 1 });
 * assert.deepEqual(result.success, true);
 * ```
 */
export interface Model<Output, Input> {
  /** Validates and normalises; throws zod's error when invalid. */
  parse(input: unknown): Output;
  /** Validates and normalises without throwing. */
  safeParse(input: unknown, params?: { reportInput?: boolean }): ModelResult<Output>;
  /** The Standard Schema v1 interface. */
  readonly "~standard": {
    /** Standard Schema version. */
    readonly version: 1;
    /** The library behind the model. */
    readonly vendor: string;
    /** Standard Schema validation entry point. */
    readonly validate: (value: unknown) => unknown;
    /** Carries the input and output types. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The output type of a {@linkcode Model}. */
export type ModelOutput<M> = M extends Model<infer O, unknown> ? O : never;
/** The input type of a {@linkcode Model}. */
export type ModelInput<M> = M extends Model<unknown, infer I> ? I : never;
