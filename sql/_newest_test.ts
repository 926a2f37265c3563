import assert from "node:assert/strict";
import { NewestRows } from "./_newest.ts";

const row = (tenant: string, vendor: string, symbol: string, minute: number) => ({
  tenant_id: tenant,
  vendor,
  symbol,
  ts: new Date(minute * 60_000),
});

Deno.test("NewestRows: each combination keeps its own newest row, however the rows interleave", () => {
  const newest = new NewestRows(["tenant_id", "vendor", "symbol"], "ts");
  // rows of two tenants, each sharing a vendor and symbol with the row before it
  const rows = [
    row("t1", "v", "A", 1),
    row("t2", "v", "A", 2),
    row("t1", "v", "A", 3),
    row("t2", "w", "A", 1),
    row("t1", "w", "A", 5),
    row("t2", "v", "A", 0),
    row("t2", "v", "B", 4),
    row("t1", "v", "B", 2),
  ];
  for (const r of rows) newest.add(r);
  const got = newest.rows.map((r) =>
    `${r.tenant_id}/${r.vendor}/${r.symbol}@${(r.ts as Date).getTime() / 60_000}`
  );
  assert.deepEqual(got, ["t1/v/A@3", "t2/v/A@2", "t2/w/A@1", "t1/w/A@5", "t2/v/B@4", "t1/v/B@2"]);
});

Deno.test("NewestRows: of two rows with the same time the later one is kept", () => {
  const newest = new NewestRows(["tenant_id", "vendor", "symbol"], "ts");
  const a = row("t", "v", "A", 1), b = row("t", "v", "A", 1);
  newest.add(a);
  newest.add(b);
  assert.equal(newest.rows.length, 1);
  assert.equal(newest.rows[0], b);
});
