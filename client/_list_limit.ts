// The one check of a read's `limit` argument: how many rows a list read may return.
import { ValidationError } from "@mds/sql";

/** Most rows one list read (news, corrections) returns. */
export const MAX_LIST_LIMIT = 100_000;

/**
 * The `limit` of a list read: `given`, or `fallback` when absent.
 *
 * @throws {ValidationError} When it is not a whole number from 1 to {@linkcode MAX_LIST_LIMIT}.
 */
export function listLimit(given: number | undefined, fallback: number): number {
  const limit = given ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new ValidationError({
      kind: "argument",
      field: "limit",
      value: limit,
      reason: `must be a whole number from 1 to ${MAX_LIST_LIMIT}`,
    });
  }
  return limit;
}
