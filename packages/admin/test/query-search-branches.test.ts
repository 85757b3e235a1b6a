// A one-word related search's page on both engines against a naive full sort of its matches: on
// PostgreSQL the rows statement is a UNION ALL of the customer keys' orders and the order numbers'
// matches outside those keys, each walked in the list's order and merged (Dialect.branchesSearch),
// and the count under the bound is the keys' orders plus the numbers' matches outside them
// (RelatedCountParts.rest). Ties on created_at (four orders an hour: the id decides), orders with
// no customer (matched by their number only), orders matched by both their number and their
// customer (listed and counted once), a filter, first, middle and last pages, capped or not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { integer as pgInteger, pgTable, text as pgText, timestamp } from "drizzle-orm/pg-core";
import { ChangeListQuery } from "../src/query/index.js";
import { ENGINES, insertChunked, NOW, openEngine, type EngineDb } from "./support/engines.js";

const CUSTOMERS = 60;
const ORDERS = 3_000;
const PER_PAGE = 10;
const LIMIT = 1_000;
const STATUSES = ["pending", "paid", "shipped"] as const;
// every 7th customer a Smith; the others share nothing with the words searched
const nameOf = (id: number) => (id % 7 === 0 ? `Smith ${id}` : `Other ${id}`);
// every 11th order has no customer; every 13th order's number starts "SMI" (some of those a Smith's)
const customerOf = (i: number) => (i % 11 === 0 ? null : (i % CUSTOMERS) + 1);
const numberOf = (i: number) => (i % 13 === 0 ? `SMI${i}` : `N${i}`);
const statusOf = (i: number) => STATUSES[i % 3]!;
// four orders an hour: ties on created_at
const createdOf = (i: number) => new Date(NOW.getTime() - Math.floor(((i * 1_009) % ORDERS) / 4) * 3_600_000);

const DDL = {
  sqlite: `
create table customers (id integer primary key, name text not null, email text not null);
create table orders (id integer primary key, number text not null, customer_id integer, status text not null, created_at integer not null);
create index orders_customer on orders(customer_id, created_at);
create index orders_created_at on orders(created_at);`,
  postgres: `
create table customers (id integer primary key, name text not null, email text not null);
create table orders (id integer primary key, number text not null, customer_id integer, status text not null, created_at timestamptz not null);
create index orders_customer on orders(customer_id, created_at);
create index orders_created_at on orders(created_at, id, customer_id);`,
};

function liteTables() {
  const customers = sqliteTable("customers", { id: integer("id").primaryKey(), name: text("name").notNull(), email: text("email").notNull() });
  const orders = sqliteTable("orders", { id: integer("id").primaryKey(), number: text("number").notNull(), customerId: integer("customer_id"), status: text("status", { enum: STATUSES }).notNull(), createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull() });
  return { customers, orders };
}

/** The tables on `engine`, typed as the SQLite ones (the PostgreSQL twins have the same keys and row shapes). */
function tables(engine: EngineDb["engine"]): ReturnType<typeof liteTables> {
  if (engine === "sqlite") return liteTables();
  const customers = pgTable("customers", { id: pgInteger("id").primaryKey(), name: pgText("name").notNull(), email: pgText("email").notNull() });
  const orders = pgTable("orders", { id: pgInteger("id").primaryKey(), number: pgText("number").notNull(), customerId: pgInteger("customer_id"), status: pgText("status", { enum: STATUSES }).notNull(), createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull() });
  return { customers, orders } as unknown as ReturnType<typeof liteTables>;
}

