/**
 * `listDisplayPriority` refusals at `site.register` (`WEFT_ADMIN_ERR_LIST_PRIORITY`): a name not
 * in listDisplay, a priority other than 1, 2 or 3, a demoted first column, not an object; and
 * nothing of a refused ModelAdmin is kept. The CSS behaviour is e2e/admin-tables.test.ts.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { AdminSite, WeftAdminError, type ModelAdminOptions } from "../src/index.js";

const orders = sqliteTable("orders", { id: integer("id").primaryKey(), number: text("number").notNull(), email: text("email"), note: text("note") });

function site() {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table orders (id integer primary key, number text not null, email text, note text);");
  return new AdminSite({ db: drizzle(sqlite), sqlite });
}

const base = { app: "shop", listDisplay: ["number", "email", "note"] } as const;

function refusal(priority: unknown): WeftAdminError {
  const s = site();
  try {
    s.register(orders, { ...base, listDisplayPriority: priority } as ModelAdminOptions<typeof orders>);
  } catch (err) {
    expect(err).toBeInstanceOf(WeftAdminError);
    expect((err as WeftAdminError).code).toBe("WEFT_ADMIN_ERR_LIST_PRIORITY");
    expect(s.all()).toHaveLength(0);
    return err as WeftAdminError;
  }
  throw new Error("register did not refuse");
}

describe("listDisplayPriority", () => {
  it("takes 1, 2 and 3 on listDisplay columns", () => {
    const admin = site().register(orders, { ...base, listDisplayPriority: { number: 1, email: 2, note: 3 } });
    expect(admin.options.listDisplayPriority).toEqual({ number: 1, email: 2, note: 3 });
  });

  it("refuses a name not in listDisplay, naming the columns", () => {
    expect(refusal({ id: 2 }).message).toContain('"id" is not in listDisplay (number, email, note)');
  });

  it("refuses a priority other than 1, 2 or 3", () => {
    for (const p of [0, 4, 2.5, "2", null]) expect(refusal({ email: p }).message).toContain("is not 1 (always shown), 2 or 3");
  });

  it("refuses demoting the first column (the row's link and card title)", () => {
    expect(refusal({ number: 3 }).message).toContain("the first column is the row's link");
  });

  it("refuses a value that is not an object", () => {
    for (const v of [null, ["email"], "email"]) expect(refusal(v).message).toContain("must be an object");
  });
});
