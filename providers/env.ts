/** The environment variables the adapters read, by setting. */
export const PROVIDER_ENV_VARS = {
  /** Base URL of Yahoo Finance. */
  yahooBaseUrl: "MDS_YAHOO_BASE_URL",
  /** Base URL of Finnhub's API, up to and including `/api/v1`. */
  finnhubBaseUrl: "MDS_FINNHUB_BASE_URL",
  /** Finnhub's API token, the default `apiKeyEnv` of a Finnhub entry. */
  finnhubApiKey: "FINNHUB_API_KEY",
} as const;

/** The adapter settings found in an environment record. */
export interface ProviderEnv {
  /** Yahoo settings. */
  yahoo: {
    /** From `MDS_YAHOO_BASE_URL`. */
    baseUrl?: string;
  };
  /** Finnhub settings. */
  finnhub: {
    /** From `MDS_FINNHUB_BASE_URL`. */
    baseUrl?: string;
    /** From `FINNHUB_API_KEY`; a secret: never log it. */
    apiKey?: string;
  };
}

const set = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/**
 * Reads the adapters' settings from an environment record; unset and empty variables are left
 * out, so the adapters' defaults apply. Reads only the record it is given.
 *
 * @param env The variables, e.g. `Deno.env.toObject()` or `process.env`.
 * @returns The settings found, ready to spread into the adapters' options.
 *
 * @example
 * ```ts
 * import { readProviderEnv } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const env = readProviderEnv({ MDS_YAHOO_BASE_URL: "http://127.0.0.1:9000", FINNHUB_API_KEY: "" });
 * assert.deepEqual(env, { yahoo: { baseUrl: "http://127.0.0.1:9000" }, finnhub: {} });
 * ```
 */
export function readProviderEnv(env: Readonly<Record<string, string | undefined>>): ProviderEnv {
  const out: ProviderEnv = { yahoo: {}, finnhub: {} };
  const yahoo = set(env[PROVIDER_ENV_VARS.yahooBaseUrl]);
  if (yahoo !== undefined) out.yahoo.baseUrl = yahoo;
  const finnhub = set(env[PROVIDER_ENV_VARS.finnhubBaseUrl]);
  if (finnhub !== undefined) out.finnhub.baseUrl = finnhub;
  const key = set(env[PROVIDER_ENV_VARS.finnhubApiKey]);
  if (key !== undefined) out.finnhub.apiKey = key;
  return out;
}