describe.each(ENGINES)("one-word related searches as branches on %s", (engine) => {
  let e: EngineDb;
  let list: ChangeListQuery<any, any>;
  const seen: { text: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    e = await openEngine(engine, DDL, "admin_branches");
    const { customers, orders } = tables(engine);
    await insertChunked(e.db, customers, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: i + 1, name: nameOf(i + 1), email: `c${i + 1}@x.test` })));
    await insertChunked(e.db, orders, Array.from({ length: ORDERS }, (_, i) => ({ id: i + 1, number: numberOf(i), customerId: customerOf(i), status: statusOf(i), createdAt: createdOf(i) })));
    await e.exec("analyze");
    list = new ChangeListQuery(
      e.db,
      orders,
      { listDisplay: ["number", "customer"], searchFields: ["^number", "customer.name", "customer.email"], relations: { customer: { table: customers, column: orders.customerId, display: customers.name } }, listFilter: ["status"], ordering: ["-createdAt"], listPerPage: PER_PAGE, countLimit: LIMIT } as never,
      { now: () => NOW, onStatement: (text, params) => seen.push({ text, params: [...params] }) },
    );
  }, 120_000);
  afterAll(async () => {
    await e?.close();
  });

  /** The ids (1-based) of the matching orders, newest first, ties by id descending: the naive full sort. */
  const oracle = (match: (i: number) => boolean) =>
    Array.from({ length: ORDERS }, (_, i) => i)
      .filter(match)
      .sort((a, b) => createdOf(b).getTime() - createdOf(a).getTime() || b - a)
      .map((i) => i + 1);
  const word = (w: string) => (i: number) => {
    const c = customerOf(i);
    return numberOf(i).toLowerCase().startsWith(w) || (c !== null && (nameOf(c).toLowerCase().includes(w) || `c${c}@x.test`.includes(w)));
  };

  it.each([
    // query, page asked ("last": the last page, found from the other end), matching orders
    ["q=smi", 1, word("smi")],
    ["q=smi", 7, word("smi")],
    ["q=smi", "last", word("smi")],
    ["q=smith", 2, word("smith")],
    ["q=smi&status__exact=paid", 1, (i: number) => word("smi")(i) && statusOf(i) === "paid"],
    ["q=smi&status__exact=paid", "last", (i: number) => word("smi")(i) && statusOf(i) === "paid"],
    ["q=c1", 1, word("c1")],
    ["q=c1", 30, word("c1")],
    ["q=x.test", 1, word("x.test")],
    ["q=x.test", 3, word("x.test")],
    ["q=n", 1, word("n")],
    ["q=n", 5, word("n")],
  ] as const)("%s: the count and page %s are the full sort's", async (qs, asked, match) => {
    const expected = oracle(match);
    const page = asked === "last" ? Math.ceil(expected.length / PER_PAGE) : asked;
    seen.length = 0;
    const got = await list.fetchPage({ ...list.parseState(qs), page });
    expect(seen).toHaveLength(2);
    expect(got.page).toBe(page);
    // a capped count stops past the bound (the list's ceiling), an exact one is the oracle's
    if (got.capped) expect(got.total).toBeLessThan(expected.length);
    else expect(got.total).toBe(expected.length);
    expect(got.rows.map((r) => r.pk)).toEqual(expected.slice((page - 1) * PER_PAGE, page * PER_PAGE));
  });

  it("the fixture has what the forms must get right: ties, orders with no customer matched by number, orders matched twice", () => {
    const smi = oracle(word("smi")).map((id) => id - 1);
    expect(smi.some((i) => customerOf(i) === null)).toBe(true);
    expect(smi.some((i) => numberOf(i).startsWith("SMI") && nameOf(customerOf(i) ?? 1).startsWith("Smith"))).toBe(true);
    expect(new Set(smi.map((i) => createdOf(i).getTime())).size).toBeLessThan(smi.length);
    // one search under the bound (counted exactly), one over it (capped), one dense by its order numbers only
    expect(oracle(word("n")).every((id) => numberOf(id - 1).startsWith("N"))).toBe(true);
    expect(oracle(word("n")).length).toBeGreaterThan(LIMIT);
    expect(smi.length).toBeLessThan(LIMIT);
    expect(oracle(word("x.test")).length).toBeGreaterThan(LIMIT);
  });

  it("PostgreSQL walks the keys and the order numbers as a UNION ALL when the keys' orders are most of the matches, and counts the numbers outside the keys; SQLite keeps its OR", async () => {
    seen.length = 0;
    await list.fetchPage(list.parseState("q=smi"));
    const [count, rows] = seen;
    if (engine === "postgres") {
      expect(rows!.text).toMatch(/\) union all \(/);
      expect(rows!.text).toMatch(/is not true/);
      expect(count!.text).toMatch(/least\("k" \+ \(select count\(\*\) from \(select 1 from "orders" where/);
      // dense by its order numbers, not by its customers' orders (none): one OR, walked as before
      seen.length = 0;
      await list.fetchPage(list.parseState("q=n"));
      expect(seen[1]!.text).not.toMatch(/union all/);
    } else {
      expect(rows!.text).not.toMatch(/union all/);
      expect(count!.text).not.toMatch(/least\(/);
    }
  });
});
