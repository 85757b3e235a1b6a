// weft.E005: `listEditable` entries the change list cannot edit, as Django's admin.E121–E125
// checks of list_editable, found by runChecks and stopping the admin plugin's install.
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { blob, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { weft } from "@weft/server";
import { AdminSite, adminPlugin, type ModelAdminOptions } from "../src/index.js";
import { runChecks, SystemCheckError } from "../src/checks/index.js";
import { SECRET } from "../../server/test/helpers.js";

const customers = sqliteTable("customers", { id: integer("id").primaryKey(), name: text("name").notNull() });
const orders = sqliteTable("orders", {
  id: integer("id").primaryKey(),
  number: text("number").notNull(),
  status: text("status", { enum: ["new", "paid"] }).notNull(),
  total: integer("total").notNull(),
  note: text("note"),
  raw: blob("raw"),
  customerId: integer("customer_id").references(() => customers.id),
});

function siteWith(options: Partial<ModelAdminOptions>) {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table customers (id integer primary key, name text not null); create table orders (id integer primary key, number text not null, status text not null, total integer not null, note text, raw blob, customer_id integer references customers(id));");
  const site = new AdminSite({ db: drizzle(sqlite), sqlite });
  site.register(customers, { app: "shop" });
  site.register(orders, {
    app: "shop",
    relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
    listDisplay: ["number", "status", "total", "note", "raw", "customerId", "customer", { name: "double", label: "Double", value: (r) => Number(r.total) * 2 }],
    ...options,
  } as ModelAdminOptions);
  return site;
}
const E005 = (site: AdminSite) => runChecks(site).filter((m) => m.id === "weft.E005");

describe("weft.E005 (listEditable)", () => {
  it("passes editable own columns in listDisplay that are not links", () => {
    expect(runChecks(siteWith({ listEditable: ["status", "total", "note"] }))).toEqual([]);
    // with listDisplayLinks set, the first column may be edited (as Django)
    expect(runChecks(siteWith({ listDisplayLinks: ["status"], listEditable: ["number"] }))).toEqual([]);
  });

  it("passes a foreign key named by its column or by the relation listDisplay shows (the cell is the change form's select or autocomplete)", () => {
    expect(runChecks(siteWith({ listEditable: ["customerId"] }))).toEqual([]);
    expect(runChecks(siteWith({ listEditable: ["customer", "status"] }))).toEqual([]);
    // the relation's key column read-only, or not on the change form: refused as any column
    expect(E005(siteWith({ listEditable: ["customer"], readonlyFields: ["customerId"] }))[0]!.message).toMatch(/"customer", which is in readonlyFields/);
    expect(E005(siteWith({ listEditable: ["customer"], fields: ["number", "status"] }))[0]!.message).toMatch(/"customer", which is not a field of the change form/);
  });

  it("refuses each entry the list cannot edit, naming the admin, the entry and a fix", () => {
    const cases: Array<[Partial<ModelAdminOptions>, RegExp]> = [
      [{ listEditable: ["missing"] }, /listEditable\[0\] refers to "missing", which is not in listDisplay/],
      [{ listEditable: ["number"] }, /refers to the first field in listDisplay \("number"\), which links to the change form/],
      [{ listDisplayLinks: ["status"], listEditable: ["status"] }, /"status", which is in both listEditable and listDisplayLinks/],
      [{ listEditable: ["status", "status"] }, /listEditable\[1\] lists "status" twice/],
      [{ listEditable: ["double"] }, /"double", which is not a column of the model's own table/],
      [{ listEditable: ["customer.name"], listDisplay: ["number", "customer.name"] }, /"customer.name", which is not a column of the model's own table/],
      [{ listEditable: ["note"], readonlyFields: ["note"] }, /"note", which is in readonlyFields/],
      [{ listEditable: ["note"], fields: ["number", "status"] }, /"note", which is not a field of the change form/],
      [{ listEditable: ["raw"] }, /"raw", a buffer column, which a form cannot edit/],
    ];
    for (const [options, message] of cases) {
      const found = E005(siteWith(options));
      expect(found, JSON.stringify(options)).toHaveLength(1);
      expect(found[0]).toMatchObject({ level: "error", obj: "ModelAdmin(shop.order)" });
      expect(found[0]!.message).toMatch(message);
      expect(found[0]!.hint.length).toBeGreaterThan(10);
    }
  });

  it("stops the admin plugin's install", async () => {
    const app = Fastify({ logger: false });
    const site = siteWith({ listEditable: ["number"] });
    await app.register(weft, { secret: SECRET, sessions: site.sessions });
    const err = await app.register(adminPlugin, { site }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SystemCheckError);
    expect((err as Error).message).toContain("(weft.E005) listEditable[0] refers to the first field in listDisplay");
    await app.close().catch(() => undefined);
  });
});
