// Index-backed search (searchIndex: "trigram") on a real SQLite file: the change list answers
// exactly as the LIKE search does (same rows, same totals, same order, for every page), in the
// same 2 statements, and looks words of 3+ characters up in the FTS5 trigram tables.
// SQLite only by nature: FTS5 (PostgreSQL's pg_trgm index answers ILIKE itself: search-index.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChecks } from "../src/checks/index.js";
import { migrateSearchIndexes } from "../src/migrate/index.js";
import { AdminSite } from "../src/site.js";
import { ChangeListOptionsError, ChangeListQuery, type ChangeListOptions } from "../src/query/index.js";
import { shopTables } from "./query-schema.js";

const { customers, orders } = shopTables(["pending", "paid"] as const);
const NAMES = ["Ann Smith", "Joanne Annan", "ÉMILE Zola", "émile zola", "Émile Durand", "100% Pure", "under_score", "underXscore", "O'Neil", 'Say "Hi"', "back\\slash", "New York Deli", "naïve café", "Hannah", "Ng", "Li", "Anna-Lena Ånström"];
const options = {
  relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
  listDisplay: ["number", "customer", "status"] as const,
  searchFields: ["^number", "customer.name", "customer.email", "note"] as const,
  listPerPage: 7,
} satisfies ChangeListOptions<typeof orders, any>;

