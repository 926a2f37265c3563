import { ConfigError } from "@mds/client";
import { withDeadline } from "./_http.ts";
import { errorCode } from "./_respond.ts";
import type { AdminClient } from "./admin_client.ts";
import type { Logger } from "./logger.ts";

/** The longest startup wait for the database, in seconds. */
export const MAX_WAIT_FOR_DB_SECONDS = 3_600;

/**
 * How long a server waits for its database at startup, in seconds: the `--wait-for-db <seconds>`
 * (or `--wait-for-db=<seconds>`) argument, else `MDS_WAIT_FOR_DB`, else 30. 0 does not wait.
 *
 * @param args The command-line arguments.
 * @param env The environment.
 * @returns The seconds, 0 to 3600, and the arguments without the flag.
 * @throws {ConfigError} `MDS_CONFIG` when the value is not a number of seconds from 0 to 3600.
 *
 * @example
 * ```ts
 * import { waitForDbSetting } from "@mds/admin";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(waitForDbSetting(["--wait-for-db", "5", "--migrate"], {}),
 *   { seconds: 5, rest: ["--migrate"] });
 * assert.equal(waitForDbSetting([], { MDS_WAIT_FOR_DB: "0" }).seconds, 0);
 * assert.equal(waitForDbSetting([], {}).seconds, 30);
 * assert.throws(() => waitForDbSetting(["--wait-for-db=soon"], {}), /wait-for-db/);
 * ```
 */
export function waitForDbSetting(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { seconds: number; rest: string[] } {
  const rest: string[] = [];
  let raw: string | undefined;
  let name = "MDS_WAIT_FOR_DB";
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--wait-for-db") {
      raw = args[++i] ?? "";
      name = "--wait-for-db";
    } else if (arg.startsWith("--wait-for-db=")) {
      raw = arg.slice("--wait-for-db=".length);
      name = "--wait-for-db";
    } else {
      rest.push(arg);
    }
  }
  if (raw === undefined) raw = env.MDS_WAIT_FOR_DB?.trim() || undefined;
  if (raw === undefined) return { seconds: 30, rest };
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || seconds > MAX_WAIT_FOR_DB_SECONDS) {
    throw new ConfigError(name, raw, `must be seconds from 0 to ${MAX_WAIT_FOR_DB_SECONDS}`);
  }
  return { seconds, rest };
}

/** Options of {@linkcode waitForDatabase}. */
export interface WaitForDatabaseOptions {
  /** The longest wait, in seconds; 0 tries once. */
  seconds: number;
  /** The store as logs may show it (the URL without its password). @default {"database"} */
  store?: string | undefined;
  /** Where each attempt is logged. @default {none} */
  logger?: Logger | undefined;
  /** First pause between attempts, in ms, doubling up to 5 s. @default {500} */
  intervalMs?: number | undefined;
  /** Stops waiting (a shutdown). */
  signal?: AbortSignal | undefined;
}

/**
 * Waits at startup until the database answers `client.health()`, at most `options.seconds`,
 * logging each failed attempt (`warn`, `database not ready`, with `attempt`, `store`, `code`
 * and `detail`). It never throws: a server then starts degraded (its health says the database
 * is unhealthy) instead of exiting, and recovers once a server client reconnects.
 *
 * @param client The store.
 * @param options The bound, the store's description and the logger.
 * @returns Whether the database answered.
 *
 * @example
 * ```ts
 * import { waitForDatabase } from "@mds/admin";
 * import { createClient } from "@mds/client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * assert.equal(await waitForDatabase(client, { seconds: 1 }), true);
 * ```
 */
export async function waitForDatabase(
  client: Pick<AdminClient, "health">,
  options: WaitForDatabaseOptions,
): Promise<boolean> {
  const logger = options.logger ?? { log() {} };
  const store = options.store ?? "database";
  const started = Date.now();
  const until = started + options.seconds * 1000;
  let pause = options.intervalMs ?? 500;
  for (let attempt = 1;; attempt++) {
    // each attempt may take what is left of the bound, at least 1 s and at most 10 s
    const left = Math.min(10_000, Math.max(1_000, until - Date.now()));
    try {
      await withDeadline(client.health(), left, "The database");
      logger.log("info", "database ready", {
        store,
        attempts: attempt,
        waited_ms: Date.now() - started,
      });
      return true;
    } catch (err) {
      logger.log("warn", "database not ready", {
        store,
        attempt,
        code: errorCode(err),
        detail: err instanceof Error ? err.message : String(err),
      });
    }
    const remaining = until - Date.now();
    if (remaining <= 0 || options.signal?.aborted) break;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(pause, remaining));
      options.signal?.addEventListener("abort", done, { once: true });
    });
    pause = Math.min(pause * 2, 5_000);
    if (Date.now() >= until || options.signal?.aborted) break;
  }
  logger.log("error", "database unavailable: starting degraded", {
    store,
    waited_ms: Date.now() - started,
  });
  return false;
}
