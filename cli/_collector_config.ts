// The collector's configuration and the providers' environment, as `mds universe` and
// `mds collect` read them from the host: `--config <file>` (or MDS_COLLECTOR_CONFIG), else the
// defaults.
import { PROVIDER_ENV_VARS } from "@mds/providers";
import { type CollectorConfig, defaultCollectorConfig, loadCollectorConfig } from "@mds/service";
import type { Host } from "./host.ts";

/** The environment the providers read; only the variables they name are copied in. */
export type ProviderEnv = Record<string, string | undefined>;

/**
 * Copies into `env` the providers' variables from the host: every `PROVIDER_ENV_VARS` value
 * and, with `config`, each `apiKeyEnv` its providers name. Mutated in place, so a collector
 * built with `env` sees the keys a reloaded configuration names.
 */
export function fillProviderEnv(
  host: Host,
  env: ProviderEnv,
  config?: CollectorConfig,
): ProviderEnv {
  for (const name of Object.values(PROVIDER_ENV_VARS)) env[name] = host.env(name);
  for (const p of config?.providers.providers ?? []) {
    if (p.apiKeyEnv) env[p.apiKeyEnv] = host.env(p.apiKeyEnv);
  }
  return env;
}

/** The `--config` value: a path, or undefined (blank counts as unset) for the defaults. */
export function configPath(flag: string | undefined): string | undefined {
  return flag?.trim() || undefined;
}

/**
 * Reads and validates the collector configuration: the file when one is given, else the
 * defaults. `env` receives the variables its providers name.
 *
 * @throws {CollectorConfigError} Naming the file and every offending setting by its path.
 */
export async function readCollectorConfig(
  host: Host,
  path: string | undefined,
  env: ProviderEnv = {},
): Promise<CollectorConfig> {
  fillProviderEnv(host, env);
  const config = path === undefined
    ? defaultCollectorConfig(env)
    : await loadCollectorConfig(path, env);
  fillProviderEnv(host, env, config);
  return config;
}