let dir: string;
let sqlite: Database.Database;
let plain: ChangeListQuery<any, any>;
let indexed: ChangeListQuery<any, any>;
const statements: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-search-index-"));
  sqlite = new Database(join(dir, "shop.db"));
  sqlite.exec(`
    create table customers (id integer primary key, name text not null, email text not null, is_vip integer not null);
    create table orders (id integer primary key, number text not null, customer_id integer, status text not null,
      total_cents integer not null, created_at integer not null, is_gift integer not null, note text);
    create index orders_customer_id_idx on orders(customer_id);`);
  const addC = sqlite.prepare("insert into customers (id, name, email, is_vip) values (?, ?, ?, 0)");
  NAMES.forEach((n, i) => addC.run(i + 1, n, `${n.toLowerCase().replace(/[^a-z]+/g, ".")}${i}@example.com`));
  const addO = sqlite.prepare("insert into orders (number, customer_id, status, total_cents, created_at, is_gift, note) values (?, ?, ?, 0, ?, 0, ?)");
  for (let i = 1; i <= 300; i++) addO.run(`ORD-${String(i).padStart(5, "0")}`, i % 23 === 0 ? null : (i % NAMES.length) + 1, i % 2 ? "paid" : "pending", 1_700_000_000_000 + i, i % 5 === 0 ? `gift for ${NAMES[i % NAMES.length]}` : null);
  const db = drizzle(sqlite);
  plain = new ChangeListQuery(db, orders, options);
  indexed = new ChangeListQuery(db, orders, { ...options, searchIndex: "trigram" }, { onStatement: (s) => statements.push(s) });
  await migrateSearchIndexes(db, indexed.config.searchIndexes);
});
afterAll(() => {
  sqlite?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function both(q: string, page = 1) {
  const state = { ...plain.parseState(new URLSearchParams({ q })), page };
  const a = await plain.fetchPage(state);
  statements.length = 0;
  const b = await indexed.fetchPage(state);
  return { a, b, sql: [...statements] };
}
const ids = (p: { rows: readonly { pk: unknown }[] }) => p.rows.map((r) => r.pk);

describe('searchIndex: "trigram" on SQLite', () => {
  it("declares one index per searched text column, own and related", () => {
    expect(indexed.config.searchIndexes.map((s) => `${s.table}.${s.column}`).sort()).toEqual(["customers.email", "customers.name", "orders.note", "orders.number"]);
  });

  it.each(["ann", "Ann", "ANN SMI", "émile", "ÉMILE", "Émile", "zol", "ord-0001", "ORD-00", "100%", "r_s", "under_", "o'ne", 'say "hi"', "\\sl", "naïve", "åns", "ng", "a", "li", '"new york"', "gift ann", "example.com", "nobody-here"])(
    "%s: the same rows and total as the LIKE search, on every page, in 2 statements",
    async (q) => {
      const first = await both(q);
      expect(first.b.total, q).toBe(first.a.total);
      for (let page = 1; page <= first.a.pages; page++) {
        const { a, b, sql } = await both(q, page);
        expect(ids(b), `${q} page ${page}`).toEqual(ids(a));
        expect(sql.length).toBe(a.total === 0 ? 1 : 2);
      }
      // words of 3+ characters go through the trigram tables; shorter ones are LIKE only
      const long = q.split(/\s+/).some((w) => [...w.replace(/"/g, "")].length >= 3);
      expect(first.sql.some((s) => / match /i.test(s)), q).toBe(long);
    },
  );

  it("matches the LIKE search for any substring of the data (property)", async () => {
    const texts = [...NAMES, ...sqlite.prepare("select email from customers").pluck().all() as string[], "ORD-00042"];
    const word = fc
      .tuple(fc.constantFrom(...texts), fc.nat(), fc.integer({ min: 1, max: 6 }))
      .map(([t, s, n]) => [...t].slice(s % t.length, (s % t.length) + n).join(""));
    await fc.assert(
      fc.asyncProperty(fc.array(word, { minLength: 1, maxLength: 2 }), async (words) => {
        const q = words.map((w) => `"${w.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(" ");
        const { a, b } = await both(q);
        expect([b.total, ids(b)]).toEqual([a.total, ids(a)]);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps up with writes: the triggers index new, changed and deleted rows", async () => {
    sqlite.prepare("insert into customers (id, name, email, is_vip) values (900, 'Zebulon Quux', 'zq@example.com', 0)").run();
    sqlite.prepare("insert into orders (number, customer_id, status, total_cents, created_at, is_gift, note) values ('NEW-1', 900, 'paid', 0, 0, 0, null)").run();
    expect((await both("quux")).b.total).toBe(1);
    sqlite.prepare("update customers set name = 'Zebulon Other' where id = 900").run();
    expect((await both("quux")).b.total).toBe(0);
    expect((await both("zebulon")).b.total).toBe(1);
  });

  it("start-up check weft.E004 names a declared index the database lacks, until migrateSearchIndexes builds it", async () => {
    const site = new AdminSite({ db: drizzle(new Database(":memory:")) });
    (site.db as unknown as { $client: Database.Database }).$client.exec("create table customers (id integer primary key, name text not null, email text not null, is_vip integer not null)");
    site.register(customers, { app: "shop", searchFields: ["name", "email"], searchIndex: "trigram" });
    expect(runChecks(site).map((m) => `${m.id} ${m.message}`)).toEqual([
      'weft.E004 searchIndex "trigram" needs the search index weft_trgm_customers_name, which the database does not have.',
      'weft.E004 searchIndex "trigram" needs the search index weft_trgm_customers_email, which the database does not have.',
    ]);
    expect(await site.migrateSearchIndexes()).toEqual(["weft_trgm_customers_name", "weft_trgm_customers_email"]);
    expect(runChecks(site)).toEqual([]);
  });

  it("refuses a table without an integer primary key, and an unknown index kind, with clear errors", () => {
    const tags = sqliteTable("tags", { slug: text("slug").primaryKey(), label: text("label").notNull() });
    expect(() => new ChangeListQuery(drizzle(sqlite), tags, { searchFields: ["label"], searchIndex: "trigram" })).toThrow(/integer primary key on tags/);
    expect(() => new ChangeListQuery(drizzle(sqlite), customers, { searchFields: ["name"], searchIndex: "fulltext" as never })).toThrow(ChangeListOptionsError);
  });
});
