// formfieldOverrides widgets (changeform/widgets.ts) on both engines: select and radio over
// fixed choices (a number column stores numbers), checkbox over an integer, date over a text
// and over a timestamp column, number, email, url and colour inputs — rendered on the change
// form, each value checked on the server (a forged choice, a bad email / URL / date / colour is
// refused with a field error and nothing is written); options that do not fit the column fail
// at registration.
import { eq } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { integer as pgInteger, pgTable, text as pgText } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/index.js";
import { qb } from "../src/query/dialect/index.js";
import { login, openView, useAdminServer } from "./support.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";

const profilesLite = sqliteTable("profiles", {
  id: integer("id").primaryKey(),
  website: text("website"),
  email: text("email").notNull(),
  color: text("color"),
  size: integer("size").notNull(),
  born: text("born"),
  tier: text("tier").notNull(),
  agreed: integer("agreed").notNull(),
  score: text("score"),
});
const profilesPg = pgTable("profiles", {
  id: pgInteger("id").primaryKey(),
  website: pgText("website"),
  email: pgText("email").notNull(),
  color: pgText("color"),
  size: pgInteger("size").notNull(),
  born: pgText("born"),
  tier: pgText("tier").notNull(),
  agreed: pgInteger("agreed").notNull(),
  score: pgText("score"),
});
const DDL = "create table profiles (id integer primary key, website text, email text not null, color text, size integer not null, born text, tier text not null, agreed integer not null, score text)";

const OVERRIDES = {
  website: { widget: "url" },
  email: { widget: "email" },
  color: { widget: "color" },
  size: { widget: "select", choices: [{ value: 1, label: "Small" }, { value: 2, label: "Medium" }, { value: 3, label: "Large" }] },
  born: { widget: "date" },
  tier: { widget: "radio", choices: [{ value: "free", label: "Free plan" }, { value: "pro", label: "Pro plan" }] },
  agreed: { widget: "checkbox" },
  score: { widget: "number" },
} as const;

