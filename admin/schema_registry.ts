import {
  CATALOG_SCHEMAS,
  type CatalogSchema,
  diffSchemaCatalog,
  parseSchemaDocument,
  SCHEMA_REPO,
  type SchemaDifference,
  type SchemaDocument,
  SchemaDocumentError,
} from "@mds/sql";
import { readSchemaDocument } from "@mds/client";
import { counter, gauge } from "./_registry.ts";
import type { AdminClient } from "./admin_client.ts";
import { type Logger, scrubSecrets } from "./logger.ts";
import type { MetricsRegistry } from "./metrics_registry.ts";

/** How one drift check ended. */
export const SCHEMA_CHECK_OUTCOMES = ["match", "drift", "registry_error", "catalog_error"] as const;
/** One of {@linkcode SCHEMA_CHECK_OUTCOMES}. */
export type SchemaCheckOutcome = typeof SCHEMA_CHECK_OUTCOMES[number];

/** Codes of the registry failures: it cannot be reached, answers an error, or answers garbage. */
export const SCHEMA_REGISTRY_ERROR_CODES = [
  "MDS_REGISTRY_UNREACHABLE",
  "MDS_REGISTRY_HTTP",
  "MDS_REGISTRY_INVALID",
] as const;
/** One of {@linkcode SCHEMA_REGISTRY_ERROR_CODES}. */
export type SchemaRegistryErrorCode = typeof SCHEMA_REGISTRY_ERROR_CODES[number];

/** The schema registry could not give the expected schema; never counted as drift. */
export class SchemaRegistryError extends Error {
  /** Stable machine-readable code. */
  readonly code: SchemaRegistryErrorCode;

  /**
   * Creates the error.
   *
   * @param code Stable machine-readable code.
   * @param message Sentence-case message without a final period.
   * @param cause The underlying error.
   */
  constructor(code: SchemaRegistryErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SchemaRegistryError";
    this.code = code;
  }
}

/** What one {@linkcode SchemaRegistryMonitor.runOnce} found. */
export interface SchemaCheckResult {
  /** How it ended. */
  outcome: SchemaCheckOutcome;
  /** The differences found (empty unless `drift`). */
  differences: SchemaDifference[];
  /** The failure's code, for `registry_error` and `catalog_error`. */
  code?: string;
}

/** What `/health` reports of the drift check (the `schema_registry` component). */
export interface SchemaRegistryStatus {
  /**
   * `healthy` when the last completed comparison matched, `unhealthy` when it found drift,
   * `unknown` before any comparison completed. A registry or database failure leaves the last
   * verdict in place: it neither raises nor clears drift.
   */
  state: "healthy" | "unhealthy" | "unknown";
  /** The repo compared. */
  repo: string;
  /** The track compared. */
  track: string;
  /** Whether the last fetch of the registry succeeded; `null` before the first. */
  registry_up: boolean | null;
  /** When the last comparison completed, ISO 8601; `null` before the first. */
  checked_at: string | null;
  /** The differences of the last comparison, at most 20, in words. */
  differences: string[];
  /** All differences of the last comparison. */
  difference_count: number;
  /** The code of the last check's failure, when it failed. */
  error?: string;
}

/** Options of {@linkcode SchemaRegistryMonitor}. */
export interface SchemaRegistryOptions {
  /** The store whose catalog is compared (its own connection: the private schema is not the views'). */
  client: Pick<AdminClient, "backend">;
  /** The registry's base URL (`REGISTRY_URL`), `http` or `https`. */
  url: string;
  /** The track compared (`REGISTRY_TRACK`). @default {"v1"} */
  track?: string | undefined;
  /** The repo the registry document must name, and the `repo` label. @default {"market-data-store"} */
  repo?: string | undefined;
  /** Time between checks, in seconds, 10 to 86400 (`REGISTRY_POLL_SECONDS`). @default {300} */
  pollSeconds?: number | undefined;
  /** Longest wait for the registry's answer, in ms, 1 to 120000. @default {10000} */
  timeoutMs?: number | undefined;
  /** Where the metrics go: the admin app's registry. */
  registry: MetricsRegistry;
  /** Where warnings go. @default {none} */
  logger?: Logger | undefined;
  /** Sends the registry request. @default {globalThis.fetch} */
  fetch?: typeof fetch | undefined;
  /** The clock, epoch milliseconds. @default {Date.now} */
  now?: (() => number) | undefined;
}

