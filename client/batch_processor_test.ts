import type { RowKind, RowOf } from "@mds/sql";
import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { BatchProcessor, type Clock } from "./batch_processor.ts";
import { RetryableError } from "./errors.ts";
import type { RowSink } from "./row_sink.ts";
import { TenantApi } from "./tenant.ts";
import type { WriteResult } from "./write_types.ts";

const TENANT = "6f1c7a54-3b1e-4c8e-9a57-2d4be1f0a001";

/** A clock whose time only moves when the test says so. */
class FakeClock implements Clock {
  time = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.time) {
        this.#timers.delete(id);
        t.fn();
      }
    }
  }
  get pending(): number {
    return this.#timers.size;
  }
}

interface Call {
  kind: RowKind;
  rows: number;
  release: (fail?: unknown) => void;
}

/**
 * A tenant's sink whose writes wait until the test releases them, recording each batch; with
 * `rowsOnly` it has no `writeEncoded`, so the processor keeps row objects.
 */
function fakeApi(rowsOnly = false) {
  const calls: Call[] = [];
  const tenant = new TenantApi({
    tenant: TENANT,
    backend: "postgres",
    writeMode: "auto",
    run: () => Promise.reject(new Error("not used")),
    schemaMode: () => Promise.resolve("plain"),
  });
  const api: RowSink = { ...tenant.sink() };
  const record = (kind: RowKind, rows: number): Promise<WriteResult> =>
    new Promise((resolve, reject) => {
      calls.push({
        kind,
        rows,
        release: (fail?: unknown) =>
          fail ? reject(fail) : resolve({
            rows,
            unique: rows,
            inserted: rows,
            updated: 0,
            unchanged: 0,
          }),
      });
    });
  api.write = <K extends RowKind>(kind: K, rows: readonly RowOf[K][]) => record(kind, rows.length);
  if (rowsOnly) delete api.writeEncoded;
  else api.writeEncoded = (rows) => record(rows.spec.kind, rows.length);
  return { api, calls };
}

const bar = (i: number) => ({
  ts: Date.UTC(2024, 0, 2, 14, 30) + i * 60_000,
  vendor: "v",
  symbol: "A",
  timeframe: "1m",
  open: 1,
  high: 1,
  low: 1,
  close: 1,
});
const tick = () => new Promise((r) => setTimeout(r, 0));

/** Registers a test twice: batches encoded (the sink has `writeEncoded`), and row objects. */
function both(name: string, fn: (rowsOnly: boolean) => void | Promise<void>): void {
  Deno.test(`${name} (encoded batches)`, () => fn(false));
  Deno.test(`${name} (row batches)`, () => fn(true));
}

both("BatchProcessor flushes a kind's buffer when it reaches maxRows", async (rowsOnly) => {
  const { api, calls } = fakeApi(rowsOnly);
  const clock = new FakeClock();
  const bp = new BatchProcessor(api, { maxRows: 3, clock });
  for (let i = 0; i < 7; i++) await bp.addBar(bar(i));
  assertEquals(calls.map((c) => c.rows), [3, 3]);
  assertEquals(bp.stats.pendingRows, 1);
  calls.forEach((c) => c.release());
  const closing = bp.close();
  await tick();
  calls[2]!.release();
  const total = await closing;
  assertEquals(calls.map((c) => c.rows), [3, 3, 1]);
  assertEquals([total.rows, total.inserted, bp.stats.batches], [7, 7, 3]);
});

both("BatchProcessor flushes when the buffered input reaches maxBytes", async (rowsOnly) => {
  const { api, calls } = fakeApi(rowsOnly);
  const bp = new BatchProcessor(api, { maxRows: 1000, maxBytes: 1000, clock: new FakeClock() });
  await bp.addBar(bar(0), 400);
  await bp.addBar(bar(1), 400);
  assertEquals(calls.length, 0);
  await bp.addBar(bar(2), 400);
  assertEquals(calls.map((c) => c.rows), [3]);
  calls[0]!.release();
  await bp.close();
  assertEquals(bp.stats.bytes, 1200);
});

both("BatchProcessor flushes maxMs after the first buffered row, not before", async (rowsOnly) => {
  const { api, calls } = fakeApi(rowsOnly);
  const clock = new FakeClock();
  const bp = new BatchProcessor(api, { maxRows: 1000, maxMs: 500, clock });
  await bp.addBar(bar(0));
  clock.advance(300);
  await bp.addBar(bar(1));
  clock.advance(199);
  assertEquals(calls.length, 0, "nothing flushed before maxMs");
  clock.advance(1);
  await tick();
  assertEquals(calls.map((c) => c.rows), [2], "flushed at maxMs after the first row");
  assertEquals(clock.pending, 0, "no timer left once the buffer is empty");
  calls[0]!.release();
  await bp.close();
});

