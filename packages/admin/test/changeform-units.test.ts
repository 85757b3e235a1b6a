/**
 * The change form's pure parts: CHECK bounds, form-string coercion, validation against the
 * drizzle-zod schema, object labels, audit values.
 */
import Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { check, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { auditValue } from "../src/auditlog/record.js";
import { checkBounds } from "../src/changeform/checks.js";
import { fromFormValue, parseDatetime, toFormValue } from "../src/changeform/coerce.js";
import { formSpec, writableFields } from "../src/changeform/fields.js";
import { reprOf } from "../src/model/repr.js";
import { validateForm } from "../src/changeform/schema.js";
import { AdminSite } from "../src/index.js";

const parts = sqliteTable(
  "parts",
  {
    id: integer("id").primaryKey(),
    qty: integer("qty").notNull(),
    weight: real("weight"),
    price: integer("price").notNull().default(0),
    kind: text("kind", { enum: ["bolt", "nut"] }),
    seen: integer("seen", { mode: "timestamp_ms" }),
    secret: text("secret").notNull().default("s"),
  },
  (t) => [check("parts_qty", sql`${t.qty} > 0`), check("parts_weight", sql`100 >= ${t.weight}`), check("parts_price", sql`${t.price} <= 1000`)],
);
const bare = sqliteTable("bare_things", { id: integer("id").primaryKey(), n: integer("n").notNull() });

const sqlite = new Database(":memory:");
const site = new AdminSite({ db: drizzle(sqlite), sqlite });
const admin = site.register(parts, { app: "shop", fields: ["qty", "weight", "price", "kind", "seen", "secret"], readonlyFields: ["secret"] });
const bareAdmin = site.register(bare, { app: "shop", name: "thing" });
const spec = formSpec(site, admin);

describe("CHECK bounds", () => {
  it("reads `col op n` and `n op col`, exclusive or not", () => {
    const keyOf = new Map(Object.entries(spec.columns).map(([k, c]) => [c, k]));
    const b = checkBounds(parts, keyOf);
    expect(b.get("qty")).toMatchObject({ min: 0, minExclusive: true });
    expect(b.get("weight")).toMatchObject({ max: 100, maxExclusive: false });
    expect(b.get("price")).toMatchObject({ max: 1000 });
  });
});

describe("coercion", () => {
  const f = (k: string) => spec.byKey.get(k)!;
  it("reads numbers, enums, times and empties per column", () => {
    expect(fromFormValue(f("qty"), " 12 ", "change")).toEqual({ ok: true, value: 12 });
    expect(fromFormValue(f("qty"), "1e3", "change")).toEqual({ ok: false, error: "Enter a whole number." });
    expect(fromFormValue(f("qty"), "", "add")).toEqual({ ok: false, error: "This field is required." });
    expect(fromFormValue(f("price"), "", "add")).toEqual({ ok: true, omit: true });
    expect(fromFormValue(f("price"), "", "change")).toEqual({ ok: false, error: "This field is required." });
    expect(fromFormValue(f("weight"), "", "change")).toEqual({ ok: true, value: null });
    expect(fromFormValue(f("weight"), "2.5", "change")).toEqual({ ok: true, value: 2.5 });
    expect(fromFormValue(f("weight"), "Infinity", "change")).toEqual({ ok: false, error: "Enter a number." });
    expect(fromFormValue(f("seen"), "2024-02-03T04:05", "change")).toEqual({ ok: true, value: new Date(Date.UTC(2024, 1, 3, 4, 5)) });
    expect(fromFormValue(f("seen"), "2024-02-30T04:05", "change")).toEqual({ ok: false, error: "Enter a valid date/time." });
    expect(parseDatetime("2024-02-03 04:05:06.7")).toEqual(new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 700)));
    expect(toFormValue(f("seen"), new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 789)))).toBe("2024-02-03T04:05:06");
  });
});

describe("validation", () => {
  it("applies the CHECK bounds and the enum through the drizzle-zod schema", () => {
    const r = validateForm(spec, "add", { qty: "0", weight: "101", price: "1001", kind: "screw", seen: "" });
    expect(r.errors).toEqual({
      qty: ["Ensure this value is greater than 0."],
      weight: ["Ensure this value is less than or equal to 100."],
      price: ["Ensure this value is less than or equal to 1000."],
      kind: ["Select a valid choice. screw is not one of the available choices."],
    });
    expect(r.data).toEqual({ seen: null });
    const ok = validateForm(spec, "add", { qty: "3", weight: "", price: "", kind: "nut", seen: "", secret: "leak", id: "9" });
    expect(ok.errors).toEqual({});
    expect(ok.data).toEqual({ qty: 3, weight: null, kind: "nut", seen: null });
  });

  it("keeps an unchanged value exactly (a timestamp's milliseconds) and ignores readonly fields", () => {
    const current = { id: 1, qty: 2, weight: null, price: 5, kind: "bolt", seen: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, 123)), secret: "s" };
    const r = validateForm(spec, "change", { qty: "2", weight: "", price: "5", kind: "bolt", seen: "2024-01-01T00:00:00", secret: "x" }, current);
    expect(r.errors).toEqual({});
    expect((r.data.seen as Date).getTime()).toBe(current.seen.getTime());
    expect(r.data).not.toHaveProperty("secret");
    expect(writableFields(spec, "change").map((x) => x.key)).toEqual(["qty", "weight", "price", "kind", "seen"]);
  });
});

describe("labels and audit values", () => {
  it("names an object by its first plain text column, else `<Model> #pk`", () => {
    expect(reprOf(admin, { id: 3, kind: "bolt", secret: "Hex bolt" })).toBe("Hex bolt");
    expect(reprOf(bareAdmin, { id: 4, n: 1 })).toBe("Thing #4");
  });

  it("stores JSON-safe, bounded values", () => {
    expect(auditValue(new Date(Date.UTC(2024, 0, 1)))).toBe("2024-01-01T00:00:00.000Z");
    expect(auditValue(undefined)).toBeNull();
    expect((auditValue("x".repeat(10_000)) as string).length).toBe(4096);
    expect(auditValue(10n)).toBe("10");
  });
});
