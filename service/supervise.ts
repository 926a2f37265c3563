// Running a collector as a long-lived process: SIGTERM and SIGINT stop it gracefully, SIGHUP
// reloads its configuration (a refused one keeps the running one).
import type { Collector, CollectorEvent } from "./collector.ts";
import type { CollectorConfig } from "./config.ts";

/** The signals a supervised collector answers. */
export type CollectorSignal = "SIGTERM" | "SIGINT" | "SIGHUP";

/** Options of {@linkcode superviseCollector}. */
export interface SuperviseOptions {
  /** The collector to run. */
  collector: Collector;
  /**
   * Subscribes to a process signal; returns the unsubscribe. On Deno:
   * `(sig, fn) => { Deno.addSignalListener(sig, fn); return () => Deno.removeSignalListener(sig, fn); }`.
   */
  onSignal: (signal: CollectorSignal, fn: () => void) => () => void;
  /** Reads and validates the configuration again, for SIGHUP; absent: SIGHUP is logged only. */
  reload?: (() => Promise<CollectorConfig>) | undefined;
  /** Receives the supervisor's log lines. @default {none} */
  log?: ((event: CollectorEvent) => void) | undefined;
  /** Stops the collector too, e.g. a test's. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs a collector until SIGTERM or SIGINT (or `signal`), then stops it gracefully: no new
 * claims, running jobs finish within the grace period or return to the queue. SIGHUP reloads
 * the configuration; a configuration that fails validation is logged (`reload_refused`, with
 * every issue) and the running one stays.
 *
 * @param options The collector, the signal source and how to reload.
 * @returns Once the collector has stopped.
 */
export async function superviseCollector(options: SuperviseOptions): Promise<void> {
  const log = options.log ?? (() => {});
  const stop = new AbortController();
  const halt = (why: string) => () => {
    if (stop.signal.aborted) return;
    log({ event: "signal", signal: why });
    stop.abort();
  };
  let reloading = false;
  const reload = async () => {
    if (reloading) return;
    reloading = true;
    try {
      if (options.reload === undefined) {
        log({ event: "reload_skipped", reason: "no configuration file" });
        return;
      }
      options.collector.reload(await options.reload());
    } catch (e) {
      log({
        event: "reload_refused",
        error: e instanceof Error ? e.message : String(e),
        issues: (e as { issues?: unknown }).issues,
      });
    } finally {
      reloading = false;
    }
  };
  const off = [
    options.onSignal("SIGTERM", halt("SIGTERM")),
    options.onSignal("SIGINT", halt("SIGINT")),
    options.onSignal("SIGHUP", () => void reload()),
  ];
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  try {
    await options.collector.run(stop.signal);
  } finally {
    for (const f of off) f();
  }
}
