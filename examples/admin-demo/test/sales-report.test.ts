// The sales report's data (the demo's site.page): the filter read from the URL, each refusal
// with its message, and revenue per UTC day, zeros included, over a real SQLite file and a
// real PostgreSQL database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase } from "@weft/admin/testing";
import { afterAll, describe, expect, it } from "vitest";
import { engineOf, type AnyDemoDb } from "../src/db/engine.js";
import { openDatabase } from "../src/db/open.js";
import { openPostgres } from "../src/db/open-pg.js";
import { defaultFilter, parseFilter, salesByDay } from "../src/db/sales-report.js";

const dir = mkdtempSync(join(tmpdir(), "weft-sales-"));
const closers: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

/** An empty, migrated demo database on `engine`. */
async function emptyDatabase(engine: "sqlite" | "postgres"): Promise<AnyDemoDb> {
  if (engine === "sqlite") {
    const handle = openDatabase(join(dir, "sales.db"));
    closers.push(() => handle.sqlite.close());
    return handle.db;
  }
  const test = await createTestDatabase({ prefix: "demo_sales" });
  closers.push(() => test.drop());
  const { pool, db } = await openPostgres(test.url);
  closers.push(() => pool.end());
  return db;
}

const fallback = { from: "2026-10-01", to: "2026-10-30", status: null };

describe("parseFilter", () => {
  it("takes the URL's values, the fallback for missing ones", () => {
    expect(parseFilter({}, fallback)).toEqual(fallback);
    expect(parseFilter({ from: "2026-10-05", status: "paid" }, fallback)).toEqual({ from: "2026-10-05", to: "2026-10-30", status: "paid" });
  });
  it.each([
    ["a malformed date", { from: "5 Oct" }, "Enter dates as YYYY-MM-DD."],
    ["an impossible date", { to: "2026-13-40" }, "Enter dates as YYYY-MM-DD."],
    ["a reversed range", { from: "2026-10-31", to: "2026-10-01" }, "The start date must not be after the end date."],
    ["over 92 days", { from: "2026-01-01" }, "Choose at most 92 days."],
    ["an unknown status", { status: "lost" }, "Choose a status from the list."],
  ])("refuses %s", (_what, params, message) => {
    expect(parseFilter(params, fallback)).toBe(message);
  });
});

describe.each(["sqlite", "postgres"] as const)("salesByDay on %s", (engine) => {
  it("sums per UTC day over the range, every day present, filtered by status", async () => {
    const db = await emptyDatabase(engine);
    const { q, t } = engineOf(db);
    const { customers, orders } = t;
    const [c] = await q.insert(customers).values({ name: "A", email: "a@example.com", city: "X", country: "IE" }).returning({ id: customers.id });
    const at = (iso: string) => new Date(iso);
    await q
      .insert(orders)
      .values([
        { number: "ORD-000001", customerId: c!.id, status: "paid", totalCents: 1000, createdAt: at("2026-10-02T00:00:00Z") },
        { number: "ORD-000002", customerId: c!.id, status: "paid", totalCents: 500, createdAt: at("2026-10-02T23:59:59Z") },
        { number: "ORD-000003", customerId: c!.id, status: "refunded", totalCents: 700, createdAt: at("2026-10-04T12:00:00Z") },
        { number: "ORD-000004", customerId: c!.id, status: "paid", totalCents: 9999, createdAt: at("2026-10-05T00:00:00Z") },
      ]);
    const f = { from: "2026-10-02", to: "2026-10-04", status: null };
    expect(await salesByDay(db, f)).toEqual([
      { day: "2026-10-02", orders: 2, cents: 1500 },
      { day: "2026-10-03", orders: 0, cents: 0 },
      { day: "2026-10-04", orders: 1, cents: 700 },
    ]);
    expect((await salesByDay(db, { ...f, status: "refunded" })).map((d) => d.cents)).toEqual([0, 0, 700]);
    expect(await defaultFilter(db)).toEqual({ from: "2026-09-06", to: "2026-10-05", status: null });
  });
});
