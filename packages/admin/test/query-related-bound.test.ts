// The pages of related searches whose count is capped, against an oracle, on both engines: on
// PostgreSQL a one-word search is first bounded by the matched customers' own orders
// (Dialect.keysCount: a LATERAL join; the bound must keep the filters), and a capped count keeps
// the keys of few customers for its rows statement (Dialect.cappedKeys), where it looked up each
// row's customer. Counts, capped flags and the page's rows (ids in order) are those of the oracle:
// a rare word over the cap, the same word under a filter that brings it under, a word whose
// order numbers and customers are each under the cap but together over it, two words, a later page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeListQuery } from "../src/query/index.js";
import { migrateSearchIndexes } from "../src/migrate/index.js";
import { ENGINES, insertChunked, NOW, openShopTables, SHOP_STATUSES, type Shop } from "./support/engines.js";

const CUSTOMERS = 1_000;
const ORDERS = 12_000;
const PER_PAGE = 10;
const LIMIT = 2_000;
// customers 1…10 "Zed" (3,000 orders: over the cap from 10 keys), 11…20 "Yxa" (1,500 orders), the others "Bob"
const nameOf = (id: number) => (id <= 10 ? `Zed ${id}` : id <= 20 ? `Yxa ${id}` : `Bob ${id}`);
const customerOf = (i: number) => (i < 3_000 ? (i % 10) + 1 : i < 4_500 ? 11 + (i % 10) : 21 + (i % (CUSTOMERS - 20)));
// 1,500 of Bob's orders have numbers starting "YX": "yx" matches 1,500 by number and 1,500 by customer
const numberOf = (i: number) => (i >= 4_500 && i < 6_000 ? `YX${i}` : `N${i}`);
const statusOf = (i: number) => SHOP_STATUSES[i % 3]!;
// one order an hour, in an order that mixes the kinds (7,919 is prime to 12,000)
const createdOf = (i: number) => new Date(NOW.getTime() - ((i * 7_919) % ORDERS) * 3_600_000);

