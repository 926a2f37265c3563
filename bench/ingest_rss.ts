// Peak resident memory of `mds ingest-ndjson bars -` fed from stdin, for several input sizes:
// flat memory means the peak does not grow with the input.
//
//   deno run -A bench/ingest_rss.ts [--rows 1000000,4000000] [--database-url URL]
// Without --database-url (or MDS_BENCH_DATABASE_URL) it ingests into a fresh embedded store.
import { createServerDatabase } from "../testing/backends.ts";
import { writeBarsNdjson } from "./_ndjson.ts";

const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const sizes = (arg("--rows") ?? "1000000,4000000").split(",").map(Number);
const server = arg("--database-url") ?? Deno.env.get("MDS_BENCH_DATABASE_URL");
const root = new URL("..", import.meta.url).pathname;

async function peakRss(pid: number): Promise<number> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const results = [];
for (const rows of sizes) {
  const dir = await Deno.makeTempDir({ prefix: "mds-rss-" });
  const input = `${dir}/bars.ndjson`;
  const bytes = await writeBarsNdjson(input, rows);
  const db = server ? await createServerDatabase(server) : undefined;
  try {
    const env: Record<string, string> = {
      MDS_TENANT_ID: crypto.randomUUID(),
      MDS_DATA_DIR: `${dir}/store`,
    };
    if (db) {
      env.MDS_DATABASE_URL = db.url;
      const m = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "cli/main.ts", "migrate", "--timescale", "off"],
        cwd: root,
        env,
        stdout: "null",
      }).output();
      if (!m.success) throw new Error("migrate failed");
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/main.ts", "ingest-ndjson", "bars", "-", "--json"],
      cwd: root,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let peak = 0;
    const poll = setInterval(async () => (peak = Math.max(peak, await peakRss(child.pid))), 100);
    const started = performance.now();
    const file = await Deno.open(input);
    await file.readable.pipeTo(child.stdin);
    const out = await child.output();
    clearInterval(poll);
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(new TextDecoder().decode(out.stdout));
    results.push({
      rows,
      bytes,
      backend: db ? "postgres" : "pglite",
      peak_rss_bytes: peak,
      seconds,
      rows_per_second: Math.round(rows / seconds),
      inserted: summary.inserted,
    });
    console.log(
      `${rows} rows (${(bytes / 1e6).toFixed(0)} MB) into ${
        db ? "PostgreSQL" : "PGlite"
      }: peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB, ${seconds.toFixed(1)} s, ${
        Math.round(rows / seconds)
      } rows/s, inserted ${summary.inserted}`,
    );
  } finally {
    await db?.drop();
    await Deno.remove(dir, { recursive: true });
  }
}
const [a, b] = results;
if (a && b) {
  const growth = (b.peak_rss_bytes - a.peak_rss_bytes) / a.peak_rss_bytes;
  console.log(
    `peak RSS growth from ${a.rows} to ${b.rows} rows: ${
      (growth * 100).toFixed(1)
    }% (target: within 10%, and under 200 MB)`,
  );
}
console.log(JSON.stringify({ bench: "ingest_rss", results }));