/** Largest registry answer read, in bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const SHOWN_DIFFERENCES = 20;

async function boundedText(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) {
    await res.body?.cancel();
    throw new SchemaRegistryError("MDS_REGISTRY_INVALID", `Registry answer exceeds ${max} bytes`);
  }
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new SchemaRegistryError("MDS_REGISTRY_INVALID", `Registry answer exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function validateOptions(o: SchemaRegistryOptions): void {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new TypeError(`Invalid option: "url" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`Invalid option: "url" is "${url.protocol}": must be http: or https:`);
  }
  if (o.track !== undefined && !/^[A-Za-z0-9._-]{1,100}$/.test(o.track)) {
    throw new TypeError(`Invalid option: "track" is ${JSON.stringify(o.track)}`);
  }
  const whole = (name: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
      throw new RangeError(
        `Invalid option: "${name}" is ${v}: must be a whole number ${min}-${max}`,
      );
    }
  };
  whole("pollSeconds", o.pollSeconds, 10, 86_400);
  whole("timeoutMs", o.timeoutMs, 1, 120_000);
}

/**
 * Watches the live catalog for drift from the schema registry: every `pollSeconds` it fetches
 * `GET {url}/schemas/{track}` (a {@linkcode SchemaDocument}, `Accept: application/json`, 200
 * expected), reads the store's catalog, and compares each schema the document lists.
 *
 * Metrics on `registry`:
 * - `mds_schema_drift_total{repo,track,schema}`: checks that found drift in the schema.
 * - `mds_schema_drift_last_detected_timestamp{repo,track,schema}`: when drift was last found,
 *   epoch seconds.
 * - `mds_schema_drift_differences{repo,track,schema}`: differences found by the last completed
 *   comparison (0 when it matched).
 * - `mds_schema_registry_up{repo,track}`: 1 when the last fetch of the registry gave a valid
 *   document, else 0.
 * - `mds_schema_registry_checks_total{repo,track,outcome}`: checks by outcome (`match`, `drift`,
 *   `registry_error`, `catalog_error`).
 *
 * A registry that cannot be reached, answers an error status or an invalid document, and a
 * database that cannot be read, never count as drift: the check logs a warning, counts the
 * failure and keeps the last verdict.
 *
 * @example A registry that expects what the store has
 * ```ts
 * import { SchemaRegistryMonitor } from "@mds/admin";
 * import { createClient, readSchemaDocument } from "@mds/client";
 * import { Registry } from "prom-client";
 * import assert from "node:assert/strict";
 *
 * await using client = await createClient({ memory: true });
 * const expected = await readSchemaDocument(client);
 * const monitor = new SchemaRegistryMonitor({
 *   client,
 *   url: "http://registry.invalid",
 *   registry: new Registry(),
 *   fetch: () => Promise.resolve(Response.json(expected)),
 * });
 * assert.equal((await monitor.runOnce()).outcome, "match");
 * assert.equal(monitor.status().state, "healthy");
 * ```
 */