describe.each(ENGINES)("capped related searches on %s", (engine) => {
  let shop: Shop;
  let list: ChangeListQuery<any, any>;
  let options: Record<string, unknown>;
  const seen: { text: string; params: unknown[] }[] = [];

  beforeAll(async () => {
    shop = await openShopTables(engine, SHOP_STATUSES, "admin_bound");
    await insertChunked(shop.db, shop.customers, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: i + 1, name: nameOf(i + 1), email: `c${i + 1}@x.test` })));
    const orders = Array.from({ length: ORDERS }, (_, i) => ({ id: i + 1, number: numberOf(i), customerId: customerOf(i), status: statusOf(i), totalCents: 100, isGift: false, createdAt: createdOf(i), note: null }));
    await insertChunked(shop.db, shop.orders, orders);
    await shop.exec("analyze");
    options = { listDisplay: ["number", "customer"], searchFields: ["^number", "customer.name", "customer.email"], relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } }, listFilter: ["status"], ordering: ["-createdAt"], listPerPage: PER_PAGE, countLimit: LIMIT };
    list = new ChangeListQuery(shop.db, shop.orders, options as never, { now: () => NOW, onStatement: (text, params) => seen.push({ text, params: [...params] }) });
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });

  /** The ids (1-based) of the matching orders, newest first (ties: higher id first, as the list's tiebreak). */
  const oracle = (match: (i: number) => boolean) =>
    Array.from({ length: ORDERS }, (_, i) => i)
      .filter(match)
      .sort((a, b) => createdOf(b).getTime() - createdOf(a).getTime() || b - a)
      .map((i) => i + 1);
  const words = (i: number, ...ws: string[]) => ws.every((w) => numberOf(i).toLowerCase().startsWith(w) || nameOf(customerOf(i)).toLowerCase().includes(w) || `c${customerOf(i)}@x.test`.includes(w));

  it.each([
    // query, page asked, matching orders
    ["q=zed", 1, (i: number) => words(i, "zed")],
    ["q=zed", 4, (i: number) => words(i, "zed")],
    ["q=zed&status__exact=paid", 1, (i: number) => words(i, "zed") && statusOf(i) === "paid"],
    ["q=yx", 1, (i: number) => words(i, "yx")],
    ["q=zed+x.test", 2, (i: number) => words(i, "zed", "x.test")],
    ["q=bob", 1, (i: number) => words(i, "bob")],
  ] as const)("%s counts and lists what the oracle does (page %i)", async (qs, asked, match) => {
    const expected = oracle(match);
    const state = { ...list.parseState(qs), page: asked };
    expect(await list.countMatching(state)).toBe(expected.length);
    seen.length = 0;
    const page = await list.fetchPage(state);
    expect(seen).toHaveLength(2);
    const capped = expected.length > LIMIT;
    expect(page).toMatchObject({ capped, total: capped ? LIMIT : expected.length, page: asked });
    expect(page.rows.map((r) => r.pk)).toEqual(expected.slice((asked - 1) * PER_PAGE, asked * PER_PAGE));
    // the word's customers and filters hold where the oracle says (not just the ids' order)
    expect(page.rows.every((r) => match(Number(r.pk) - 1))).toBe(true);
  });

  it("a rare word over the cap: the rows statement takes its few customers' keys (PostgreSQL), not a lookup per row", async () => {
    seen.length = 0;
    const page = await list.fetchPage(list.parseState("q=zed"));
    expect(page.capped).toBe(true);
    const rows = seen[1]!;
    if (engine !== "postgres") {
      // SQLite: a capped count sends no keys back; each row's customer is looked up by key
      expect(rows.text).toMatch(/\(select 1 from "customers" where "customers"\."id" = "orders"\."customer_id"/);
      return;
    }
    expect(rows.text).not.toMatch(/from "customers" where "customers"\."id" = "orders"\."customer_id"/);
    expect(rows.text).toMatch(/"orders"\."customer_id" in \(select unnest\(\$\d+::integer\[\]\)\)/);
    const keys = rows.params.find((p): p is string => typeof p === "string" && p.startsWith("{"));
    expect(keys?.slice(1, -1).split(",").map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("with trigram indexes: a word of 3+ characters sends its few customers' keys on both engines, a shorter one only on PostgreSQL", async () => {
    const indexedSeen: { text: string; params: unknown[] }[] = [];
    const indexed = new ChangeListQuery(shop.db, shop.orders, { ...options, searchIndex: "trigram" } as never, { now: () => NOW, onStatement: (text, params) => indexedSeen.push({ text, params: [...params] }) });
    await migrateSearchIndexes(shop.db as never, indexed.config.searchIndexes);
    const keyList = engine === "sqlite" ? /"orders"\."customer_id" in \(select value from json_each\(\?\)\)/ : /"orders"\."customer_id" in \(select unnest\(\$\d+::integer\[\]\)\)/;
    const perRow = /\(select 1 from "customers" where "customers"\."id" = "orders"\."customer_id"/;
    for (const [qs, match, keyed] of [
      // SQLite computes the keys' CTE whole: from the trigram tables for "zed", a scan of the
      // customers for "yx" (no trigram in two letters), so that one is looked up row by row
      ["q=zed", (i: number) => words(i, "zed"), true],
      ["q=yx", (i: number) => words(i, "yx"), engine === "postgres"],
    ] as const) {
      indexedSeen.length = 0;
      const page = await indexed.fetchPage(indexed.parseState(qs));
      expect(page.capped, qs).toBe(true);
      expect(page.rows.map((r) => r.pk), qs).toEqual(oracle(match).slice(0, PER_PAGE));
      const rows = indexedSeen[1]!.text;
      if (keyed) {
        expect(rows, qs).toMatch(keyList);
        expect(rows, qs).not.toMatch(perRow);
      } else expect(rows, qs).toMatch(perRow);
    }
  });
});
