// Prints the demo's third trading day of 1-minute bars as NDJSON on stdout, for the demo's
// `mds ingest-ndjson bars -` step.
import { demoBars } from "../cli/seed.ts";

const out = new TextEncoder();
const lines: string[] = [];
for (const bar of demoBars(1, new Date(Date.UTC(2024, 0, 4)))) {
  lines.push(JSON.stringify({ ...bar, ts: new Date(bar.ts as number).toISOString() }));
}
await Deno.stdout.write(out.encode(lines.join("\n") + "\n"));
