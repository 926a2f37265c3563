import { type ErrorCode, MdsError } from "@mds/sql";

/** Stable codes of {@linkcode ProviderError}. Branch on these, never on message text. */
export const PROVIDER_ERROR_CODES = [
  "PROVIDER_NO_DATA",
  "PROVIDER_RATE_LIMITED",
  "PROVIDER_AUTH",
  "PROVIDER_BAD_RESPONSE",
  "PROVIDER_BAD_REQUEST",
  "PROVIDER_UNSUPPORTED",
  "PROVIDER_UNAVAILABLE",
  "PROVIDER_TIMEOUT",
] as const;

/** One of {@linkcode PROVIDER_ERROR_CODES}. */
export type ProviderErrorCode = typeof PROVIDER_ERROR_CODES[number];

/** The general mds code each provider code maps to, for callers that handle every MdsError. */
const MDS_CODES: Readonly<Record<ProviderErrorCode, ErrorCode>> = {
  PROVIDER_NO_DATA: "MDS_NOT_FOUND",
  PROVIDER_RATE_LIMITED: "MDS_RETRYABLE",
  PROVIDER_AUTH: "MDS_PERMISSION_DENIED",
  PROVIDER_BAD_RESPONSE: "MDS_VALIDATION",
  PROVIDER_BAD_REQUEST: "MDS_VALIDATION",
  PROVIDER_UNSUPPORTED: "MDS_VALIDATION",
  PROVIDER_UNAVAILABLE: "MDS_RETRYABLE",
  PROVIDER_TIMEOUT: "MDS_TIMEOUT",
};

/** Codes on which a registry tries the next provider. */
const FAILOVER: ReadonlySet<ProviderErrorCode> = new Set([
  "PROVIDER_UNAVAILABLE",
  "PROVIDER_RATE_LIMITED",
  "PROVIDER_TIMEOUT",
  "PROVIDER_UNSUPPORTED",
]);

/** What a {@linkcode ProviderError} carries besides its code and message. */
export interface ProviderErrorOptions {
  /** The provider that failed, e.g. `yahoo`. */
  provider: string;
  /** The vendor endpoint, as a template name such as `chart`; never a URL. */
  endpoint: string;
  /** The HTTP status, where the vendor answered. */
  status?: number | undefined;
  /** For `PROVIDER_RATE_LIMITED`: how long the vendor asked us to wait (`Retry-After`). */
  retryAfterMs?: number | undefined;
  /** For `PROVIDER_BAD_RESPONSE`: the path of the offending field in the vendor's body. */
  field?: string | undefined;
  /** The original error. */
  cause?: unknown;
}

/**
 * A market-data vendor call failed. `providerCode` says how; `code` is the matching general
 * mds code (`MDS_RETRYABLE` for rate limits and outages, `MDS_TIMEOUT`, `MDS_NOT_FOUND` for
 * no data, ...), so code that handles every {@linkcode MdsError} handles this one too.
 *
 * @example Branching on the provider code
 * ```ts
 * import { ProviderError } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * const err = new ProviderError("PROVIDER_RATE_LIMITED", "Yahoo refused \"chart\" with 429", {
 *   provider: "yahoo", endpoint: "chart", status: 429, retryAfterMs: 2_000 });
 * assert.equal(err.providerCode, "PROVIDER_RATE_LIMITED");
 * assert.equal(err.code, "MDS_RETRYABLE");
 * assert.equal(err.retryAfterMs, 2_000);
 * assert.equal(err.failover, true);
 * ```
 */
export class ProviderError extends MdsError {
  /** Stable provider-level code. */
  readonly providerCode: ProviderErrorCode;
  /** The provider that failed. */
  readonly provider: string;
  /** The endpoint template that failed. */
  readonly endpoint: string;
  /** The HTTP status, where the vendor answered. */
  readonly status: number | undefined;
  /** How long the vendor asked us to wait, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The path of the offending field of a bad response. */
  readonly field: string | undefined;

  /**
   * Creates the error.
   *
   * @param code Stable provider-level code.
   * @param message Sentence-case message without a final period; never holds a secret.
   * @param options Provider, endpoint and the code's details.
   */
  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions) {
    super(MDS_CODES[code], message, { cause: options.cause });
    this.providerCode = code;
    this.provider = options.provider;
    this.endpoint = options.endpoint;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.field = options.field;
  }

  /** Whether another provider may serve the call: outages, rate limits, timeouts, gaps in
   * coverage; never "no data", bad requests, bad responses or refused credentials. */
  get failover(): boolean {
    return FAILOVER.has(this.providerCode);
  }
}

/** One reason a provider configuration was refused. */
export interface ConfigIssue {
  /** Dotted path of the offending setting, e.g. `providers[1].requestsPerMinute`. */
  readonly path: string;
  /** Why it was refused. */
  readonly message: string;
}

/**
 * A provider configuration was refused; `issues` names every offending path.
 *
 * @example
 * ```ts
 * import { parseProvidersConfig, ProviderConfigError } from "@mds/providers";
 * import assert from "node:assert/strict";
 *
 * try {
 *   parseProvidersConfig({ providers: [], routing: {} });
 *   assert.fail("accepted");
 * } catch (err) {
 *   assert.ok(err instanceof ProviderConfigError);
 *   assert.equal(err.code, "MDS_CONFIG");
 *   assert.ok(err.issues.length > 0);
 * }
 * ```
 */
export class ProviderConfigError extends MdsError {
  /** Every reason, each with the path of its setting. */
  readonly issues: readonly ConfigIssue[];

  /**
   * Creates the error.
   *
   * @param issues The reasons; the message quotes them all.
   */
  constructor(issues: readonly ConfigIssue[]) {
    super(
      "MDS_CONFIG",
      `Invalid provider configuration: ${
        issues.map((i) => `${i.path === "" ? "(root)" : i.path}: ${i.message}`).join("; ")
      }`,
    );
    this.issues = issues;
  }
}
