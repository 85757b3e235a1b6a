import { integer, primaryKey, sqliteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import {
  ChangeListOptionsError,
  escapeLike,
  humanize,
  resolveChangeListOptions,
  splitSearchTerms,
  type ChangeListOptions,
} from "../src/query/index.js";
import { shopTables } from "./query-schema.js";

const { customers, orders } = shopTables(["pending", "paid", "shipped"]);
const pairs = sqliteTable("pairs", { a: integer("a"), b: integer("b") }, (t) => [primaryKey({ columns: [t.a, t.b] })]);

const relations = { customer: { column: orders.customerId, table: customers, display: customers.name } };

function resolve(options: ChangeListOptions<typeof orders, typeof relations>) {
  return resolveChangeListOptions(orders, { adminName: "OrderAdmin", relations, ...options });
}

function refused(options: Record<string, unknown>, option: string, detail: RegExp) {
  let error: unknown;
  try {
    resolveChangeListOptions(orders, { adminName: "OrderAdmin", relations, ...options } as ChangeListOptions);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ChangeListOptionsError);
  const e = error as ChangeListOptionsError;
  expect(e.admin).toBe("OrderAdmin");
  expect(e.option).toBe(option);
  expect(e.message.startsWith(`OrderAdmin.${option}: `)).toBe(true);
  expect(e.message).toMatch(detail);
}

describe("resolveChangeListOptions: defaults (as Django)", () => {
  it("lists every own column, links the first, 100 per page, orders by -pk", () => {
    const r = resolveChangeListOptions(orders, {});
    expect(r.adminName).toBe("ModelAdmin(orders)");
    expect(r.listDisplay.map((c) => c.name)).toEqual(["id", "number", "customerId", "status", "totalCents", "createdAt", "isGift", "note"]);
    expect(r.listDisplayLinks).toEqual(["id"]);
    expect(r.listPerPage).toBe(100);
    expect(r.ordering.map((o) => [o.field.path, o.desc])).toEqual([["id", true]]);
    expect(r.pk.key).toBe("id");
    expect(r.searchFields).toEqual([]);
  });

  it("sortableBy defaults to the listDisplay fields, related ones included, and computed columns with an ordering", () => {
    const r = resolve({
      listDisplay: [
        "number",
        "customer",
        "customer.email",
        { name: "euros", label: "Total (€)", value: (rec) => Number(rec.totalCents) / 100, ordering: "totalCents" },
        { name: "badge", label: "Badge", value: () => "x" },
      ],
    });
    expect([...r.sortable.keys()]).toEqual(["number", "customer", "customer.email", "euros"]);
    expect(r.sortable.get("customer")!.field.key).toBe("name");
    expect(r.sortable.get("euros")!.field.path).toBe("totalCents");
    expect(r.listDisplay.map((c) => c.label)).toEqual(["Number", "Customer", "Customer email", "Total (€)", "Badge"]);
    expect([...r.relatedSelect.keys()]).toEqual(["customer", "customer.email"]);
  });

  it("infers filter kinds: relation column → foreignKey, boolean, timestamp → dateRange, enum → choices", () => {
    const r = resolve({ listFilter: ["customerId", "isGift", "createdAt", "status", { field: "note", choices: ["a", { value: "b", label: "Bee" }] }] });
    expect(r.listFilter.map((f) => [f.field, f.kind, f.nullable])).toEqual([
      ["customerId", "foreignKey", true],
      ["isGift", "boolean", false],
      ["createdAt", "dateRange", false],
      ["status", "choices", false],
      ["note", "choices", true],
    ]);
    expect(r.listFilter[3].choices).toEqual([
      { value: "pending", label: "Pending" },
      { value: "paid", label: "Paid" },
      { value: "shipped", label: "Shipped" },
    ]);
    expect(r.listFilter[4].choices[1]).toEqual({ value: "b", label: "Bee" });
    expect(r.listFilter[0].limit).toBe(100);
    // a relation name stands for its column
    const viaName = resolve({ listFilter: [{ field: "customer", limit: 7, title: "Buyer" }] });
    expect(viaName.listFilter[0]).toMatchObject({ field: "customerId", kind: "foreignKey", limit: 7, title: "Buyer" });
  });

  it("parses search prefixes ^ and = as Django", () => {
    const r = resolve({ searchFields: ["number", "^customer.email", "=id", "customer"] });
    expect(r.searchFields.map((s) => [s.field.path, s.match])).toEqual([
      ["number", "contains"],
      ["customer.email", "startsWith"],
      ["id", "exact"],
      ["customer", "contains"],
    ]);
  });
});

describe("resolveChangeListOptions: refuses what does not fit the table, naming the admin and the option", () => {
  it("unknown columns and relations", () => {
    refused({ listDisplay: ["number", "totl"] }, "listDisplay[1]", /unknown column "totl" on table "orders"/);
    refused({ listDisplay: ["seller.name"] }, "listDisplay[0]", /unknown relation "seller"/);
    refused({ listDisplay: ["customer.phone"] }, "listDisplay[0]", /unknown column "phone" on related table "customers"/);
    refused({ listDisplay: ["customer.name.first"] }, "listDisplay[0]", /one level/);
    refused({ searchFields: ["number", "^nope"] }, "searchFields[1]", /unknown column "nope"/);
    refused({ listFilter: ["nope"] }, "listFilter[0]", /unknown column "nope"/);
    refused({ ordering: ["-nope"] }, "ordering[0]", /unknown column "nope"/);
    refused({ sortableBy: ["number", "nope"] }, "sortableBy[1]", /unknown column "nope"/);
    refused({ listDisplay: ["number"], listDisplayLinks: ["status"] }, "listDisplayLinks[0]", /not in listDisplay/);
  });

  it("bad relations", () => {
    refused({ relations: { customer: { column: customers.id, table: customers } } }, "relations.customer", /`column` is not a column of "orders"/);
    refused({ relations: { customer: { column: orders.customerId, table: customers, display: orders.note } } }, "relations.customer", /`display` is not a column of "customers"/);
    refused({ relations: { status: { column: orders.customerId, table: customers } } }, "relations.status", /also a column/);
    refused({ relations: { pair: { column: orders.customerId, table: pairs } } }, "relations.pair", /composite primary keys/);
    refused({ relations: { customer: { column: orders.customerId, table: customers } }, listDisplay: ["customer"] }, "listDisplay[0]", /no `display` column/);
  });

  it("bad filters, search fields, sort fields, page size", () => {
    refused({ listFilter: ["customer.isVip"] }, "listFilter[0]", /related columns .* not supported/);
    refused({ listFilter: ["totalCents"] }, "listFilter[0]", /cannot infer a filter/);
    refused({ listFilter: ["status", "status"] }, "listFilter[1]", /duplicate filter/);
    refused({ listFilter: [{ field: "number", kind: "dateRange" }] }, "listFilter[0]", /not a timestamp column/);
    refused({ listFilter: [{ field: "totalCents", choices: ["1", "x"] }] }, "listFilter[0].choices[1]", /not a number/);
    refused({ listFilter: [{ field: "customerId", limit: 0 }] }, "listFilter[0]", /limit/);
    refused({ searchFields: ["@number"] }, "searchFields[0]", /full-text/);
    refused({ searchFields: ["createdAt"] }, "searchFields[0]", /date column/);
    refused(
      { listDisplay: ["number", { name: "badge", label: "B", value: () => 1 }], sortableBy: ["badge"] },
      "sortableBy[0]",
      /no `ordering`/,
    );
    refused({ listDisplay: ["number", "number"] }, "listDisplay[1]", /duplicate/);
    refused({ listDisplay: [{ name: "number", label: "N", value: () => 1 }] }, "listDisplay[0]", /already used/);
    refused({ listPerPage: 0 }, "listPerPage", /1…10000/);
    refused({ listPerPage: 2.5 }, "listPerPage", /integer/);
    refused({ labels: { nope: "x" } }, "labels.nope", /neither/);
    expect(() => resolveChangeListOptions(pairs, {})).toThrow(/ModelAdmin\(pairs\)\.table: pairs: composite primary keys/);
  });
});

describe("splitSearchTerms (Django's smart_split + unescape_string_literal)", () => {
  it.each([
    ["ann smith", ["ann", "smith"]],
    ["  ann \t smith  ", ["ann", "smith"]],
    [`"new york" deli`, ["new york", "deli"]],
    [`'o\\'neil' x`, ["o'neil", "x"]],
    [`"say \\"hi\\""`, [`say "hi"`]],
    [`'; DROP TABLE orders; --`, [`';`, "DROP", "TABLE", "orders;", "--"]],
    [`a"b c"d`, [`a"b c"d`]],
    [`"unterminated`, [`"unterminated`]],
    [`""`, []],
    ["100% under_score", ["100%", "under_score"]],
    ["", []],
  ])("%j → %j", (q, words) => {
    expect(splitSearchTerms(q)).toEqual(words);
  });

  it("escapeLike escapes %, _ and the escape character", () => {
    expect(escapeLike(`100%_\\x`)).toBe(`100\\%\\_\\\\x`);
  });

  it("humanize", () => {
    expect(humanize("createdAt")).toBe("Created at");
    expect(humanize("customer.email")).toBe("Customer email");
    expect(humanize("total_cents")).toBe("Total cents");
  });
});
