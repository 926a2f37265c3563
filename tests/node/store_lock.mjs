// The embedded store's lock on Node, driven by tests/node_test.ts.
//
// Usage: node store_lock.mjs <bundle.mjs> <dir> hold|try|client
//   hold    takes the lock, prints {"held":pid} and keeps it until stdin ends (or it is killed)
//   try     tries once; prints {"acquired":true} or {"code":...,"owner":{...}}
//   client  opens the embedded store in <dir> with createClient, writes one bar, reads it back
//           and prints {"rows":n}; or the error's code and owner
import process from "node:process";
import { pathToFileURL } from "node:url";

const [bundle, dir, mode] = process.argv.slice(2);
if (!bundle || !dir || !mode) {
  throw new Error("usage: node store_lock.mjs <bundle.mjs> <dir> hold|try|client");
}
const { acquireStoreLock, createClient } = await import(pathToFileURL(bundle).href);
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const refused = (err) => {
  if (err?.code !== "MDS_STORE_LOCKED") throw err;
  print({ code: err.code, owner: err.owner });
};

if (mode === "hold") {
  const lock = await acquireStoreLock(dir);
  print({ held: process.pid });
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.on("end", resolve));
  await lock.release();
} else if (mode === "try") {
  try {
    const lock = await acquireStoreLock(dir);
    await lock.release();
    print({ acquired: true });
  } catch (err) {
    refused(err);
  }
} else if (mode === "client") {
  const tenant = "5a1e5a1e-0000-4000-8000-00000000000b";
  try {
    const client = await createClient({ dataDir: dir, tenant });
    try {
      await client.tenant().upsertBars([{
        ts: "2024-01-02T14:30:00Z",
        vendor: "polygon",
        symbol: "AAPL",
        timeframe: "1m",
        open: 1,
        high: 2,
        low: 0.5,
        close: 1.5,
        volume: 10,
      }]);
      const rows = await client.tenant().barsWindow({
        symbol: "AAPL",
        timeframe: "1m",
        start: "2024-01-02T00:00:00Z",
        end: "2024-01-03T00:00:00Z",
      });
      print({ rows: rows.length });
    } finally {
      await client.close();
    }
  } catch (err) {
    refused(err);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
