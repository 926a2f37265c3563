// The pulse over the backend matrix: what each committed write notifies on mds_pulse, that a
// rolled-back one and a client with pulse off notify nothing, one statement per transaction at
// most, and large option chains through the stash.
import {
  type Backend,
  BatchProcessor,
  createClient,
  type MdsClient,
  type Transaction,
} from "@mds/client";
import {
  type BarInput,
  decodePulse,
  PULSE_CHANNEL,
  type PulseEvent,
  type PulseRef,
} from "@mds/sql";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { backendSuite, newTenant, type TestDb } from "../testing/backends.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Hears mds_pulse on a backend; `settle` returns what arrived since the last call. */
interface Ear extends AsyncDisposable {
  settle(): Promise<(PulseEvent | PulseRef)[]>;
}

async function listen(db: Backend, channel: string = PULSE_CHANNEL): Promise<Ear> {
  const heard: string[] = [];
  const stop = await db.listen(channel, (p) => heard.push(p));
  return {
    // A marker notified after the writes committed arrives after their notifications.
    async settle() {
      const marker = `marker:${crypto.randomUUID()}`;
      await db.query("SELECT pg_notify($1, $2)", [PULSE_CHANNEL, marker]);
      const deadline = Date.now() + 10_000;
      while (!heard.includes(marker)) {
        if (Date.now() > deadline) throw new Error("the marker notification never arrived");
        await sleep(5);
      }
      const got = heard.splice(0, heard.indexOf(marker) + 1);
      got.pop();
      return got.map(decodePulse);
    },
    [Symbol.asyncDispose]: stop,
  };
}

/** A backend that counts the pg_notify statements of each transaction. */
function counting(real: Backend): Backend & { notifies: number[] } {
  const notifies: number[] = [];
  return {
    kind: real.kind,
    notifies,
    query: (text, params) => real.query(text, params),
    session: (fn) => real.session(fn),
    listen: (channel, fn, options) => real.listen(channel, fn, options),
    ...(real.listening ? { listening: (channel: string) => real.listening!(channel) } : {}),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
      real.transaction((tx) => {
        const i = notifies.push(0) - 1;
        return fn({
          query: (text, params) => {
            if (text.includes("pg_notify")) notifies[i]!++;
            return tx.query(text, params);
          },
          copyIn: (target, source) => tx.copyIn(target, source),
        });
      }),
    close: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  } as Backend & { notifies: number[] };
}

async function clientFor(
  db: TestDb | Backend,
  options: { pulse?: boolean; onPulse?: (e: PulseEvent[]) => void } = {},
): Promise<MdsClient> {
  const backend = "backend" in db ? db.backend : db;
  return await createClient({ backend, migrate: false, ...options });
}

const bar = (symbol: string, minute: number, extra: Partial<BarInput> = {}): BarInput => ({
  ts: Date.UTC(2024, 0, 2, 14, minute),
  vendor: "v",
  symbol,
  timeframe: "1m",
  open: 10,
  high: 20,
  low: 5,
  close: 10 + minute / 100,
  volume: 100,
  ...extra,
});

const snap = (symbol: string, strike: number) => ({
  ts: "2024-01-02T15:00:00Z",
  vendor: "opra",
  symbol,
  expiry: "2024-01-19",
  option_type: "C",
  strike,
  bid: 1.5,
  ask: 1.6,
  implied_volatility: 0.21,
});

function events(heard: (PulseEvent | PulseRef)[]): PulseEvent[] {
  for (const m of heard) assert(!("ref" in m), `unexpected reference ${JSON.stringify(m)}`);
  return heard as PulseEvent[];
}

