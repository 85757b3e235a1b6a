import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { QueryTimeoutError, SqliteReadPool } from "@weft/admin/query";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import { mountLive } from "@weft/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoContext } from "../src/context.js";
import { openDatabase } from "../src/db/open.js";
import { seed } from "../src/db/seed.js";
import { startOrderSimulator } from "../src/simulator.js";
import { Counter } from "../src/views/counter.js";
import { OrderSearch } from "../src/views/order-search.js";
import { OrdersToday } from "../src/views/orders-today.js";
import { StockTable } from "../src/views/table.js";

const views = fileURLToPath(new URL("../templates", import.meta.url));
let context: DemoContext & { sqlite: { close(): void } };
let pool: SqliteReadPool;

beforeAll(() => {
  const file = join(mkdtempSync(join(tmpdir(), "weft-demo-")), "demo.db");
  const opened = openDatabase(file);
  seed(opened.sqlite, { customers: 500, products: 50, orders: 3000, tickets: 100 });
  // the views' heavy reads go through a read pool on the same file, as the demo app wires them
  pool = new SqliteReadPool({ file });
  context = { ...opened, reads: pool.db as unknown as DemoContext["reads"] };
});
afterAll(async () => {
  await pool.close();
  context.sqlite.close();
});

describe("demo views (driven through @weft/server/testing)", () => {
  it("counter counts", async () => {
    const lv = await mountLive(Counter, { views });
    await lv.event("inc");
    await lv.event("inc");
    await lv.event("dec");
    expect(lv.html()).toContain('<p class="big" id="count">1</p>');
  });

  it("order search filters by the query, pages, and puts both in the URL", async () => {
    const lv = await mountLive(OrderSearch, { views, context, url: "http://localhost/orders" });
    expect(lv.html()).toContain("3,000 orders");
    expect(lv.html().match(/<tr><td>ORD-/g)).toHaveLength(50);
    await lv.event("search", { q: "ORD-0001" });
    await lv.settle();
    expect(lv.patches).toEqual(["/orders?q=ORD-0001"]);
    const rows = [...lv.html().matchAll(/<tr><td>(ORD-\d+)<\/td>/g)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.startsWith("ORD-0001")).toBe(true);
    await lv.patch("/orders?page=2");
    expect(lv.html()).toContain("Page 2 of 60");
    await lv.event("search", { q: "x".repeat(500) });
    expect(lv.errors.at(-1)?.code).toBe("invalid_payload");
  });

  it("order search reads through ctx.reads, and a search past the read budget says so instead of failing", async () => {
    let statements = 0;
    // a read pool whose every statement outlives its budget, as a worst-case search over millions of orders does
    const timingOut = drizzle(async (sql) => {
      statements++;
      throw new QueryTimeoutError(2000, sql);
    });
    const lv = await mountLive(OrderSearch, { views, context: { ...context, reads: timingOut as unknown as DemoContext["reads"] }, url: "http://localhost/orders?q=a&page=10000" });
    expect(statements).toBeGreaterThan(0);
    expect(lv.html()).toContain("This search took too long; narrow it down.");
    expect(lv.html()).not.toContain("<tr><td>ORD-");
    expect(lv.errors).toEqual([]);
    // the next search that answers in time shows its rows again
    await lv.patch("/orders?q=ORD-0001");
    expect(lv.html()).toContain("This search took too long");
    const ok = await mountLive(OrderSearch, { views, context, url: "http://localhost/orders?q=ORD-0001" });
    expect(ok.html()).not.toContain("took too long");
    expect(ok.html()).toContain("<tr><td>ORD-0001");
  });

  it("escapes what users type", async () => {
    const lv = await mountLive(OrderSearch, { views, context, url: "http://localhost/orders?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E" });
    expect(lv.html()).not.toContain("<script>");
    expect(lv.html()).toContain("&lt;script&gt;");
  });

  it("orders-today tile moves when the simulator publishes an insert", async () => {
    const pubsub = new MemoryChannelLayer();
    const lv = await mountLive(OrdersToday, { views, context, pubsub });
    const before = Number(lv.html().match(/id="orders-today">(\d+)</)![1]);
    const stop = startOrderSimulator(context.db, pubsub, 10, (e) => {
      throw e;
    });
    // until the tile shows a new order (a condition with a 10 s bound, not a 60 ms sleep)
    const shown = async () => Number((await lv.settle()).match(/id="orders-today">(\d+)</)![1]);
    const end = Date.now() + 10_000;
    let after = await shown();
    while (after <= before && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
      after = await shown();
    }
    stop();
    expect(after).toBeGreaterThan(before);
    const pushed = lv.frames.filter((f) => f.startsWith('["d"'));
    expect(pushed.length).toBeGreaterThan(0);
    for (const f of pushed) expect(f.length).toBeLessThanOrEqual(40);
  });

  it("table: one click changes one cell, and the frame carries only that", async () => {
    const lv = await mountLive(StockTable, { views });
    await lv.event("restock", { id: 7 });
    expect(lv.html()).toMatch(/<tr id="row-7"><td>SKU-1006<\/td><td>Product 7<\/td><td class="num stock">23<\/td>/);
    const frame = lv.frames.at(-1)!;
    expect(frame.startsWith('["ad",1,1,[')).toBe(true); // the reply, carrying a delta
    expect(frame.length).toBeLessThanOrEqual(60);
  });
});
