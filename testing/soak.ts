// Scale of the slow reliability tests: the short form runs in every `deno task test` (and so in
// CI); `deno task test:soak` sets MDS_SOAK=1 and runs the same tests at full size.

/** True when the long (soak) form of the reliability tests was asked for. */
export function isSoak(): boolean {
  return Deno.env.get("MDS_SOAK") === "1";
}

/** `short` in the normal test run, `long` under `deno task test:soak`. */
export function soak<T>(short: T, long: T): T {
  return isSoak() ? long : short;
}
