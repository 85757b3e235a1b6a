/**
 * Field types (`fieldTypes`): money in cents, decimals, percentages and booleans read and are
 * typed in one way everywhere — the formatting functions, the change list's cells, the change
 * form's inputs, read-only values and validation — and a bad declaration is refused at
 * `site.register` with `WEFT_ADMIN_ERR_FIELD_TYPE`.
 */
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { sql } from "drizzle-orm";
import { check, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { integer as pgInteger, pgTable, text as pgText, doublePrecision, check as pgCheck } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";
import { AdminSite, formatTyped, parseTyped, typedInput, type FieldType, WeftAdminError } from "../src/index.js";
import { resolveDisplay } from "../src/model/field-types.js";
import { columnKinds, formatCell, formatDate } from "../src/changelist/cells.js";
import { formSpec } from "../src/changeform/fields.js";
import { fromFormValue, toFormValue } from "../src/changeform/coerce.js";
import { displayValue } from "../src/changeform/present.js";
import { validateForm } from "../src/changeform/schema.js";

const eur = resolveDisplay({ currency: "EUR" });
const money: FieldType = { type: "money" };

describe("formatTyped / typedInput / parseTyped", () => {
  it("money in cents reads as €822.45 and is typed as 822.45, exactly", () => {
    expect(formatTyped(money, 82245, undefined, eur)).toBe("€822.45");
    expect(formatTyped(money, 123456789, undefined, eur)).toBe("€1,234,567.89");
    expect(formatTyped(money, -5, undefined, eur)).toBe("-€0.05");
    expect(typedInput(money, 82245, undefined, eur)).toBe("822.45");
    expect(typedInput(money, 5, undefined, eur)).toBe("0.05");
    expect(typedInput(money, -120, undefined, eur)).toBe("-1.20");
    expect(parseTyped(money, "822.45", undefined, eur)).toEqual({ ok: true, value: 82245 });
    expect(parseTyped(money, "822.4", undefined, eur)).toEqual({ ok: true, value: 82240 });
    expect(parseTyped(money, "822", undefined, eur)).toEqual({ ok: true, value: 82200 });
    expect(parseTyped(money, ".5", undefined, eur)).toEqual({ ok: true, value: 50 });
    expect(parseTyped(money, "-0.01", undefined, eur)).toEqual({ ok: true, value: -1 });
    // 0.29 * 100 is 28.999999999999996 in floating point: the string arithmetic is exact
    expect(parseTyped(money, "0.29", undefined, eur)).toEqual({ ok: true, value: 29 });
  });

  it("refuses more than 2 decimals, symbols, separators and words with a clear error", () => {
    expect(parseTyped(money, "822.456", undefined, eur)).toEqual({ ok: false, error: "Enter an amount with at most 2 decimal places." });
    for (const bad of ["€822.45", "1,234.50", "12 000", "abc", "1e3", "", "."]) {
      expect(parseTyped(money, bad, undefined, eur), bad).toEqual({ ok: false, error: "Enter an amount like 822.45, without symbols or thousands separators." });
    }
    expect(parseTyped(money, "99999999999999999", undefined, eur)).toEqual({ ok: false, error: "Enter a smaller amount." });
  });

  it("the currency comes from the row's currencyField, else the field, else the site; its minor unit decides the decimals", () => {
    const perRow: FieldType = { type: "money", currencyField: "currency" };
    expect(formatTyped(perRow, 82245, { currency: "USD" }, eur)).toBe("US$822.45");
    expect(formatTyped(perRow, 82245, { currency: "junk" }, eur)).toBe("€822.45");
    expect(formatTyped(perRow, 82245, undefined, eur)).toBe("€822.45");
    expect(formatTyped({ type: "money", currency: "GBP" }, 100, undefined, eur)).toBe("£1.00");
    expect(formatTyped(perRow, 500, { currency: "JPY" }, eur)).toBe("JP¥500");
    expect(typedInput(perRow, 500, { currency: "JPY" }, eur)).toBe("500");
    expect(parseTyped(perRow, "500.5", { currency: "JPY" }, eur)).toEqual({ ok: false, error: "Enter an amount without decimals." });
    expect(parseTyped(perRow, "1.234", { currency: "BHD" }, eur)).toEqual({ ok: true, value: 1234 });
  });

  it("decimals, percentages and booleans", () => {
    expect(formatTyped({ type: "decimal" }, 1234.5, undefined, eur)).toBe("1,234.50");
    expect(formatTyped({ type: "decimal", places: 0 }, 1234.5, undefined, eur)).toBe("1,235");
    expect(typedInput({ type: "decimal" }, 1234.5, undefined, eur)).toBe("1234.50");
    expect(parseTyped({ type: "decimal", places: 1 }, "3.25", undefined, eur)).toEqual({ ok: false, error: "Enter a number with at most 1 decimal place." });
    expect(formatTyped({ type: "percent" }, 0.125, undefined, eur)).toBe("12.5%");
    expect(typedInput({ type: "percent" }, 0.125, undefined, eur)).toBe("12.5");
    expect(parseTyped({ type: "percent" }, "12.5", undefined, eur)).toEqual({ ok: true, value: 0.125 });
    expect(parseTyped({ type: "percent", places: 2 }, "7.07", undefined, eur)).toEqual({ ok: true, value: 0.0707 });
    expect(formatTyped({ type: "boolean" }, 1, undefined, eur)).toBe("Yes");
    expect(formatTyped({ type: "boolean" }, 0, undefined, eur)).toBe("No");
    expect(formatTyped(money, null, undefined, eur)).toBe("");
  });

  it("a locale formats the numbers its way", () => {
    const fr = resolveDisplay({ locale: "fr-FR", currency: "EUR" });
    expect(formatTyped(money, 82245, undefined, fr).replace(/\s/g, " ")).toBe("822,45 €");
  });
});

describe("the change list's cells", () => {
  it("a money column is right-aligned money; a boolean type over 0/1 gets the icons; dates follow the site's time zone", () => {
    expect(formatCell(82245, "number", { type: money, display: eur })).toEqual({ text: "€822.45", cls: "num" });
    expect(formatCell(null, "number", { type: money, display: eur })).toMatchObject({ empty: true, text: "—" });
    expect(formatCell(1, "number", { type: { type: "boolean" }, display: eur })).toMatchObject({ bool: "yes", text: "Yes" });
    expect(formatCell(0, "number", { type: { type: "boolean" }, display: eur })).toMatchObject({ bool: "no", text: "No" });
    const d = new Date("2025-06-15T23:30:00Z");
    expect(formatDate(d, resolveDisplay())).toBe("15 Jun 2025, 23:30");
    expect(formatDate(d, resolveDisplay({ timeZone: "Europe/Paris" }))).toBe("16 Jun 2025, 01:30");
    expect(formatCell(d, "date", { type: undefined, display: resolveDisplay({ timeZone: "America/New_York" }) })).toMatchObject({ text: "15 Jun 2025, 19:30", datetime: "2025-06-15T23:30:00.000Z" });
  });
});

const orders = sqliteTable("orders", {
  id: integer("id").primaryKey(),
  totalCents: integer("total_cents").notNull(),
  currency: text("currency").notNull().default("EUR"),
  discount: real("discount"),
  gift: integer("gift").notNull().default(0),
}, (t) => [check("orders_total_check", sql`${t.totalCents} >= 0`)]);

/** The same table on PostgreSQL (`real` → `double precision`: a ratio either way). */
const ordersPg = pgTable("orders", {
  id: pgInteger("id").primaryKey(),
  totalCents: pgInteger("total_cents").notNull(),
  currency: pgText("currency").notNull().default("EUR"),
  discount: doublePrecision("discount"),
  gift: pgInteger("gift").notNull().default(0),
}, (t) => [pgCheck("orders_total_check", sql`${t.totalCents} >= 0`)]);
const ORDERS_DDL = {
  sqlite: "create table orders (id integer primary key, total_cents integer not null check (total_cents >= 0), currency text not null default 'EUR', discount real, gift integer not null default 0)",
  postgres: "create table orders (id integer primary key, total_cents integer not null constraint orders_total_check check (total_cents >= 0), currency text not null default 'EUR', discount double precision, gift integer not null default 0)",
};

/** A site over an in-memory SQLite database, for the registration checks (no statement runs). */
function site(display = { currency: "EUR" } as { currency?: string; timeZone?: string }) {
  const sqlite = new Database(":memory:");
  sqlite.exec("create table orders (id integer primary key, total_cents integer not null check (total_cents >= 0), currency text not null default 'EUR', discount real, gift integer not null default 0)");
  return new AdminSite({ db: drizzle(sqlite), sqlite, display });
}

describe.each(ENGINES)("the change form on %s", (engine) => {
  // the form is read from the table's definition (columns, CHECK): a sqliteTable, or its pgTable twin
  let e: EngineDb;
  let s: AdminSite;
  let t: typeof orders;
  let spec: ReturnType<typeof formSpec>;
  beforeAll(async () => {
    e = await openEngine(engine, ORDERS_DDL, "admin_field_types");
    t = engine === "sqlite" ? orders : (ordersPg as unknown as typeof orders);
    s = new AdminSite({ db: e.db, display: { currency: "EUR" } });
    const admin = s.register(t, {
      app: "shop",
      fieldTypes: { totalCents: { type: "money", currencyField: "currency" }, discount: { type: "percent" }, gift: { type: "boolean" } },
    });
    spec = formSpec(s, admin);
  }, 60_000);
  afterAll(() => e?.close());
  const f = (k: string) => spec.byKey.get(k)!;
  const row = { id: 1, totalCents: 82245, currency: "EUR", discount: 0.1, gift: 1 };

  it("shows money as 822.45 and a percentage as 10; reads them back as cents and a ratio", () => {
    expect(toFormValue(f("totalCents"), 82245, row)).toBe("822.45");
    expect(toFormValue(f("discount"), 0.1, row)).toBe("10");
    expect(fromFormValue(f("totalCents"), "834.79", "change", row)).toEqual({ ok: true, value: 83479 });
    expect(fromFormValue(f("totalCents"), "834.799", "change", row)).toEqual({ ok: false, error: "Enter an amount with at most 2 decimal places." });
    expect(fromFormValue(f("discount"), "12.5", "change", row)).toEqual({ ok: true, value: 0.125 });
    expect(fromFormValue(f("gift"), "1", "change", row)).toEqual({ ok: true, value: 1 });
    expect(fromFormValue(f("gift"), undefined, "change", row)).toEqual({ ok: true, value: 0 });
    expect(f("gift").kind).toBe("boolean");
  });

  it("validates the whole form: cents stored, the table's CHECK still applies, the unchanged value kept exactly", () => {
    const ok = validateForm(spec, "change", { totalCents: "834.79", currency: "EUR", discount: "10", gift: "1" }, row);
    expect(ok).toEqual({ data: { totalCents: 83479, currency: "EUR", discount: 0.1, gift: 1 }, errors: {} });
    const bad = validateForm(spec, "change", { totalCents: "-1.00", currency: "EUR" }, row);
    expect(bad.errors).toEqual({ totalCents: ["Ensure this value is greater than or equal to 0.00."] });
    const many = validateForm(spec, "change", { totalCents: "1.005", currency: "EUR" }, row);
    expect(many.errors).toEqual({ totalCents: ["Enter an amount with at most 2 decimal places."] });
    expect(many.data.totalCents).toBeUndefined();
  });

  it("the list's column kinds follow the types: money right-aligned as a number, a 0/1 boolean as a boolean", () => {
    const listed = s.register(t, { app: "shop", name: "listed", listDisplay: ["totalCents", "gift", "currency"], fieldTypes: { totalCents: money, gift: { type: "boolean" } } });
    expect(Object.fromEntries(columnKinds(s.query(listed).config, listed.options.fieldTypes))).toEqual({ totalCents: "number", gift: "boolean", currency: "text" });
    expect(columnKinds(s.query(listed).config).get("gift")).toBe("number");
  });

  it("read-only values and the history read as the list does", () => {
    expect(displayValue(f("totalCents"), 82245, row)).toBe("€822.45");
    expect(displayValue(f("totalCents"), 82245, { currency: "USD" })).toBe("US$822.45");
    expect(displayValue(f("discount"), 0.1)).toBe("10.0%");
    expect(displayValue(f("gift"), 0)).toBe("No");
    expect(displayValue(f("totalCents"), null)).toBe("—");
  });
});

describe("refusals at site.register", () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(WeftAdminError);
      return { code: (err as WeftAdminError).code, message: (err as Error).message };
    }
    throw new Error("did not throw");
  };

  it("an unknown column or type, bad places, a bad currency, money with no currency anywhere", () => {
    expect(code(() => site().register(orders, { app: "shop", fieldTypes: { nope: money } }))).toMatchObject({ code: "WEFT_ADMIN_ERR_FIELD_TYPE", message: expect.stringContaining('"nope" is not a column') });
    expect(code(() => site().register(orders, { app: "shop", fieldTypes: { totalCents: { type: "cash" } as unknown as FieldType } })).message).toContain('unknown type "cash"');
    expect(code(() => site().register(orders, { app: "shop", fieldTypes: { discount: { type: "percent", places: 9 } } })).message).toContain("places must be an integer 0-6");
    expect(code(() => site().register(orders, { app: "shop", fieldTypes: { totalCents: { type: "money", currency: "euro" } } })).message).toContain('"euro" is not an ISO 4217 code');
    expect(code(() => site().register(orders, { app: "shop", fieldTypes: { totalCents: { type: "money", currencyField: "cur" } } })).message).toContain('currencyField "cur"');
    expect(code(() => site({}).register(orders, { app: "shop", fieldTypes: { totalCents: money } })).message).toContain("money needs a currency");
    // a registration that failed keeps nothing: the same site registers it right afterwards
    const s = site({});
    expect(() => s.register(orders, { app: "shop", fieldTypes: { totalCents: money } })).toThrow();
    expect(() => s.register(orders, { app: "shop", fieldTypes: { totalCents: { type: "money", currency: "EUR" } } })).not.toThrow();
  });

  it("an unknown time zone or currency of the site", () => {
    expect(code(() => site({ timeZone: "Mars/Olympus" })).code).toBe("WEFT_ADMIN_ERR_FIELD_TYPE");
    expect(code(() => site({ currency: "eur" })).message).toContain("display.currency");
  });
});
