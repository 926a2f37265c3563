import { ConfigError, storeOptionsFromEnv } from "@mds/client";

/** The kinds of pulse bus. */
export const EVENT_BUS_BACKENDS = ["inmem", "postgres"] as const;
/** One of {@linkcode EVENT_BUS_BACKENDS}. */
export type EventBusBackend = typeof EVENT_BUS_BACKENDS[number];

/** What {@linkcode pulseSettingsFromEnv} reads. */
export interface PulseSettings {
  /** Whether writes publish the pulse (`PULSE_ENABLED`). @default {true} */
  enabled: boolean;
  /**
   * Which bus an API process listens on (`EVENT_BUS_BACKEND`): `postgres` hears every writer of
   * the store over LISTEN/NOTIFY; `inmem` hears only the clients of this process that feed it
   * through `onPulse`. @default {"postgres" with a server URL, "inmem" on the embedded store}
   */
  backend: EventBusBackend;
}

/**
 * Reads the pulse settings from environment variables; empty values count as unset.
 *
 * | variable | setting | default |
 * | --- | --- | --- |
 * | `PULSE_ENABLED`: `true` or `false` | `enabled` | `true` |
 * | `EVENT_BUS_BACKEND`: `inmem` or `postgres` | `backend` | `postgres` when `MDS_DATABASE_URL` (or `MDS_DSN`) is set, else `inmem` |
 *
 * Why the default differs: on a server other processes and hosts write (the CLI, collectors,
 * other API processes), and only LISTEN hears them. An embedded store is open in one process at
 * a time, so every write it can see is made here and the in-memory bus hears it without a round
 * trip; `postgres` works there too (PGlite supports LISTEN/NOTIFY) and also hears clients that
 * share the backend without sharing `onPulse`.
 *
 * @param env The variables, e.g. `Deno.env.toObject()`.
 * @returns The settings.
 * @throws {ConfigError} Naming `PULSE_ENABLED` or `EVENT_BUS_BACKEND` when one is invalid, or a
 * store variable that `storeOptionsFromEnv` refuses.
 *
 * @example
 * ```ts
 * import { pulseSettingsFromEnv } from "@mds/service";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pulseSettingsFromEnv({}), { enabled: true, backend: "inmem" });
 * assert.deepEqual(pulseSettingsFromEnv({ MDS_DATABASE_URL: "postgres://app@db/mds" }),
 *   { enabled: true, backend: "postgres" });
 * assert.deepEqual(pulseSettingsFromEnv({ PULSE_ENABLED: "false", EVENT_BUS_BACKEND: "postgres" }),
 *   { enabled: false, backend: "postgres" });
 * assert.throws(() => pulseSettingsFromEnv({ EVENT_BUS_BACKEND: "redis" }), /EVENT_BUS_BACKEND/);
 * ```
 */
export function pulseSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): PulseSettings {
  const store = storeOptionsFromEnv(env);
  const raw = env.EVENT_BUS_BACKEND?.trim().toLowerCase() || undefined;
  if (raw !== undefined && !(EVENT_BUS_BACKENDS as readonly string[]).includes(raw)) {
    throw new ConfigError(
      "EVENT_BUS_BACKEND",
      env.EVENT_BUS_BACKEND,
      `must be one of ${EVENT_BUS_BACKENDS.join(", ")}`,
    );
  }
  return {
    enabled: store.pulse ?? true,
    backend: (raw as EventBusBackend | undefined) ??
      (store.url !== undefined ? "postgres" : "inmem"),
  };
}
