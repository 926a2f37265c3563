// `mds options metrics|strategies`: chain metrics and strategies of an underlying's stored option
// chain, computed with @mds/analytics (the same answers as GET /options/{symbol}/metrics and
// /strategies of the API).
import { type Command, Option } from "commander";
import {
  AnalyticsError,
  buildStrategies,
  buildStrategy,
  chainMetrics,
  STRATEGY_NAMES,
  type StrategyName,
} from "@mds/analytics";
import { DEFAULT_OPTIONS_RATE } from "@mds/client";
import { type LoadedOptionChain, loadOptionChain } from "@mds/service";
import type { CommandDeps } from "./_command_deps.ts";
import { openClient, requireTenant } from "./_open.ts";
import { EXIT, UsageError } from "./exit.ts";
import { printObject } from "./output.ts";

interface ChainFlags {
  at?: string;
  expiry?: string;
  vendor?: string;
  rate?: string;
  dividendYield?: string;
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < -1 || n > 1) {
    throw new UsageError(`${flag} is "${raw}": expected a fraction per year from -1 to 1`);
  }
  return n;
}

function chainFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--at <time>", "the chain as known at this time, ISO 8601 (default: now)"),
    )
    .addOption(new Option("--expiry <date>", "only this expiry, YYYY-MM-DD"))
    .addOption(new Option("--vendor <name>", "only this vendor (default: the newest snapshot's)"))
    .addOption(
      new Option(
        "--rate <r>",
        `risk-free rate, continuously compounded (default: ${DEFAULT_OPTIONS_RATE})`,
      )
        .env("MDS_OPTIONS_RATE"),
    )
    .addOption(
      new Option("--dividend-yield <q>", "dividend yield, continuously compounded (default: 0)"),
    );
}

/** Registers `mds options` and its subcommands. */
export function optionsCommands(program: Command, deps: CommandDeps): void {
  const { io, withClient, setExit } = deps;
  const options = program.command("options").description(
    "options analytics of a stored chain: metrics (put/call ratios, ATM vol, skew, max pain, gamma exposure) and strategies",
  );

  const load = async (s: Parameters<typeof openClient>[0], symbol: string, o: ChainFlags) => {
    const at = o.at === undefined ? undefined : new Date(o.at);
    if (at !== undefined && Number.isNaN(at.getTime())) {
      throw new UsageError(`--at is "${o.at}": expected an ISO 8601 time`);
    }
    const tenant = requireTenant(s);
    await using client = await openClient(s);
    return await loadOptionChain(client.tenant(tenant), {
      symbol,
      at,
      expiry: o.expiry,
      vendor: o.vendor,
      rate: number("--rate", o.rate) ?? DEFAULT_OPTIONS_RATE,
      dividendYield: number("--dividend-yield", o.dividendYield) ?? 0,
    });
  };
  const head = (l: LoadedOptionChain) => ({
    symbol: l.symbol,
    vendor: l.vendor,
    as_of: l.chain.asOf.toISOString(),
    spot: l.chain.spot,
    spot_source: l.spotSource,
    rate: l.chain.rate,
    dividend_yield: l.chain.dividendYield,
    contracts: l.contracts,
  });
  const missing = (symbol: string) => {
    io.err(`mds: no option chain of "${symbol.toUpperCase()}" with a price of the underlying\n`);
    setExit(EXIT.failure);
  };

  chainFlags(
    options.command("metrics <symbol>").description(
      "chain metrics of the newest chain: put/call ratios, ATM volatility by expiry, 25-delta risk reversal, max pain, gamma exposure",
    ),
  ).action(withClient(async (s, cmd, symbol) => {
    const loaded = await load(s, symbol as string, cmd.opts<ChainFlags>());
    if (loaded === null) return missing(symbol as string);
    const m = chainMetrics(loaded.chain);
    if (s.json) return printObject(io, { ...head(loaded), metrics: m }, true);
    const pc = m.putCallRatio;
    io.out(
      `${loaded.symbol} ${loaded.vendor} as of ${head(loaded).as_of}: spot ${loaded.chain.spot}, ` +
        `${loaded.contracts} contracts\nput/call volume ${pc.volumeRatio ?? "-"}, open interest ${
          pc.openInterestRatio ?? "-"
        }; gamma exposure ${m.gammaExposure.total}\n`,
    );
    io.out("expiry      days  atm_vol  rr25     max_pain\n");
    for (const e of m.expiries) {
      io.out(
        `${e.expiry}  ${String(e.days).padStart(4)}  ${fmt(e.atmVolatility)}  ${
          fmt(e.riskReversal25)
        }  ${e.maxPainStrike ?? "-"}\n`,
      );
    }
  }));

  chainFlags(
    options.command("strategies <symbol>").description(
      "strategies built from the newest chain, with maximum profit and loss, break-evens and probability of profit",
    ),
  )
    .addOption(new Option("--type <name>", "only this strategy").choices([...STRATEGY_NAMES]))
    .addOption(new Option("--strikes <list>", "the strikes to use, comma-separated (needs --type)"))
    .action(withClient(async (s, cmd, symbol) => {
      const o = cmd.opts<ChainFlags & { type?: StrategyName; strikes?: string }>();
      const strikes = o.strikes?.split(",").map(Number);
      if (strikes !== undefined && (o.type === undefined || strikes.some((k) => !(k > 0)))) {
        throw new UsageError(`--strikes is "${o.strikes}": expected positive numbers and a --type`);
      }
      const loaded = await load(s, symbol as string, o);
      if (loaded === null) return missing(symbol as string);
      const opts = {
        ...(o.expiry === undefined ? {} : { expiry: o.expiry }),
        ...(strikes === undefined ? {} : { strikes }),
      };
      let built;
      try {
        built = o.type === undefined
          ? buildStrategies(loaded.chain, opts)
          : [buildStrategy(loaded.chain, o.type, opts)];
      } catch (e) {
        if (e instanceof AnalyticsError) throw new UsageError(e.message);
        throw e;
      }
      if (s.json) return printObject(io, { ...head(loaded), strategies: built }, true);
      for (const st of built) {
        io.out(
          `${st.name} ${st.expiry}: legs ${
            st.legs.map((l) =>
              `${l.side} ${l.type}${l.strike === null ? "" : ` ${l.strike}`} @ ${l.price}`
            ).join(", ")
          }; max profit ${st.maxProfit ?? "unbounded"}, max loss ${
            st.maxLoss ?? "unbounded"
          }, break-evens ${st.breakEvens.join("/")}, P(profit) ${
            st.probabilityOfProfit === null ? "-" : st.probabilityOfProfit.toFixed(3)
          }\n`,
        );
      }
    }));
}

function fmt(x: number | null): string {
  return (x === null ? "-" : x.toFixed(4)).padEnd(7);
}
