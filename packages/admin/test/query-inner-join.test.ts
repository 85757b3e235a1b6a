// A NOT NULL foreign key the connection enforces: sorting by a related column joins with INNER
// JOIN (SQLite can walk the related table's index), and the pages are exactly the LEFT JOIN's.
// SQLite only by nature: whether the connection enforces foreign keys (PRAGMA foreign_keys);
// PostgreSQL always does (engines.test.ts sorts by a related column there).
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";

const customers = sqliteTable("customers", { id: integer("id").primaryKey(), name: text("name").notNull() }, (t) => [index("c_name").on(t.name)]);
const orders = sqliteTable("orders", {
  id: integer("id").primaryKey(),
  customerId: integer("customer_id").notNull().references(() => customers.id),
});

function setup(foreignKeys: boolean) {
  const sqlite = new Database(":memory:");
  sqlite.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
  sqlite.exec(`create table customers (id integer primary key, name text not null); create index c_name on customers(name);
    create table orders (id integer primary key, customer_id integer not null references customers(id)); create index o_c on orders(customer_id);`);
  const ic = sqlite.prepare("insert into customers values (?, ?)");
  const io = sqlite.prepare("insert into orders values (?, ?)");
  sqlite.transaction(() => {
    for (let c = 1; c <= 300; c++) ic.run(c, `name ${String((c * 7919) % 300).padStart(3, "0")}`);
    for (let o = 1; o <= 3000; o++) io.run(o, ((o * 31) % 300) + 1);
  })();
  return drizzle(sqlite);
}

const options = (required?: boolean) => ({
  relations: { customer: { column: orders.customerId, table: customers, display: customers.name, ...(required === undefined ? {} : { required }) } },
  listDisplay: ["id", "customer"] as const,
  listPerPage: 25,
});

describe("related sort on an enforced NOT NULL foreign key", () => {
  it("uses an inner join and gives exactly the left join's pages", async () => {
    const db = setup(true);
    const seen: string[] = [];
    const inner = new ChangeListQuery(db, orders, options() as never, { onStatement: (s) => seen.push(s) });
    const left = new ChangeListQuery(db, orders, options(false) as never);
    for (const sort of ["sort=customer", "sort=-customer"]) {
      for (const p of [1, 2, 60, 119, 120]) {
        const state = inner.parseState(`${sort}&p=${p}`);
        expect((await inner.fetchPage(state)).rows.map((r) => r.pk), `${sort} p${p}`).toEqual((await left.fetchPage(left.parseState(`${sort}&p=${p}`))).rows.map((r) => r.pk));
      }
    }
    expect(seen.some((s) => /inner join/i.test(s))).toBe(true);
  });

  it("keeps left joins when the connection does not enforce foreign keys, or when told so", async () => {
    for (const [fk, required] of [[false, undefined], [true, false]] as const) {
      const seen: string[] = [];
      const q = new ChangeListQuery(setup(fk), orders, options(required) as never, { onStatement: (s) => seen.push(s) });
      (await q.fetchPage(q.parseState("sort=customer")));
      expect(seen.some((s) => /inner join/i.test(s))).toBe(false);
      expect(seen.some((s) => /left join/i.test(s))).toBe(true);
    }
  });
});
