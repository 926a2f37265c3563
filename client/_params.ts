import { MdsError } from "@mds/sql";

/** Refuses `undefined` parameters, which would otherwise silently become NULL. */
export function checkParams(text: string, params: readonly unknown[]): void {
  for (let i = 0; i < params.length; i++) {
    if (params[i] === undefined) {
      throw new MdsError(
        "MDS_VALIDATION",
        `Parameter $${i + 1} is undefined; pass null for SQL NULL (statement: ${
          text.slice(0, 60)
        })`,
      );
    }
  }
}