describe.each(ENGINES)("formfieldOverrides widgets on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  const server = useAdminServer(() => shop?.close());
  let profiles: typeof profilesLite;

  beforeAll(async () => {
    shop = await openShop(engine);
    await shop.exec(DDL);
    profiles = (engine === "sqlite" ? profilesLite : profilesPg) as unknown as typeof profilesLite;
    await qb(shop.db).insert(profiles).values({ id: 1, email: "a@example.com", size: 1, tier: "free", agreed: 0 });
    site = new AdminSite({ db: shop.db });
    site.register(profiles, { app: "t", name: "profile", listDisplay: ["email"], formfieldOverrides: OVERRIDES });
    site.register(shop.orders, { app: "shop", name: "order", listDisplay: ["number"], formfieldOverrides: { createdAt: { widget: "date" }, status: { widget: "radio" } } });
    await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
    await server.start(site);
  }, 60_000);

  async function form(path: string) {
    const jar = await login(server.base, "root");
    const { c, first } = await openView(jar, server.base + path, "admin-changeform", { ref: 1, sockets: server.sockets });
    const save = async (payload: object) => {
      await c.reply(c.event(1, "save", payload));
      return c.html.get(1)!;
    };
    return { c, first, save };
  }
  const errorOf = (html: string, key: string) => new RegExp(`id="id_${key}_errors"><li>([^<]*)</li>`).exec(html)?.[1];
  const row = async () => (await qb(shop.db).select().from(profiles).where(eq(profiles.id, 1)))[0]!;

  it("renders each widget", async () => {
    const { first } = await form("/admin/t/profile/1/change/");
    expect(first).toMatch(/<input type="url" id="id_website" name="website"/);
    expect(first).toMatch(/<input type="email" id="id_email" name="email" value="a@example.com"/);
    expect(first).toMatch(/<input type="color" id="id_color" name="color"/);
    expect(first).toMatch(/<input type="date" id="id_born" name="born"/);
    expect(first).toMatch(/<input type="number" id="id_score" name="score" value="" step="any"/);
    expect(first).toMatch(/<select id="id_size" name="size"[^>]*>\s*<option value="1" selected>Small<\/option>\s*<option value="2">Medium<\/option>\s*<option value="3">Large<\/option>/);
    expect(first).toMatch(/role="radiogroup" id="id_tier"/);
    expect(first).toMatch(/<input type="radio" id="id_tier_0" name="tier" value="free" checked required> Free plan/);
    expect(first).toMatch(/<input type="radio" id="id_tier_1" name="tier" value="pro" required> Pro plan/);
    expect(first).toMatch(/<input type="checkbox" id="id_agreed" name="agreed" value="1">/);
  });

  it("refuses forged choices and malformed values with field errors, writing nothing", async () => {
    const { save } = await form("/admin/t/profile/1/change/");
    const html = await save({ website: "javascript:alert(1)", email: "not-an-email", color: "red", size: "4", born: "2023-02-29", tier: "gold", score: "12abc" });
    expect(errorOf(html, "website")).toBe("Enter a valid URL (http:// or https://).");
    expect(errorOf(html, "email")).toBe("Enter a valid email address.");
    expect(errorOf(html, "color")).toBe("Enter a colour as #rrggbb.");
    expect(errorOf(html, "size")).toBe("Select a valid choice. 4 is not one of the available choices.");
    expect(errorOf(html, "born")).toBe("Enter a valid date.");
    expect(errorOf(html, "tier")).toBe("Select a valid choice. gold is not one of the available choices.");
    expect(errorOf(html, "score")).toBe("Enter a number.");
    expect(await row()).toMatchObject({ email: "a@example.com", size: 1, tier: "free", website: null });
  });

  it("saves valid values in the column's type", async () => {
    const { c, save } = await form("/admin/t/profile/1/change/");
    await save({ website: "https://example.com/x", email: "b@example.org", color: "#00AA11", size: "2", born: "2024-02-29", tier: "pro", agreed: "1", score: "-1.5e3", _continue: "1" });
    expect(c.html.get(1)).toContain("was changed successfully");
    expect(await row()).toEqual({ id: 1, website: "https://example.com/x", email: "b@example.org", color: "#00aa11", size: 2, born: "2024-02-29", tier: "pro", agreed: 1, score: "-1.5e3" });
  });

  it("a date widget over a timestamp column and radio over an enum", async () => {
    const { first, save, c } = await form("/admin/shop/order/1/change/");
    expect(first).toMatch(/<input type="date" id="id_createdAt" name="createdAt" value="\d{4}-\d\d-\d\d"/);
    expect(first).toMatch(/<input type="radio" id="id_status_0" name="status" value="pending"/);
    await save({ createdAt: "2026-01-02", status: "shipped", _continue: "1" });
    expect(c.html.get(1)).toContain("was changed successfully");
    const o = (await qb(shop.db).select().from(shop.orders).where(eq(shop.orders.id, 1)))[0]!;
    expect(o.createdAt.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(o.status).toBe("shipped");
  });

  it("refuses a widget that does not fit its column when the form is built (at start-up)", async () => {
    const { formSpec } = await import("../src/changeform/fields.js");
    const s = new AdminSite({ db: shop.db });
    const bad = (name: string, o: object) => {
      s.register(profiles, { app: "x", name, listDisplay: ["email"], formfieldOverrides: o as never });
      return () => formSpec(s, s.get("x", name)!);
    };
    expect(bad("a", { size: { widget: "email" } })).toThrow(/formfieldOverrides\.size\.widget: widget "email" needs a text column/);
    expect(bad("b", { email: { widget: "select" } })).toThrow(/needs `choices`/);
    expect(bad("c", { size: { widget: "radio", choices: ["a"] } })).toThrow(/choice "a" is not a number/);
    expect(bad("d", { email: { widget: "checkbox" } })).toThrow(/needs a boolean or integer column/);
    expect(bad("e", { email: { widget: "slider" } })).toThrow(/unknown widget "slider"/);
  });
});