backendSuite("pulse", {
  "a committed upsert notifies once per symbol and stream with the newest rows; onPulse gets the same events after commit":
    async (db) => {
      const tenant = newTenant();
      await using ear = await listen(db.backend);
      const called: PulseEvent[][] = [];
      await using client = await clientFor(db, { onPulse: (e) => called.push(e) });
      const t = client.tenant(tenant);
      const before = Date.now();
      await t.upsertBars([
        bar("AAPL", 30),
        bar("AAPL", 32),
        bar("AAPL", 31),
        bar("AAPL", 29, { vendor: "w" }),
        bar("AAPL", 0, { timeframe: "1d", ts: "2024-01-02T00:00:00Z" }),
        bar("MSFT", 30),
        bar("MSFT", 31),
      ]);
      const heard = events(await ear.settle());
      assertEquals(heard.map((e) => [e.tenant, e.stream, e.symbol]), [
        [tenant, "bars", "AAPL"],
        [tenant, "bars", "MSFT"],
      ]);
      const [aapl, msft] = heard as [PulseEvent, PulseEvent];
      // the rows as stored, without the tenant, times as ISO strings
      assertEquals(aapl.rows[0], {
        ts: "2024-01-02T14:32:00.000Z",
        vendor: "v",
        symbol: "AAPL",
        timeframe: "1m",
        open: 10,
        high: 20,
        low: 5,
        close: 10.32,
        volume: 100,
        vwap: null,
        trade_count: null,
      });
      assertEquals(aapl.rows.map((r) => [r.timeframe, r.vendor, r.ts]), [
        ["1m", "v", "2024-01-02T14:32:00.000Z"],
        ["1m", "w", "2024-01-02T14:29:00.000Z"],
        ["1d", "v", "2024-01-02T00:00:00.000Z"],
      ]);
      assertEquals(msft.rows.map((r) => r.ts), ["2024-01-02T14:31:00.000Z"]);
      assert(aapl.at >= before && aapl.at <= Date.now(), `at ${aapl.at} is the commit time`);
      assertEquals(called, [heard]);

      await t.upsertQuotes([
        { ts: "2024-01-02T14:30:00Z", vendor: "v", symbol: "AAPL", bid: 1, ask: 2 },
        { ts: "2024-01-02T14:30:01Z", vendor: "v", symbol: "AAPL", bid: 1.5, ask: 2 },
        { ts: "2024-01-02T14:29:00Z", vendor: "w", symbol: "AAPL", bid: 1.2, ask: 2 },
      ]);
      await t.upsertOptions([snap("SPY", 470), snap("SPY", 475), snap("SPY", 480)]);
      const [quotes, options, ...rest] = events(await ear.settle());
      assertEquals(rest, []);
      assertEquals([quotes?.stream, quotes?.symbol], ["quotes", "AAPL"]);
      assertEquals(quotes?.rows.map((r) => [r.vendor, r.bid, r.ts]), [
        ["v", 1.5, "2024-01-02T14:30:01.000Z"],
        ["w", 1.2, "2024-01-02T14:29:00.000Z"],
      ]);
      assertEquals([options?.stream, options?.symbol], ["options", "SPY"]);
      assertEquals(options?.rows.map((r) => [r.strike, r.expiry, r.option_type]), [
        [470, "2024-01-19", "C"],
        [475, "2024-01-19", "C"],
        [480, "2024-01-19", "C"],
      ]);
      assertEquals(called.length, 3);
      // Writes of kinds without a stream publish nothing.
      await t.upsertNews([{ published_at: "2024-01-02T15:00:00Z", vendor: "w", title: "x" }]);
      await t.upsertFundamentals([{ asof: "2024-03-31", vendor: "f", symbol: "AAPL", eps: 1 }]);
      assertEquals(await ear.settle(), []);
      assertEquals(called.length, 3);
    },

  "a unit of work sends one pg_notify statement at most, its events merged per symbol and stream":
    async (db) => {
      const tenant = newTenant();
      await using ear = await listen(db.backend);
      const backend = counting(db.backend);
      const called: PulseEvent[][] = [];
      await using client = await clientFor(backend, { onPulse: (e) => called.push(e) });
      await client.withTenant(tenant, async (t) => {
        await t.upsertBars([bar("AAPL", 30), bar("MSFT", 30)]);
        await t.upsertQuotes([{ ts: 0, vendor: "v", symbol: "AAPL", bid: 1, ask: 2 }]);
        await t.upsertBars([bar("AAPL", 31)]);
        await t.upsertOptions([snap("SPY", 470)]);
        await t.upsertBars([bar("AAPL", 29)]); // older: the event keeps 14:31
        assertEquals(called, [], "onPulse waits for the commit");
      });
      assertEquals(backend.notifies, [1]);
      const heard = events(await ear.settle());
      assertEquals(heard.map((e) => `${e.stream}:${e.symbol}`), [
        "bars:AAPL",
        "bars:MSFT",
        "quotes:AAPL",
        "options:SPY",
      ]);
      assertEquals(heard[0]?.rows.map((r) => r.ts), ["2024-01-02T14:31:00.000Z"]);
      assertEquals(called, [heard]);
      // A read never publishes; nor does a write that changed nothing (the same bar again),
      // while a write that changed one of its rows publishes its series.
      await client.tenant(tenant).latestPrices(["AAPL"]);
      assertEquals(backend.notifies, [1, 0]);
      await client.tenant(tenant).upsertBars([bar("AAPL", 31)]);
      assertEquals(backend.notifies, [1, 0, 0]);
      await client.tenant(tenant).upsertBars([bar("AAPL", 31), bar("MSFT", 31, { close: 9 })]);
      assertEquals(backend.notifies, [1, 0, 0, 1]);
      assertEquals(events(await ear.settle()).map((e) => e.symbol).sort(), ["AAPL", "MSFT"]);
    },

  "every write path publishes: insert and copy modes, a large batched upsert, the copy stream, a BatchProcessor and the sink":
    async (db) => {
      const tenant = newTenant();
      await using ear = await listen(db.backend);
      const backend = counting(db.backend);
      await using client = await clientFor(backend);
      const t = client.tenant(tenant);
      const bars = (symbol: string, n: number) =>
        Array.from({ length: n }, (_, i) => bar(symbol, i));
      await t.upsertBars(bars("INS", 3), { mode: "insert" });
      await t.upsertBars(bars("CPY", 3), { mode: "copy" });
      await t.upsertBars(bars("BIG", 25), { mode: "insert", batchRows: 10 }); // three statements
      await t.copyBars(bars("STR", 25), { batchRows: 10 }); // three batches, three units of work
      const batch = new BatchProcessor(t, { maxRows: 4 });
      for (const b of bars("BAT", 10)) await batch.addBar(b);
      await batch.close(); // 4 + 4 + 2
      const quotes = new BatchProcessor(t, { maxRows: 4 });
      for (let i = 0; i < 10; i++) {
        await quotes.addQuote({ ts: i * 1000, vendor: "v", symbol: "BQT", bid: 1, ask: 2 });
      }
      await quotes.close(); // encoded batches keep the newest quote of each vendor and symbol
      const sink = t.sink();
      await sink.write("quotes", [
        sink.validate("quotes", { ts: 0, vendor: "v", symbol: "SNK", bid: 1, ask: 2 }),
      ]);
      await t.copyQuotes([{ ts: 0, vendor: "v", symbol: "CPQ", bid: 1, ask: 2 }]);
      await t.copyOptions([snap("CPO", 100)]);
      const heard = events(await ear.settle());
      const tally = new Map<string, string[]>();
      for (const e of heard) {
        tally.set(`${e.stream}:${e.symbol}`, [
          ...(tally.get(`${e.stream}:${e.symbol}`) ?? []),
          String(e.rows[0]?.ts),
        ]);
      }
      // a BatchProcessor on a server runs two flushes at once: they may commit in either order
      for (const list of tally.values()) list.sort();
      const minute = (m: number) => new Date(Date.UTC(2024, 0, 2, 14, m)).toISOString();
      assertEquals(Object.fromEntries(tally), {
        "bars:INS": [minute(2)],
        "bars:CPY": [minute(2)],
        "bars:BIG": [minute(24)],
        "bars:STR": [minute(9), minute(19), minute(24)],
        "bars:BAT": [minute(3), minute(7), minute(9)],
        "quotes:BQT": [3, 7, 9].map((s) => new Date(s * 1000).toISOString()),
        "quotes:SNK": ["1970-01-01T00:00:00.000Z"],
        "quotes:CPQ": ["1970-01-01T00:00:00.000Z"],
        "options:CPO": ["2024-01-02T15:00:00.000Z"],
      });
      assert(backend.notifies.every((n) => n <= 1), `${backend.notifies}`);
      assertEquals(backend.notifies.filter((n) => n === 1).length, heard.length);
    },

  "an embedded store sends no pg_notify while no listener of its own is on the channel; onPulse still gets the events":
    async (db) => {
      const tenant = newTenant();
      const backend = counting(db.backend);
      const called: PulseEvent[][] = [];
      await using client = await clientFor(backend, { onPulse: (e) => called.push(e) });
      const t = client.tenant(tenant);
      // PGlite's one session is this process's; on a server another session may listen
      const embedded = db.backend.kind === "pglite";
      assertEquals(db.backend.listening?.(PULSE_CHANNEL), embedded ? false : undefined);
      await t.upsertBars([bar("AAPL", 30)]);
      assertEquals(backend.notifies, [embedded ? 0 : 1]);
      {
        await using ear = await listen(db.backend);
        assertEquals(db.backend.listening?.(PULSE_CHANNEL), embedded ? true : undefined);
        await t.upsertBars([bar("MSFT", 30)]);
        assertEquals(backend.notifies.at(-1), 1);
        assertEquals(events(await ear.settle()).map((e) => [e.tenant, e.symbol]), [
          [tenant, "MSFT"],
        ]);
      }
      await t.upsertBars([bar("IBM", 30)]);
      assertEquals(backend.notifies.at(-1), embedded ? 0 : 1, "its listener has stopped");
      if (embedded) {
        // PGlite folds an unquoted channel name to lower case (postgres.js quotes it): such a
        // listener hears the pulse, so it counts
        await using ear = await listen(db.backend, PULSE_CHANNEL.toUpperCase());
        await t.upsertBars([bar("IBM", 31)]);
        assertEquals(backend.notifies.at(-1), 1);
        assertEquals(events(await ear.settle()).map((e) => e.symbol), ["IBM"]);
      } else await t.upsertBars([bar("IBM", 31)]);
      assertEquals(called.map((events) => events.map((e) => e.symbol)), [
        ["AAPL"],
        ["MSFT"],
        ["IBM"],
        ["IBM"],
      ]);
    },

  "a rolled-back unit of work notifies nothing and calls no onPulse": async (db) => {
    const tenant = newTenant();
    await using ear = await listen(db.backend);
    const called: PulseEvent[][] = [];
    await using client = await clientFor(db, { onPulse: (e) => called.push(e) });
    await assertRejects(
      () =>
        client.withTenant(tenant, async (t) => {
          await t.upsertBars([bar("RBK", 30)]);
          await t.upsertOptions([snap("RBK", 1)]);
          throw new Error("changed my mind");
        }),
      Error,
    );
    // a write that fails in the database rolls back the same way
    await assertRejects(
      () =>
        client.withTenant(tenant, async (t) => {
          await t.upsertBars([bar("RBK", 31)]);
          await t.upsertBars([bar("RBK", 32, { tenant_id: newTenant() })]);
        }),
      Error,
    );
    assertEquals(await ear.settle(), []);
    assertEquals(called, []);
    assertEquals(await client.tenant(tenant).cursors(), []);
  },

  "a pulse statement that fails rolls its unit of work back and is the error reported": async (
    db,
  ) => {
    // On a server the pulse goes out with COMMIT without waiting for its answer; the server
    // then answers COMMIT by rolling back, which must not pass for a commit.
    const tenant = newTenant();
    await using ear = await listen(db.backend);
    const real = db.backend;
    const failing = {
      ...counting(real),
      transaction: <T>(fn: (tx: Transaction) => Promise<T>) =>
        real.transaction((tx) =>
          fn({
            query: (text, params, options) =>
              text.includes("pg_notify")
                ? tx.query("SELECT 1 / 0 AS boom", [], options)
                : tx.query(text, params, options),
            copyIn: (target, source) => tx.copyIn(target, source),
          })
        ),
    } as Backend;
    const called: PulseEvent[][] = [];
    await using client = await clientFor(failing, { onPulse: (e) => called.push(e) });
    const err = await assertRejects(
      () => client.tenant(tenant).upsertBars([bar("PF", 30)]),
      Error,
    );
    assert(/division by zero/i.test(err.message), err.message);
    await using reader = await clientFor(db);
    assertEquals(await reader.tenant(tenant).cursors(), [], "nothing of the write committed");
    assertEquals(await reader.tenant(tenant).latestPrices(["PF"]), []);
    assertEquals(called, []);
    assertEquals(await ear.settle(), []);
    // the connection is fine afterwards
    assertEquals((await reader.tenant(tenant).upsertBars([bar("PF", 30)])).inserted, 1);
  },

  "a client with pulse: false notifies nothing and calls no onPulse": async (db) => {
    const tenant = newTenant();
    await using ear = await listen(db.backend);
    const backend = counting(db.backend);
    const called: PulseEvent[][] = [];
    await using client = await clientFor(backend, { pulse: false, onPulse: (e) => called.push(e) });
    const t = client.tenant(tenant);
    await t.upsertBars([bar("OFF", 30)]);
    await t.upsertQuotes([{ ts: 0, vendor: "v", symbol: "OFF", bid: 1, ask: 2 }]);
    await t.copyOptions(Array.from({ length: 100 }, (_, i) => snap("OFF", i + 1)));
    assertEquals(await ear.settle(), []);
    assertEquals(called, []);
    assertEquals(backend.notifies.filter((n) => n > 0), []);
    await assertRejects(() => clientFor(db, { pulse: "no" as unknown as boolean }), Error);
  },

  "an option chain too large for a notification arrives as a reference and reads back whole; old stashed rows are purged":
    async (db) => {
      const tenant = newTenant();
      await using ear = await listen(db.backend);
      const called: PulseEvent[][] = [];
      await using client = await clientFor(db, { onPulse: (e) => called.push(e) });
      const t = client.tenant(tenant);
      const chain = Array.from({ length: 300 }, (_, i) => snap("SPY", 300 + i));
      await client.withTenant(tenant, async (w) => {
        await w.upsertOptions(chain);
        await w.upsertBars([bar("SPY", 30)]); // small: travels as is next to the reference
      });
      const heard = await ear.settle();
      assertEquals(heard.length, 2);
      const small = heard.find((m) => !("ref" in m));
      const ref = heard.find((m) => "ref" in m);
      assert(small && !("ref" in small), "the small event as is");
      assertEquals([small.stream, small.symbol], ["bars", "SPY"]);
      assert(ref && "ref" in ref, `a reference, not ${JSON.stringify(ref)?.slice(0, 100)}`);
      assertEquals([ref.tenant, ref.stream, ref.symbol], [tenant, "options", "SPY"]);
      const event = await client.readPulseEvent(ref.ref);
      assert(event !== null);
      assertEquals(ref.at, event.at);
      assertEquals(event.rows.length, 300);
      assertEquals(event.rows[299]?.strike, 599);
      // the stashed event is the one onPulse got
      assertEquals(called[0]?.find((e) => e.stream === "options"), event);
      assertEquals(await client.readPulseEvent(ref.ref + 1_000_000), null);

      // A stashed row 11 minutes old goes with the tenant's next stash; another tenant's stays.
      const other = newTenant();
      await client.tenant(other).upsertOptions(chain);
      const [otherRef] = await ear.settle();
      assert(otherRef && "ref" in otherRef);
      await db.backend.query(
        "UPDATE mds_core.pulse_events SET created_at = now() - interval '11 minutes' WHERE id = ANY($1::bigint[])",
        [`{${ref.ref},${otherRef.ref}}`],
      );
      // the same chain again changes nothing and publishes nothing; new quotes publish
      await t.upsertOptions(chain);
      assertEquals(await ear.settle(), []);
      await t.upsertOptions(chain.map((s) => ({ ...s, bid: 1.55 })));
      const [again] = await ear.settle();
      assert(again && "ref" in again && again.ref > ref.ref);
      assertEquals(await client.readPulseEvent(ref.ref), null);
      assert(await client.readPulseEvent(again.ref) !== null);
      assert(await client.readPulseEvent(otherRef.ref) !== null);
    },
});
