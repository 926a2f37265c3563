// Query-string parsing shared by the routes that take their arguments in the URL.
import type { Context } from "hono";
import type { z } from "zod";
import { AdminHttpError, type BodyIssue } from "./errors.ts";

function quote(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Reads the query string (each parameter's first value) and validates it with `schema`.
 *
 * @param c The request context.
 * @param schema The zod schema of the parameters.
 * @returns The parsed parameters.
 * @throws {AdminHttpError} 400 `MDS_VALIDATION` naming the first offending parameter.
 */
export function readQuery<T>(c: Context, schema: z.ZodType<T>): T {
  const input = c.req.query();
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues: BodyIssue[] = parsed.error.issues.map((i) => ({
    field: i.path.map(String).join("."),
    reason: i.message,
  }));
  const first = parsed.error.issues[0]!;
  const name = first.path.map(String).join(".");
  throw new AdminHttpError(
    400,
    "MDS_VALIDATION",
    `Invalid query: ${name === "" ? "query" : `"${name}"`} is ${
      quote(name === "" ? undefined : input[name])
    }: ${first.message}`,
    { issues },
  );
}
