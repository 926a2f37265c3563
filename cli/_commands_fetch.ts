// `mds fetch bars`: bars from a vendor (Yahoo, Finnhub, or the health-routed pair), written to the
// store for the tenant, or printed as NDJSON with --dry-run.
import { type Command, Option } from "commander";
import {
  defaultProvidersConfig,
  PROVIDER_ENV_VARS,
  type ProviderName,
  ProviderRegistry,
  type ProvidersConfigInput,
} from "@mds/providers";
import { type Bar, parseInstant, type Timeframe, TIMEFRAMES } from "@mds/sql";
import { jsonArg } from "./_args.ts";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { UsageError } from "./exit.ts";
import { printObject } from "./output.ts";

const PROVIDER_CHOICES = ["yahoo", "finnhub", "auto"] as const;
const BATCH_ROWS = 5_000;

/** Registers `mds fetch bars`. */
export function fetchCommands(program: Command, deps: CommandDeps): void {
  const { io, host, withClient } = deps;
  const fetch = program.command("fetch").description(
    "fetch market data from a vendor into the store",
  );
  fetch.command("bars").description(
    "bars of one symbol over [start, end) from a vendor, written idempotently for the tenant",
  )
    .addOption(
      new Option("--provider <name>", "yahoo, finnhub, or auto (healthiest of those configured)")
        .choices([...PROVIDER_CHOICES]).default("auto"),
    )
    .requiredOption("--symbol <symbol>", "ticker")
    .addOption(new Option("--timeframe <tf>", "bar length").choices([...TIMEFRAMES]).default("1d"))
    .requiredOption("--start <time>", "first bar open time, ISO 8601 (UTC without a zone)")
    .requiredOption("--end <time>", "end, exclusive, ISO 8601 (UTC without a zone)")
    .addOption(
      new Option(
        "--providers-config <file>",
        "provider configuration (JSON); default: Yahoo, then Finnhub when FINNHUB_API_KEY is set",
      ).env("MDS_PROVIDERS_CONFIG"),
    )
    .addOption(new Option("--dry-run", "print the bars as NDJSON; write nothing"))
    .action(withClient(async (s, cmd) => {
      const o = cmd.opts<{
        provider: (typeof PROVIDER_CHOICES)[number];
        symbol: string;
        timeframe: Timeframe;
        start: string;
        end: string;
        providersConfig?: string;
        dryRun?: boolean;
      }>();
      const start = parseInstant(o.start, "--start");
      const end = parseInstant(o.end, "--end");
      if (start >= end) throw new UsageError("--start must be before --end");
      const only = o.provider === "auto" ? undefined : o.provider as ProviderName;
      let config: ProvidersConfigInput;
      if (o.providersConfig !== undefined) {
        const text = await new Response(await host.openInput(o.providersConfig)).text();
        config = jsonArg("--providers-config")(text) as ProvidersConfigInput;
        if (only !== undefined) {
          config = { ...config, routing: { bars: [only] } };
        }
      } else {
        if (only === "finnhub" && !host.env(PROVIDER_ENV_VARS.finnhubApiKey)) {
          throw new UsageError("--provider finnhub needs FINNHUB_API_KEY");
        }
        config = defaultProvidersConfig({
          FINNHUB_API_KEY: host.env(PROVIDER_ENV_VARS.finnhubApiKey),
        }, only);
      }
      const env: Record<string, string | undefined> = {};
      for (const name of Object.values(PROVIDER_ENV_VARS)) env[name] = host.env(name);
      for (const p of config.providers ?? []) {
        if (p.apiKeyEnv) env[p.apiKeyEnv] = host.env(p.apiKeyEnv);
      }
      const registry = new ProviderRegistry(config, { env });
      const tenant = o.dryRun ? undefined : requireTenant(s);
      const stream = registry.fetchBars({
        symbol: o.symbol,
        timeframe: o.timeframe,
        start,
        end,
      });
      const totals = { fetched: 0, inserted: 0, updated: 0, unchanged: 0 };
      if (o.dryRun) {
        for await (const bar of stream) {
          totals.fetched++;
          io.out(`${JSON.stringify(bar)}\n`);
        }
      } else {
        await using client = await openClient(s);
        const api = client.tenant(tenant);
        let batch: Bar[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const r = await api.upsertBars(batch);
          totals.inserted += r.inserted;
          totals.updated += r.updated;
          totals.unchanged += r.unchanged;
          batch = [];
        };
        for await (const bar of stream) {
          totals.fetched++;
          batch.push(bar);
          if (batch.length >= BATCH_ROWS) await flush();
        }
        await flush();
      }
      const info = stream.info;
      const summary = {
        provider: info.provider,
        symbol: o.symbol,
        timeframe: o.timeframe,
        fetched: totals.fetched,
        skipped_nulls: info.skippedNulls,
        requests: info.requests,
        splits: info.splits.length,
        dividends: info.dividends.length,
        ...(o.dryRun ? {} : {
          inserted: totals.inserted,
          updated: totals.updated,
          unchanged: totals.unchanged,
        }),
      };
      if (o.dryRun) io.err(`${JSON.stringify(summary)}\n`);
      else printObject(io, summary, s.json);
    }));
}