both(
  "BatchProcessor add() waits while the buffer is full and concurrency flushes run",
  async (rowsOnly) => {
    const { api, calls } = fakeApi(rowsOnly);
    const bp = new BatchProcessor(api, { maxRows: 2, concurrency: 1, clock: new FakeClock() });
    await bp.addBar(bar(0));
    await bp.addBar(bar(1)); // first flush starts
    await bp.addBar(bar(2));
    let done = false;
    const blocked = bp.addBar(bar(3)).then(() => (done = true));
    await tick();
    await tick();
    assertEquals(done, false, "add() must wait for the running flush");
    assertEquals(calls.length, 1);
    calls[0]!.release();
    await blocked;
    assertEquals(
      calls.map((c) => c.rows),
      [2, 2],
      "the second flush started after the first ended",
    );
    calls[1]!.release();
    await bp.close();
  },
);

both("BatchProcessor raises a flush error at the next add, flush and close", async (rowsOnly) => {
  const { api, calls } = fakeApi(rowsOnly);
  const bp = new BatchProcessor(api, { maxRows: 1, concurrency: 2, clock: new FakeClock() });
  await bp.addBar(bar(0));
  calls[0]!.release(new RetryableError("Connection lost"));
  await tick();
  await assertRejects(() => bp.addBar(bar(1)), RetryableError);
  await assertRejects(() => bp.flush(), RetryableError);
  await assertRejects(() => bp.close(), RetryableError);
  assertEquals(calls.length, 1, "nothing more was sent after the failure");
});

both("BatchProcessor rejects an invalid row without buffering it", async (rowsOnly) => {
  const { api, calls } = fakeApi(rowsOnly);
  const bp = new BatchProcessor(api, { maxRows: 10, clock: new FakeClock() });
  await bp.addBar(bar(0));
  const err = await assertRejects(() => bp.addBar({ ...bar(1), high: -1 }), Error);
  assert(err.message.includes('"high"'), err.message);
  assertEquals(bp.stats.pendingRows, 1);
  const closing = bp.close();
  await tick();
  calls[0]!.release();
  assertEquals((await closing).inserted, 1);
});

both(
  "BatchProcessor buffers quotes apart from bars and writes them as their own kind",
  async (rowsOnly) => {
    const { api, calls } = fakeApi(rowsOnly);
    const bp = new BatchProcessor(api, { maxRows: 2, clock: new FakeClock() });
    const quote = (i: number) => ({ ts: i * 250, vendor: "v", symbol: "A", bid: 1, ask: 1.01 });
    await bp.addQuote(quote(0));
    await bp.addBar(bar(0));
    await bp.addQuote(quote(1));
    assertEquals(calls.map((c) => [c.kind, c.rows]), [["quotes", 2]]);
    const err = await assertRejects(() => bp.addQuote({ ...quote(2), ask: 0.5 }), Error);
    assert(err.message.includes('"ask" is 0.5: is below the bid'), err.message);
    calls[0]!.release();
    const closing = bp.close();
    await tick();
    calls[1]!.release();
    assertEquals((await closing).inserted, 3);
    assertEquals(calls.map((c) => [c.kind, c.rows]), [["quotes", 2], ["bars", 1]]);
  },
);

Deno.test("BatchProcessor validates its options before any work", () => {
  const { api } = fakeApi();
  for (const bad of [{ maxRows: 0 }, { maxBytes: -1 }, { maxMs: 1.5 }, { concurrency: 0 }]) {
    let message = "";
    try {
      new BatchProcessor(api, bad);
    } catch (err) {
      message = (err as Error).message;
    }
    assert(message.startsWith(`Invalid option "${Object.keys(bad)[0]}"`), message);
  }
});

both(
  "BatchProcessor never lets a later batch overtake a running one that shares a key",
  async (rowsOnly) => {
    const { api, calls } = fakeApi(rowsOnly);
    const bp = new BatchProcessor(api, { maxRows: 2, concurrency: 3, clock: new FakeClock() });
    await bp.addBar(bar(0));
    await bp.addBar(bar(1)); // batch 1: keys 0 and 1
    await bp.addBar({ ...bar(1), close: 1, open: 1, low: 0.5 });
    await bp.addBar(bar(2)); // batch 2 repeats key 1: it must wait for batch 1
    await bp.addBar(bar(3));
    await bp.addBar(bar(4)); // batch 3: keys 3 and 4, free to run
    await tick();
    assertEquals(calls.map((c) => c.rows), [2, 2], "batch 3 runs beside batch 1; batch 2 waits");
    calls[0]!.release();
    await tick();
    await tick();
    assertEquals(calls.length, 3, "batch 2 starts once batch 1 has committed");
    calls[1]!.release();
    calls[2]!.release();
    await bp.close();
  },
);