export class SchemaRegistryMonitor {
  readonly #client: Pick<AdminClient, "backend">;
  readonly #endpoint: string;
  readonly #repo: string;
  readonly #track: string;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #metrics: {
    drift: ReturnType<typeof counter<"repo" | "track" | "schema">>;
    last: ReturnType<typeof gauge<"repo" | "track" | "schema">>;
    differences: ReturnType<typeof gauge<"repo" | "track" | "schema">>;
    up: ReturnType<typeof gauge<"repo" | "track">>;
    checks: ReturnType<typeof counter<"repo" | "track" | "outcome">>;
  };
  #verdict: { at: number; differences: SchemaDifference[] } | undefined;
  #registryUp: boolean | null = null;
  #error: string | undefined;

  /**
   * Registers the metrics; nothing is fetched until {@linkcode SchemaRegistryMonitor.runOnce}
   * or {@linkcode SchemaRegistryMonitor.run}.
   *
   * @param options The store, the registry and the metrics registry.
   * @throws {TypeError} When `url` is not an http(s) URL or `track` is not a track name.
   * @throws {RangeError} When `pollSeconds` or `timeoutMs` is out of range.
   */
  constructor(options: SchemaRegistryOptions) {
    validateOptions(options);
    this.#client = options.client;
    this.#track = options.track ?? "v1";
    this.#repo = options.repo ?? SCHEMA_REPO;
    this.#endpoint = `${options.url.replace(/\/+$/, "")}/schemas/${
      encodeURIComponent(this.#track)
    }`;
    this.#pollMs = (options.pollSeconds ?? 300) * 1000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#logger = options.logger ?? { log() {} };
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#now = options.now ?? Date.now;
    const r = options.registry;
    this.#metrics = {
      drift: counter(r, {
        name: "mds_schema_drift_total",
        help:
          "Schema-registry checks that found the live catalog of the schema differing from the track's expected schema.",
        labelNames: ["repo", "track", "schema"] as const,
      }),
      last: gauge(r, {
        name: "mds_schema_drift_last_detected_timestamp",
        help: "When schema drift was last found in the schema, in epoch seconds.",
        labelNames: ["repo", "track", "schema"] as const,
      }),
      differences: gauge(r, {
        name: "mds_schema_drift_differences",
        help:
          "Differences from the track's expected schema found by the last completed comparison; 0 when it matched.",
        labelNames: ["repo", "track", "schema"] as const,
      }),
      up: gauge(r, {
        name: "mds_schema_registry_up",
        help:
          "1 when the last fetch of the schema registry gave a valid document, 0 when it failed (never counted as drift).",
        labelNames: ["repo", "track"] as const,
      }),
      checks: counter(r, {
        name: "mds_schema_registry_checks_total",
        help:
          "Schema-registry drift checks by outcome: match, drift, registry_error, catalog_error.",
        labelNames: ["repo", "track", "outcome"] as const,
      }),
    };
    const base = { repo: this.#repo, track: this.#track };
    for (const schema of CATALOG_SCHEMAS) this.#metrics.drift.inc({ ...base, schema }, 0);
    for (const outcome of SCHEMA_CHECK_OUTCOMES) this.#metrics.checks.inc({ ...base, outcome }, 0);
  }

  /** The URL fetched: `{url}/schemas/{track}`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /**
   * The state `/health` reports.
   *
   * @returns The verdict of the last comparison, the registry's state and the last failure.
   */
  status(): SchemaRegistryStatus {
    const v = this.#verdict;
    return {
      state: v === undefined ? "unknown" : v.differences.length > 0 ? "unhealthy" : "healthy",
      repo: this.#repo,
      track: this.#track,
      registry_up: this.#registryUp,
      checked_at: v === undefined ? null : new Date(v.at).toISOString(),
      differences: (v?.differences ?? []).slice(0, SHOWN_DIFFERENCES).map((d) => d.message),
      difference_count: v?.differences.length ?? 0,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
    };
  }

  /**
   * Fetches the expected schema and validates it.
   *
   * @param signal Aborts the request.
   * @returns The document.
   * @throws {SchemaRegistryError} When the registry cannot be reached, answers a status other
   * than 200, or a document that is not valid or names another repo or track.
   */
  async fetchExpected(signal?: AbortSignal): Promise<SchemaDocument> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await this.#fetch(this.#endpoint, {
        headers: { accept: "application/json" },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new SchemaRegistryError(
        "MDS_REGISTRY_UNREACHABLE",
        `Schema registry unreachable: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new SchemaRegistryError(
        "MDS_REGISTRY_HTTP",
        `Schema registry answered ${res.status} for track "${this.#track}"`,
      );
    }
    let text: string;
    try {
      text = await boundedText(res, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof SchemaRegistryError) throw err;
      throw new SchemaRegistryError(
        "MDS_REGISTRY_UNREACHABLE",
        "Schema registry answer ended early",
        err,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new SchemaRegistryError(
        "MDS_REGISTRY_INVALID",
        "Schema registry answer is not JSON",
        err,
      );
    }
    let doc: SchemaDocument;
    try {
      doc = parseSchemaDocument(json);
    } catch (err) {
      if (!(err instanceof SchemaDocumentError)) throw err;
      throw new SchemaRegistryError("MDS_REGISTRY_INVALID", err.message, err);
    }
    if (doc.repo !== this.#repo || doc.track !== this.#track) {
      throw new SchemaRegistryError(
        "MDS_REGISTRY_INVALID",
        `Schema registry answered repo "${doc.repo}" track "${doc.track}", expected repo "${this.#repo}" track "${this.#track}"`,
      );
    }
    return doc;
  }

  /**
   * One check: fetch, read the catalog, compare, update the metrics and the status. Never
   * throws: failures are logged, counted and returned.
   *
   * @param signal Aborts the registry request.
   * @returns How it ended and what differed.
   */
  async runOnce(signal?: AbortSignal): Promise<SchemaCheckResult> {
    const base = { repo: this.#repo, track: this.#track };
    let expected: SchemaDocument;
    try {
      expected = await this.fetchExpected(signal);
    } catch (err) {
      const code = err instanceof SchemaRegistryError ? err.code : "MDS_ADMIN_INTERNAL";
      this.#registryUp = false;
      this.#error = code;
      this.#metrics.up.set(base, 0);
      this.#metrics.checks.inc({ ...base, outcome: "registry_error" });
      this.#logger.log("warn", "schema registry check failed", {
        ...base,
        url: scrubSecrets(this.#endpoint),
        code,
        detail: err instanceof Error ? err.message : String(err),
      });
      return { outcome: "registry_error", differences: [], code };
    }
    this.#registryUp = true;
    this.#metrics.up.set(base, 1);
    const schemas = (Object.keys(expected.schemas) as CatalogSchema[]).sort();
    let live: SchemaDocument;
    try {
      live = await readSchemaDocument(this.#client, { ...base, schemas });
    } catch (err) {
      const code = typeof (err as { code?: unknown })?.code === "string"
        ? (err as { code: string }).code
        : "MDS_ADMIN_INTERNAL";
      this.#error = code;
      this.#metrics.checks.inc({ ...base, outcome: "catalog_error" });
      this.#logger.log("warn", "schema drift check could not read the catalog", {
        ...base,
        code,
        detail: err instanceof Error ? err.message : String(err),
      });
      return { outcome: "catalog_error", differences: [], code };
    }
    this.#error = undefined;
    const now = this.#now();
    const differences: SchemaDifference[] = [];
    for (const schema of schemas) {
      const found = diffSchemaCatalog(
        schema,
        expected.schemas[schema]!,
        live.schemas[schema] ?? { tables: {}, views: {} },
      );
      this.#metrics.differences.set({ ...base, schema }, found.length);
      if (found.length > 0) {
        this.#metrics.drift.inc({ ...base, schema });
        this.#metrics.last.set({ ...base, schema }, now / 1000);
      }
      differences.push(...found);
    }
    const hadDrift = (this.#verdict?.differences.length ?? 0) > 0;
    this.#verdict = { at: now, differences };
    if (differences.length > 0) {
      this.#metrics.checks.inc({ ...base, outcome: "drift" });
      this.#logger.log("warn", "schema drift", {
        ...base,
        schemas: [...new Set(differences.map((d) => d.schema))],
        count: differences.length,
        differences: differences.slice(0, SHOWN_DIFFERENCES).map((d) => d.message),
      });
      return { outcome: "drift", differences };
    }
    this.#metrics.checks.inc({ ...base, outcome: "match" });
    if (hadDrift) this.#logger.log("info", "schema drift cleared", base);
    return { outcome: "match", differences };
  }

  /**
   * Checks at once, then every `pollSeconds`, until `signal` aborts.
   *
   * @param signal Stops the loop (and aborts a request in flight).
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.runOnce(signal);
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, this.#pollMs);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }
}
