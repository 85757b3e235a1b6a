/**
 * The fixture of the change-list query tests (query-*.test.ts): 400 customers and 4,000 orders
 * generated from a fixed seed (LIKE metacharacters, quotes, NULL and dangling customers, dates on
 * the range boundaries, ties), loaded into a database of its own on either engine, with a plain
 * JavaScript oracle for search and sort over the same rows.
 */
import { count } from "drizzle-orm";
import { afterAll, beforeAll, expect } from "vitest";
import { qb } from "../../src/query/dialect/index.js";
import { ChangeListQuery, splitSearchTerms, type ChangeListOptions, type ChangeListState } from "../../src/query/index.js";
import { SHOP_DDL, shopTablesOn } from "../query-schema.js";
import { insertChunked, openEngine, type Engine, type EngineDb } from "./engines.js";

export const STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;


export interface C {
  id: number;
  name: string;
  email: string;
  isVip: boolean;
}
export interface O {
  id: number;
  number: string;
  customerId: number | null;
  status: (typeof STATUSES)[number];
  totalCents: number;
  createdAt: number;
  isGift: boolean;
  note: string | null;
}

/** "Now" for date ranges: 15 June 2025, noon, local time. */
export const NOW = new Date(2025, 5, 15, 12, 0, 0);
const at = (y: number, m: number, d: number) => new Date(y, m, d).getTime();
export const TODAY = at(2025, 5, 15);
export const TOMORROW = at(2025, 5, 16);
export const WEEK_AGO = at(2025, 5, 8);
export const MONTH = at(2025, 5, 1);
export const NEXT_MONTH = at(2025, 6, 1);
export const YEAR = at(2025, 0, 1);
export const NEXT_YEAR = at(2026, 0, 1);

const SPECIAL_CUSTOMERS: [string, string][] = [
  ["100% Pure", "pure@example.com"],
  ["1000 Lakes", "lakes@example.com"],
  ["under_score", "u_s@example.com"],
  ["underXscore", "uxs@example.com"],
  ["O'Neil", "oneil@example.com"],
  ["'; DROP TABLE orders; --", "bobby@tables.test"],
  ["back\\slash", "bs@example.com"],
  ["New York Deli", "nyd@example.com"],
  ['Say "Hi"', "hi@example.com"],
];
export const N_CUSTOMERS = 400;
export const N_ORDERS = 4000;
export const DANGLING_ORDER = N_ORDERS; // references a customer that does not exist
/** Orders pinned on the date-range boundaries. */
const BOUNDARY: Record<number, number> = {
  11: TODAY,
  12: TODAY - 1,
  13: TOMORROW - 1,
  14: TOMORROW,
  15: WEEK_AGO,
  16: WEEK_AGO - 1,
  17: MONTH,
  18: MONTH - 1,
  19: YEAR,
  20: YEAR - 1,
  21: NEXT_YEAR,
  22: NEXT_YEAR - 1,
  23: NEXT_MONTH,
};

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate() {
  const rnd = mulberry32(7);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const first = ["Ann", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Grace", "Hugo", "Ines", "Jon", "Smithy"];
  const last = ["Smith", "Jones", "Garcia", "Rossi", "Dubois", "Novak", "Khan", "Annan"];
  const cs: C[] = SPECIAL_CUSTOMERS.map(([name, email], i) => ({ id: i + 1, name, email, isVip: i % 2 === 0 }));
  for (let id = cs.length + 1; id <= N_CUSTOMERS; id++) {
    const f = pick(first);
    const l = pick(last);
    cs.push({ id, name: `${f} ${l}`, email: `${f}.${l}.${id}@example.com`.toLowerCase(), isVip: rnd() < 0.1 });
  }
  const os: O[] = [];
  const sharedTime = NOW.getTime() - 3 * 86400_000;
  for (let id = 1; id <= N_ORDERS; id++) {
    let customerId: number | null = id <= SPECIAL_CUSTOMERS.length ? id : rnd() < 0.05 ? null : 1 + Math.floor(rnd() * N_CUSTOMERS);
    if (id === DANGLING_ORDER) customerId = 99_999;
    const createdAt =
      BOUNDARY[id] ?? (id >= 30 && id < 40 ? sharedTime : NOW.getTime() - Math.floor(rnd() * 500 * 86400_000) + Math.floor(rnd() * 10 * 86400_000));
    os.push({
      id,
      number: `ORD-${String(id).padStart(6, "0")}`,
      customerId,
      status: pick(STATUSES),
      totalCents: Math.floor(rnd() * 100) * 100, // many ties
      createdAt,
      isGift: rnd() < 0.2,
      note: id === 24 ? "50% off_today" : rnd() < 0.3 ? `note ${id}` : null,
    });
  }
  return { cs, os };
}

export const { cs, os } = generate();
export const customerById = new Map(cs.map((c) => [c.id, c]));

/** The change list's tables for `engine` (typed as SQLite's). */
export function queryTables(engine: Engine) {
  return shopTablesOn(engine, STATUSES);
}
type Tables = ReturnType<typeof queryTables>;
type Orders = Tables["orders"];
type Relations = { customer: { column: Orders["customerId"]; table: Tables["customers"]; display: Tables["customers"]["name"] } };
export type List = ChangeListQuery<Orders, Relations>;
export type ListOptions = ChangeListOptions<Orders, Relations>;

/** The shop of the query tests on one engine, its change-list options and a way to build lists over them. */
export interface QueryShop extends EngineDb, Tables {
  options: ListOptions;
  makeList(overrides?: Partial<ListOptions>): List;
  /** the list of the default options */
  cl: List;
}

/** Opens the query tests' shop on `engine`: the tables, the generated rows, `ANALYZE`. */
export async function openQueryShop(engine: Engine): Promise<QueryShop> {
  const e = await openEngine(engine, SHOP_DDL, "admin_query");
  const { customers, orders } = queryTables(engine);
  await insertChunked(e.db, customers, cs);
  await insertChunked(e.db, orders, os.map((o) => ({ ...o, createdAt: new Date(o.createdAt) })));
  await e.exec("analyze");
  const relations: Relations = { customer: { column: orders.customerId, table: customers, display: customers.name } };
  const options: ListOptions = {
    adminName: "OrderAdmin",
    relations,
    listDisplay: [
      "number",
      "customer",
      "customer.email",
      "status",
      "totalCents",
      "createdAt",
      { name: "euros", label: "Euros", value: (r) => Number(r.totalCents) / 100, ordering: "totalCents" },
      { name: "vip", label: "VIP", value: (r) => (r["customer.isVip"] === true ? "★" : ""), fields: ["customer.isVip"] },
    ],
    searchFields: ["number", "customer.name", "customer.email", "note"],
    listFilter: ["status", "isGift", "createdAt", { field: "customerId", limit: 25 }],
    ordering: ["-createdAt"],
    listPerPage: 50,
  };
  const makeList = (overrides: Partial<ListOptions> = {}) => new ChangeListQuery(e.db, orders, { ...options, ...overrides }, { now: () => NOW });
  return { ...e, customers, orders, options, makeList, cl: makeList() };
}

/** A suite's query shop ({@link useQueryShop}): the open shop, its default list, and that list's state parser. */
export interface QueryShopSuite {
  readonly shop: QueryShop;
  /** the list of the default options (`shop.cl`) */
  readonly cl: List;
  /** `cl.parseState(qs)` */
  state(qs: string): ReturnType<List["parseState"]>;
}

/**
 * Opens the query shop on `engine` in `beforeAll` (bounded at 120 s: seeding on a loaded
 * machine) and closes it in `afterAll`, for the `describe` it is called in. The fields read the
 * open shop, so read them inside tests and hooks, not while the suite is being collected.
 * @throws Error when a field is read before `beforeAll` opened the shop
 */
export function useQueryShop(engine: Engine): QueryShopSuite {
  let shop: QueryShop | undefined;
  beforeAll(async () => {
    shop = await openQueryShop(engine);
  }, 120_000);
  afterAll(async () => {
    await shop?.close();
  });
  const open = (): QueryShop => {
    if (!shop) throw new Error("useQueryShop: the shop opens in beforeAll; read it inside a test");
    return shop;
  };
  return {
    get shop() {
      return open();
    },
    get cl() {
      return open().cl;
    },
    state: (qs) => open().cl.parseState(qs),
  };
}

/** How many orders the table holds, counted by the engine. */
export async function countOrders(shop: QueryShop): Promise<number> {
  const [{ n }] = await qb(shop.db).select({ n: count() }).from(shop.orders);
  return n;
}

// ---------------------------------------------------------------------------------------------
// oracle

const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()); // SQLite LIKE folds ASCII only (the rows are ASCII)

