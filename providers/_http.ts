// One JSON request to a vendor: rate limit, deadline, cancellation, HTTP status to error code,
// and a RequestEvent for metrics. The URL never reaches an error message or an event.
import { ProviderError } from "./errors.ts";
import type { FetchFn, RequestEvent, RequestLimiter } from "./provider.ts";

/** What an adapter hands to every request. */
export interface HttpContext {
  /** Provider name, for errors. */
  provider: string;
  /** Display name of the vendor, for messages. */
  vendor: string;
  fetch: FetchFn;
  now: () => number;
  limiter: RequestLimiter | undefined;
  onRequest: ((event: RequestEvent) => void) | undefined;
}

/** One request. */
export interface JsonRequest {
  /** Endpoint template name, e.g. `chart`. */
  endpoint: string;
  url: URL;
  headers?: Record<string, string> | undefined;
  signal: AbortSignal | undefined;
  /** Epoch milliseconds. */
  deadline: number;
}

/** The answer handed to an interpreter: any status but 401, 403, 408, 429 and 5xx. */
export interface JsonAnswer {
  status: number;
  /** The parsed body; `undefined` when a non-2xx body was not JSON. */
  body: unknown;
}

const MAX_RETRY_AFTER_MS = 3_600_000;
/** setTimeout's limit (2^31 - 1 ms); a later deadline waits this long at most. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Milliseconds a `Retry-After` header asks for: delta-seconds or an HTTP date.
 *
 * @param header The header value, or null.
 * @param now The clock, for an HTTP date.
 * @returns Milliseconds from now (at most an hour), or undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1_000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/**
 * Sends one GET and hands the parsed answer to `interpret`, which returns the result or throws
 * a ProviderError. Rejects with the signal's reason when the caller aborts.
 */
export async function requestJson<T>(
  ctx: HttpContext,
  req: JsonRequest,
  interpret: (answer: JsonAnswer) => T,
): Promise<T> {
  req.signal?.throwIfAborted();
  const err = (code: ConstructorParameters<typeof ProviderError>[0], message: string, extra = {}) =>
    new ProviderError(code, message, { provider: ctx.provider, endpoint: req.endpoint, ...extra });
  if (ctx.limiter !== undefined) {
    const permitted = await ctx.limiter.acquire({ signal: req.signal, deadline: req.deadline });
    if (!permitted) {
      throw err(
        "PROVIDER_TIMEOUT",
        `No request slot for ${ctx.vendor} "${req.endpoint}" before the deadline`,
      );
    }
  }
  const started = ctx.now();
  let code: RequestEvent["code"];
  try {
    const answer = await send(ctx, req, err);
    return interpret(answer);
  } catch (e) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (e instanceof ProviderError) code = e.providerCode;
    throw e;
  } finally {
    if (!req.signal?.aborted) {
      ctx.onRequest?.({
        provider: ctx.provider,
        endpoint: req.endpoint,
        seconds: Math.max(0, ctx.now() - started) / 1_000,
        code,
      });
    }
  }
}

type MakeError = (
  code: ConstructorParameters<typeof ProviderError>[0],
  message: string,
  extra?: { status?: number; retryAfterMs?: number | undefined; field?: string; cause?: unknown },
) => ProviderError;

async function send(ctx: HttpContext, req: JsonRequest, err: MakeError): Promise<JsonAnswer> {
  const remaining = req.deadline - ctx.now();
  if (remaining <= 0) {
    throw err(
      "PROVIDER_TIMEOUT",
      `Deadline passed before ${ctx.vendor} "${req.endpoint}" was sent`,
    );
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, Math.min(remaining, MAX_TIMER_MS));
  const onAbort = () => controller.abort(req.signal?.reason);
  req.signal?.addEventListener("abort", onAbort, { once: true });
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const res = await ctx.fetch(req.url, {
      headers: { accept: "application/json", ...req.headers },
      signal: controller.signal,
    });
    status = res.status;
    retryAfter = res.headers.get("retry-after");
    text = await res.text();
  } catch (cause) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (timedOut) {
      throw err(
        "PROVIDER_TIMEOUT",
        `${ctx.vendor} "${req.endpoint}" did not answer within ${remaining} ms`,
        { cause },
      );
    }
    throw err("PROVIDER_UNAVAILABLE", `${ctx.vendor} "${req.endpoint}" could not be reached`, {
      cause,
    });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", onAbort);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter, ctx.now());
    throw err("PROVIDER_RATE_LIMITED", `${ctx.vendor} refused "${req.endpoint}" with 429`, {
      status,
      retryAfterMs,
    });
  }
  if (status === 401 || status === 403) {
    throw err(
      "PROVIDER_AUTH",
      `${ctx.vendor} refused the credentials for "${req.endpoint}" with ${status}`,
      {
        status,
      },
    );
  }
  if (status >= 500 || status === 408) {
    throw err("PROVIDER_UNAVAILABLE", `${ctx.vendor} answered "${req.endpoint}" with ${status}`, {
      status,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    if (status >= 200 && status < 300) {
      throw err(
        "PROVIDER_BAD_RESPONSE",
        `${ctx.vendor} sent a body to "${req.endpoint}" that is not JSON`,
        {
          status,
          field: "(body)",
          cause,
        },
      );
    }
    body = undefined;
  }
  return { status, body };
}
