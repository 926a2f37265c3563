import { assertEquals } from "../testing/assert.ts";
import { type InputLine, maybeGunzip, readLineBatches, readLines } from "./ndjson_lines.ts";

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => (typeof c === "string" ? enc.encode(c) : c)));
}

async function lines(
  chunks: (string | Uint8Array)[],
  max = 1_000,
): Promise<Omit<InputLine, "bytes">[]> {
  const out = [];
  for await (const l of readLines(streamOf(chunks), max)) {
    out.push({ number: l.number, text: l.text, size: l.size, problem: l.problem });
  }
  return out;
}

Deno.test("readLines() splits LF and CRLF lines across chunk boundaries and numbers them", async () => {
  assertEquals((await lines(["a\r\nb", "c\n", "\nd"])).map((l) => [l.number, l.text]), [
    [1, "a"],
    [2, "bc"],
    [3, ""],
    [4, "d"],
  ]);
});

Deno.test("readLines() drops a UTF-8 BOM on the first line only", async () => {
  const got = await lines(['\ufeff{"a":1}\n\ufeffx\n']);
  assertEquals(got.map((l) => l.text), ['{"a":1}', "\ufeffx"]);
});

Deno.test("readLines() reports a line over the limit without holding it, and goes on", async () => {
  const big = "x".repeat(5_000);
  const got = await lines(["ok\n", big.slice(0, 2_000), big.slice(2_000) + "\nnext\n"], 100);
  assertEquals(got.map((l) => [l.number, l.problem, l.size]), [
    [1, null, 2],
    [2, "too long", 5_000],
    [3, null, 4],
  ]);
});

Deno.test("readLines() reports invalid UTF-8 per line", async () => {
  const got = await lines([new Uint8Array([0x61, 0x0a, 0xff, 0xfe, 0x0a, 0x62])]);
  assertEquals(got.map((l) => [l.text, l.problem]), [["a", null], [null, "invalid UTF-8"], [
    "b",
    null,
  ]]);
});

Deno.test("maybeGunzip() decompresses gzip input and passes plain input through", async () => {
  const plain = new TextEncoder().encode("one\ntwo\n");
  const gz = new Uint8Array(
    await new Response(ReadableStream.from([plain]).pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  for (const input of [plain, gz]) {
    const out = [];
    for await (const l of readLines(await maybeGunzip(ReadableStream.from([input])), 100)) {
      out.push(l.text);
    }
    assertEquals(out, ["one", "two"]);
  }
});

Deno.test("readLines() hands an over-long line to onOverflow whole, across chunks, holding none of it", async () => {
  const big = "y".repeat(3_000);
  const spilled: Uint8Array[] = [];
  const out = [];
  for await (
    const l of readLines(streamOf(["a\n", big.slice(0, 1_000), big.slice(1_000) + "\nb\n"]), 100, {
      onOverflow: (bytes) => {
        spilled.push(bytes.slice());
        return Promise.resolve();
      },
    })
  ) out.push([l.number, l.problem, l.bytes.length, l.size]);
  assertEquals(out, [[1, null, 1, 1], [2, "too long", 0, 3_000], [3, null, 1, 1]]);
  assertEquals(new TextDecoder().decode(new Uint8Array(spilled.flatMap((b) => [...b]))), big);
});

Deno.test("readLineBatches() yields a chunk's lines together, and hands earlier lines over before an overflow", async () => {
  const events: string[] = [];
  const batches = readLineBatches(streamOf(["a\nb\n" + "x".repeat(50) + "\nc\nd"]), 10, {
    onOverflow: (bytes) => {
      events.push(`overflow ${bytes.length}`);
      return Promise.resolve();
    },
  });
  for await (const batch of batches) events.push(batch.map((l) => l.text ?? l.problem).join(","));
  assertEquals(events, ["a,b", "overflow 50", "too long,c", "d"]);
});

Deno.test("readLines() gives every line of a chunk its own text, whether the chunk is ASCII, UTF-8 or broken", async () => {
  const enc = new TextEncoder();
  const mixed = (middle: Uint8Array) =>
    new Uint8Array([...enc.encode('{"a":1}\r\n\n'), ...middle, ...enc.encode('\n{"c":3}\nta')]);
  // a chunk of ASCII lines, one with a multi-byte character, one that is not UTF-8; each ends
  // in a line continued by the next chunk
  for (
    const [middle, text, problem] of [
      [enc.encode('{"b":2}'), '{"b":2}', null],
      [enc.encode('{"b":"é日😀"}'), '{"b":"é日😀"}', null],
      [new Uint8Array([0x7b, 0xff, 0x7d]), null, "invalid UTF-8"],
    ] as const
  ) {
    const got = await lines([mixed(middle), "il\nz"]);
    assertEquals(got.map((l) => [l.number, l.text, l.problem, l.size]), [
      [1, '{"a":1}', null, 8],
      [2, "", null, 0],
      [3, text, problem, middle.length],
      [4, '{"c":3}', null, 7],
      [5, "tail", null, 4],
      [6, "z", null, 1],
    ]);
  }
});