/** The orders a search matches, as Django's search_fields would. */
export function searchOracle(q: string): (o: O) => boolean {
  const words = splitSearchTerms(q).map(fold);
  return (o) => {
    const c = o.customerId === null ? undefined : customerById.get(o.customerId);
    const hay = [o.number, c?.name, c?.email, o.note].filter((v): v is string => v != null).map(fold);
    return words.every((w) => hay.some((h) => h.includes(w)));
  };
}

type Key = (o: O) => string | number | null;
const SORT_KEYS: Record<string, Key> = {
  number: (o) => o.number,
  customer: (o) => customerById.get(o.customerId ?? -1)?.name ?? null,
  "customer.email": (o) => customerById.get(o.customerId ?? -1)?.email ?? null,
  status: (o) => o.status,
  totalCents: (o) => o.totalCents,
  euros: (o) => o.totalCents,
  createdAt: (o) => o.createdAt,
};

/**
 * The engine's order: NULLs first ascending on SQLite, last on PostgreSQL (each engine's own
 * default, as Django leaves it); PK tiebreak in the direction of the last key.
 */
export function sortOracle(engine: Engine, rows: O[], spec: { field: string; desc: boolean }[]): number[] {
  const nullLow = engine === "sqlite" ? -1 : 1;
  const cmp = (a: string | number | null, b: string | number | null) =>
    a === b ? 0 : a === null ? nullLow : b === null ? -nullLow : a < b ? -1 : 1;
  const last = spec[spec.length - 1];
  return [...rows]
    .sort((x, y) => {
      for (const s of spec) {
        const c = cmp(SORT_KEYS[s.field](x), SORT_KEYS[s.field](y));
        if (c !== 0) return s.desc ? -c : c;
      }
      return last.desc ? y.id - x.id : x.id - y.id;
    })
    .map((o) => o.id);
}

/** Every pk of a state, walking all pages. */
export async function allIds(list: List, state: ChangeListState): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const r = await list.fetchPage({ ...state, page });
    expect(r.page).toBe(page);
    ids.push(...r.rows.map((row) => row.pk as number));
    if (page >= r.pages) {
      expect(ids.length).toBe(r.total);
      return ids;
    }
  }
}

export const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
