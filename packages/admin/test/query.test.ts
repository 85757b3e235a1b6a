/**
 * The change-list data layer on a real SQLite file: search, sort, filters, pagination,
 * refused parameters, statement counts, URL round trips. Expected results come from a plain
 * JavaScript oracle over the same generated rows.
 */
import Database from "better-sqlite3";
import { count, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChangeListParamError,
  ChangeListQuery,
  countStatements,
  EMPTY_STATE,
  splitSearchTerms,
  type ChangeListOptions,
  type ChangeListState,
  type FilterSelection,
} from "../src/query/index.js";
import { shopTables } from "./query-schema.js";

// ---------------------------------------------------------------------------------------------
// schema + data

const STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;

const { customers, orders } = shopTables(STATUSES);
const DDL = `
  create table customers (id integer primary key, name text not null, email text not null, is_vip integer not null);
  create index customers_name_idx on customers(name);
  create table orders (id integer primary key, number text not null, customer_id integer, status text not null,
    total_cents integer not null, created_at integer not null, is_gift integer not null, note text);
  create unique index orders_number_unique on orders(number);
  create index orders_created_at_idx on orders(created_at);
  create index orders_status_created_at_idx on orders(status, created_at);
  create index orders_customer_id_idx on orders(customer_id);
`;

interface C {
  id: number;
  name: string;
  email: string;
  isVip: boolean;
}
interface O {
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
const NOW = new Date(2025, 5, 15, 12, 0, 0);
const at = (y: number, m: number, d: number) => new Date(y, m, d).getTime();
const TODAY = at(2025, 5, 15);
const TOMORROW = at(2025, 5, 16);
const WEEK_AGO = at(2025, 5, 8);
const MONTH = at(2025, 5, 1);
const NEXT_MONTH = at(2025, 6, 1);
const YEAR = at(2025, 0, 1);
const NEXT_YEAR = at(2026, 0, 1);

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
const N_CUSTOMERS = 400;
const N_ORDERS = 4000;
const DANGLING_ORDER = N_ORDERS; // references a customer that does not exist
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

const { cs, os } = generate();
const customerById = new Map(cs.map((c) => [c.id, c]));

let dir: string;
let sqlite: Database.Database;
let db: ReturnType<typeof drizzle>;

const relations = { customer: { column: orders.customerId, table: customers, display: customers.name } };
const OPTIONS: ChangeListOptions<typeof orders, typeof relations> = {
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

function makeList(overrides: Partial<ChangeListOptions<typeof orders, typeof relations>> = {}) {
  return new ChangeListQuery(db, orders, { ...OPTIONS, ...overrides }, { now: () => NOW });
}
let cl: ReturnType<typeof makeList>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-query-"));
  sqlite = new Database(join(dir, "test.db"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.exec(DDL);
  const ic = sqlite.prepare("insert into customers (id, name, email, is_vip) values (?, ?, ?, ?)");
  const io = sqlite.prepare(
    "insert into orders (id, number, customer_id, status, total_cents, created_at, is_gift, note) values (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  sqlite.transaction(() => {
    for (const c of cs) ic.run(c.id, c.name, c.email, c.isVip ? 1 : 0);
    for (const o of os) io.run(o.id, o.number, o.customerId, o.status, o.totalCents, o.createdAt, o.isGift ? 1 : 0, o.note);
  })();
  sqlite.exec("analyze");
  db = drizzle(sqlite);
  cl = makeList();
});

afterAll(async () => {
  sqlite?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// oracle

const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()); // SQLite LIKE folds ASCII only

function searchOracle(q: string): (o: O) => boolean {
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

/** SQLite order: NULLs first ascending; PK tiebreak in the direction of the last key. */
function sortOracle(rows: O[], spec: { field: string; desc: boolean }[]): number[] {
  const cmp = (a: string | number | null, b: string | number | null) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
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
async function allIds(list: ChangeListQuery<typeof orders, typeof relations>, state: ChangeListState): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const r = (await list.fetchPage({ ...state, page }));
    expect(r.page).toBe(page);
    ids.push(...r.rows.map((row) => row.pk as number));
    if (page >= r.pages) {
      expect(ids.length).toBe(r.total);
      return ids;
    }
  }
}

const state = (qs: string) => cl.parseState(qs);
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

// ---------------------------------------------------------------------------------------------

describe("search (Django search_fields semantics)", () => {
  it.each([
    "smith",
    "SMITH",
    "ann smith",
    "smith ann",
    "Ann Annan",
    "100%",
    "100",
    "under_score",
    "_",
    "%",
    "o'neil",
    `"new york"`,
    `new york`,
    `'; DROP TABLE orders; --`,
    "back\\slash",
    `say "hi"`,
    "ord-00012",
    "note 12",
    "50% off_",
    "@example.com jones",
    "zzzz-nothing",
  ])("q=%j matches exactly what the oracle matches, across own and related fields", async (q) => {
    const expected = os.filter(searchOracle(q)).map((o) => o.id);
    const got = (await allIds(cl, { ...EMPTY_STATE, q }));
    expect(sorted(got)).toEqual(sorted(expected));
  });

  it("treats LIKE metacharacters literally", async () => {
    const names = async (q: string) =>
      new Set(
        (await cl
          .fetchPage({ ...EMPTY_STATE, q }))
          .rows.map((r) => r.values.customer)
          .filter((n) => n !== null),
      );
    expect((await names("100%"))).toEqual(new Set(["100% Pure"])); // not "1000 Lakes"
    expect((await names("under_score"))).toEqual(new Set(["under_score"])); // not "underXscore"
    expect((await names("back\\slash"))).toEqual(new Set(["back\\slash"]));
    expect((await names(`"'; DROP TABLE"`))).toEqual(new Set(["'; DROP TABLE orders; --"]));
    expect(sqlite.prepare("select count(*) n from orders").get()).toEqual({ n: N_ORDERS });
  });

  it("every word must match some field (AND of ORs); quoted phrases are one word", async () => {
    const both = (await cl.fetchPage({ ...EMPTY_STATE, q: "new deli" })).rows.map((r) => r.values.customer);
    expect(new Set(both)).toEqual(new Set(["New York Deli"]));
    expect((await cl.fetchPage({ ...EMPTY_STATE, q: `"york new"` })).total).toBe(0);
    // one word on the order number, one on the customer name
    const mixed = (await cl.fetchPage({ ...EMPTY_STATE, q: "ORD-000008 deli" }));
    expect(mixed.rows.map((r) => r.pk)).toEqual([8]);
  });

  it("^ is starts-with, = is exact (case-insensitive), = on a number column is an equality", async () => {
    const prefixed = makeList({ searchFields: ["^customer.email", "=number", "=id"] });
    const q = async (text: string) => sorted((await allIds(prefixed, { ...EMPTY_STATE, q: text })));
    expect((await q("pure"))).toEqual(os.filter((o) => o.customerId === 1).map((o) => o.id));
    expect((await q("example.com"))).toEqual([]); // contained, but not a prefix
    expect((await q("ord-000123"))).toEqual([123]);
    expect((await q("ORD-00012"))).toEqual([]); // not exact
    expect((await q("2222"))).toEqual([2222]);
    expect((await q("22.5"))).toEqual([]);
    expect((await q("abc"))).toEqual([]);
  });

  it("refuses search on a list without searchFields, and overlong searches", async () => {
    const plain = makeList({ searchFields: [] });
    expect(() => plain.parseState("q=x")).toThrow(ChangeListParamError);
    expect(plain.parseState("q=").q).toBe("");
    expect(() => cl.parseState(`q=${"x".repeat(501)}`)).toThrow(/longer than 500/);
    expect(() => cl.parseState(`q=${"x ".repeat(21)}`)).toThrow(/more than 20 words/);
  });
});

describe("sort", () => {
  it.each([
    "number",
    "-number",
    "customer",
    "-customer",
    "customer.email",
    "-customer.email",
    "totalCents",
    "-totalCents",
    "euros",
    "-createdAt",
    "createdAt",
    "status,-totalCents",
    "-status,customer",
  ])("sort=%s: own and related columns, NULLs first, PK tiebreak, no row skipped or repeated", async (spec) => {
    const s = state(`sort=${spec}`);
    const got = (await allIds(cl, s));
    expect(new Set(got).size).toBe(N_ORDERS);
    expect(got).toEqual(sortOracle(os, s.sort as { field: string; desc: boolean }[]));
  });

  it.each(["q=smith", "q=smith&sort=customer", "q=100%25", "q=o&sort=-totalCents", "q=note&sort=status,number"])(
    "%s: searched pages keep the sort whether the page walks the sort index or sorts the matches",
    async (qs) => {
      const s = state(qs);
      const spec = s.sort.length > 0 ? s.sort : [{ field: "createdAt", desc: true }];
      const expected = sortOracle(os.filter(searchOracle(s.q)), spec as { field: string; desc: boolean }[]);
      expect((await allIds(cl, s))).toEqual(expected);
    },
  );

  it("default ordering is the admin's (-createdAt, then -id)", async () => {
    expect((await cl.fetchPage(EMPTY_STATE)).rows.map((r) => r.pk)).toEqual(sortOracle(os, [{ field: "createdAt", desc: true }]).slice(0, 50));
    // orders 30..39 share one timestamp: the PK decides
    const shared = (await allIds(cl, EMPTY_STATE)).filter((id) => id >= 30 && id < 40);
    expect(shared).toEqual([39, 38, 37, 36, 35, 34, 33, 32, 31, 30]);
  });

  it("o= is Django's index form (0-based listDisplay indexes, - for descending)", async () => {
    expect(state("o=1.-4").sort).toEqual([
      { field: "customer", desc: false },
      { field: "totalCents", desc: true },
    ]);
    expect(state("o=6").sort).toEqual([{ field: "euros", desc: false }]);
  });

  it("toggleSort and headers: a click makes a column primary, a second click flips it", async () => {
    const s1 = cl.toggleSort(EMPTY_STATE, "customer");
    expect(s1.sort).toEqual([
      { field: "customer", desc: false },
      { field: "createdAt", desc: true },
    ]);
    const s2 = cl.toggleSort(s1, "customer");
    expect(s2.sort[0]).toEqual({ field: "customer", desc: true });
    const h = cl.headers(s2);
    expect(h.map((x) => [x.name, x.sortable, x.sorted, x.sortPriority])).toEqual([
      ["number", true, undefined, undefined],
      ["customer", true, "desc", 1],
      ["customer.email", true, undefined, undefined],
      ["status", true, undefined, undefined],
      ["totalCents", true, undefined, undefined],
      ["createdAt", true, "desc", 2],
      ["euros", true, undefined, undefined],
      ["vip", false, undefined, undefined],
    ]);
    expect(h[0].link).toBe(true);
    expect(h[1].toggleQuery).toBe("sort=customer%2C-createdAt");
    expect(() => cl.toggleSort(EMPTY_STATE, "vip")).toThrow(ChangeListParamError);
  });
});

describe("filters", () => {
  const ids = async (qs: string) => sorted((await allIds(cl, state(qs))));
  const where = (f: (o: O) => boolean) => os.filter(f).map((o) => o.id);

  it("choices (text enum), boolean, foreign key, isnull", async () => {
    expect((await ids("status__exact=paid"))).toEqual(where((o) => o.status === "paid"));
    expect((await ids("isGift__exact=1"))).toEqual(where((o) => o.isGift));
    expect((await ids("isGift__exact=0"))).toEqual(where((o) => !o.isGift));
    expect((await ids("customerId__exact=5"))).toEqual(where((o) => o.customerId === 5));
    expect((await ids("customerId__isnull=1"))).toEqual(where((o) => o.customerId === null));
    expect((await ids("customerId__isnull=0"))).toEqual(where((o) => o.customerId !== null));
    expect((await ids("customerId__exact=99999"))).toEqual([DANGLING_ORDER]);
  });

  it("date ranges as Django's DateFieldListFilter, boundaries included/excluded", async () => {
    const inRange = (from: number, to: number) => where((o) => o.createdAt >= from && o.createdAt < to);
    expect((await ids("createdAt__range=today"))).toEqual(inRange(TODAY, TOMORROW));
    expect((await ids("createdAt__range=past_7_days"))).toEqual(inRange(WEEK_AGO, TOMORROW));
    expect((await ids("createdAt__range=this_month"))).toEqual(inRange(MONTH, NEXT_MONTH));
    expect((await ids("createdAt__range=this_year"))).toEqual(inRange(YEAR, NEXT_YEAR));
    const today = (await ids("createdAt__range=today"));
    expect(today).toEqual(expect.arrayContaining([11, 13]));
    expect(today).not.toContain(12);
    expect(today).not.toContain(14);
    const week = (await ids("createdAt__range=past_7_days"));
    expect(week).toContain(15);
    expect(week).not.toContain(16);
    const year = (await ids("createdAt__range=this_year"));
    expect(year).toEqual(expect.arrayContaining([19, 22, 14, 23]));
    expect(year).not.toContain(20);
    expect(year).not.toContain(21);
  });

  it("filters combine with each other and with search (AND)", async () => {
    const q = "smith";
    const match = searchOracle(q);
    expect((await ids(`q=${q}&status__exact=shipped&isGift__exact=0&createdAt__range=this_year`))).toEqual(
      where((o) => match(o) && o.status === "shipped" && !o.isGift && o.createdAt >= YEAR && o.createdAt < NEXT_YEAR),
    );
  });

  it("filterChoices: All first, values, (None) for a nullable column; queries apply the choice and reset the page", async () => {
    const s = state("status__exact=paid&p=3&sort=number");
    const views = (await cl.filterChoices(s));
    expect(views.map((v) => [v.field, v.kind, v.title])).toEqual([
      ["status", "choices", "Status"],
      ["isGift", "boolean", "Is gift"],
      ["createdAt", "dateRange", "Created at"],
      ["customerId", "foreignKey", "Customer id"],
    ]);
    const status = views[0];
    expect(status.choices.map((c) => [c.label, c.selected])).toEqual([
      ["All", false],
      ["Pending", false],
      ["Paid", true],
      ["Shipped", false],
      ["Delivered", false],
      ["Cancelled", false],
    ]);
    expect(status.choices[0].query).toBe("sort=number");
    expect(status.choices[3].query).toBe("status__exact=shipped&sort=number");
    expect(views[1].choices.map((c) => c.label)).toEqual(["All", "Yes", "No"]);
    expect(views[2].choices.map((c) => c.label)).toEqual(["All", "Today", "Past 7 days", "This month", "This year"]);
    const fk = views[3].choices;
    expect(fk[0].label).toBe("All");
    expect(fk[fk.length - 1]).toMatchObject({ label: "(None)", query: "status__exact=paid&customerId__isnull=1&sort=number" });
    // 25 related rows ordered by display column, then key
    const expected = [...cs].sort((a, b) => (a.name === b.name ? a.id - b.id : a.name < b.name ? -1 : 1)).slice(0, 25);
    expect(fk.slice(1, -1).map((c) => c.label)).toEqual(expected.map((c) => c.name));
    for (const c of fk) expect(cl.parseState(c.query)).toBeTruthy();
  });

  it("foreign-key choices: one statement, then cached; a selection outside the list is added with its label", async () => {
    const list = makeList();
    const counter = countStatements(db);
    try {
      const fkOf = async (qs: string) => (await list.filterChoices(list.parseState(qs)))[3].choices;
      (await fkOf(""));
      expect(counter.count).toBe(1);
      (await fkOf(""));
      expect(counter.count).toBe(1);
      // outside the top 25: one lookup, then cached
      let fk = (await fkOf("customerId__exact=399"));
      expect(fk.find((c) => c.selected)?.label).toBe(cs[398].name);
      expect(counter.count).toBe(2);
      fk = (await fkOf("customerId__exact=399"));
      expect(counter.count).toBe(2);
      expect((await fkOf("customerId__exact=12345")).find((c) => c.selected)?.label).toBe("12345 (missing)");
      expect(counter.count).toBe(3);
      // cold cache with an off-list selection: still one statement, list + selected
      list.invalidateChoices();
      counter.reset();
      fk = (await fkOf("customerId__exact=398"));
      expect(counter.count).toBe(1);
      expect(fk.filter((c) => c.label !== "All" && c.label !== "(None)")).toHaveLength(26);
      expect(fk.find((c) => c.selected)?.label).toBe(cs[397].name);
      (await fkOf(""));
      expect(counter.count).toBe(1);
      expect((await fkOf("")).length).toBe(25 + 2);
    } finally {
      counter.restore();
    }
  });
});

describe("pagination", () => {
  it("reports total, pages and the clamped page; past the end → the last page", async () => {
    const s = state("status__exact=paid");
    const total = os.filter((o) => o.status === "paid").length;
    const pages = Math.ceil(total / 50);
    const first = (await cl.fetchPage(s));
    expect(first).toMatchObject({ total, pages, page: 1, perPage: 50 });
    expect(first.rows).toHaveLength(50);
    const last = (await cl.fetchPage({ ...s, page: pages }));
    expect(last.rows).toHaveLength(total - 50 * (pages - 1));
    const past = (await cl.fetchPage({ ...s, page: pages + 100 }));
    expect(past.page).toBe(pages);
    expect(past.rows.map((r) => r.pk)).toEqual(last.rows.map((r) => r.pk));
  });

  it("an empty result is one empty page", async () => {
    for (const page of [1, 2, 1000]) {
      const r = (await cl.fetchPage({ ...EMPTY_STATE, q: "zzzz-nothing", page }));
      expect(r).toEqual({ rows: [], total: 0, estimated: false, capped: false, page: 1, pages: 1, perPage: 50 });
    }
  });

  it("an exact multiple of the page size has no empty trailing page", async () => {
    const r = (await cl.fetchPage({ ...EMPTY_STATE, page: 999 }));
    expect(r).toMatchObject({ total: N_ORDERS, pages: N_ORDERS / 50, page: N_ORDERS / 50 });
    expect(r.rows).toHaveLength(50);
  });
});

describe("refused parameters", () => {
  it.each([
    ["sort=nope", "sort", /"nope" is not sortable/],
    ["sort=vip", "sort", /not sortable/],
    ["sort=number,-number", "sort", /given twice/],
    ["sort=number;drop table orders", "sort", /not sortable/],
    ["o=99", "o", /not a column index/],
    ["o=7", "o", /"vip"\) is not sortable/],
    ["o=1.x", "o", /not a column index/],
    ["o=1&sort=number", "sort", /either/],
    ["status__exact=bogus", "status__exact", /expected one of pending, paid/],
    ["status__exact=", "status__exact", /expected one of/],
    ["status__isnull=1", "status__isnull", /never empty/],
    ["status__range=today", "status__range", /not a date filter/],
    ["isGift__exact=true", "isGift__exact", /expected one of 1, 0/],
    ["customerId__exact=abc", "customerId__exact", /integer id/],
    ["customerId__exact=1.5", "customerId__exact", /integer id/],
    ["customerId__exact=99999999999999999999", "customerId__exact", /integer id/],
    ["customerId__isnull=yes", "customerId__isnull", /1 or 0/],
    ["createdAt__range=yesterday", "createdAt__range", /today, past_7_days, this_month, this_year/],
    ["createdAt__exact=2025-01-01", "createdAt__exact", /use createdAt__range/],
    ["note__exact=x", "note__exact", /unknown parameter/],
    ["totalCents__gte=5", "totalCents__gte", /unknown parameter/],
    ["customer__name__exact=x", "customer__name__exact", /unknown parameter/],
    ["utm_source=x", "utm_source", /unknown parameter/],
    ["p=0", "p", /page number/],
    ["p=-1", "p", /page number/],
    ["p=abc", "p", /page number/],
    ["p=1&p=2", "p", /more than once/],
    ["status__exact=paid&status__exact=shipped", "status__exact", /more than once/],
    ["customerId__exact=1&customerId__isnull=1", "customerId__isnull", /more than one filter/],
  ])("%s → ChangeListParamError", (qs, param, message) => {
    let error: unknown;
    try {
      cl.parseState(qs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChangeListParamError);
    expect((error as ChangeListParamError).param).toBe(param);
    expect((error as Error).message).toMatch(message);
  });

  it("ignores parameters the caller names", async () => {
    expect(cl.parseState("utm_source=x&status__exact=paid", { ignore: ["utm_source"] }).filters).toEqual({
      status: { lookup: "exact", value: "paid" },
    });
  });

  it("refuses hand-built states with unknown names too", async () => {
    await expect(cl.fetchPage({ ...EMPTY_STATE, sort: [{ field: "note", desc: false }] })).rejects.toThrow(ChangeListParamError);
    await expect(cl.fetchPage({ ...EMPTY_STATE, filters: { note: { lookup: "exact", value: "x" } } })).rejects.toThrow(ChangeListParamError);
    expect(() => cl.withFilter(EMPTY_STATE, "status", { lookup: "exact", value: "bogus" })).toThrow(ChangeListParamError);
    await expect(cl.fetchPage({ ...EMPTY_STATE, filters: { customerId: { lookup: "exact", value: "abc" } } })).rejects.toThrow(/integer id/);
    expect(() => cl.selectionFilter({ ...EMPTY_STATE, filters: { status: { lookup: "range", value: "today" } } })).toThrow(ChangeListParamError);
  });
});

describe("statement count", () => {
  const STATES = [
    "",
    "p=37",
    "sort=customer",
    "sort=-customer.email&p=20",
    "status__exact=paid",
    "createdAt__range=this_year&isGift__exact=1",
    "customerId__exact=7",
    "q=smith",
    "q=ann+smith&status__exact=paid&sort=customer",
    "p=9999",
  ];

  it("is constant: 2 per page (count + rows), the same for 5 rows as for 50 with related columns", async () => {
    const small = makeList({ listPerPage: 5 });
    const big = makeList({ listPerPage: 50 });
    const counter = countStatements(db);
    try {
      for (const qs of STATES) {
        for (const list of [small, big]) {
          counter.reset();
          list.resetStatementCount();
          const page = (await list.fetchPage(list.parseState(qs)));
          expect(page.rows.length).toBeGreaterThan(0);
          expect(page.rows.length).toBeLessThanOrEqual(list.config.listPerPage);
          expect(counter.count, `${qs} (${list.config.listPerPage} per page)`).toBe(2);
          expect(list.statementCount).toBe(2);
          // the count never joins; the rows statement has its joins
          // a searched or filtered count is bounded (countLimit): count(*) over a limited subquery
          expect(counter.statements[0]).toMatch(/select \(select count\(\*\) from \(select 1 from "orders" .*limit \d+\) as "weft_c"\) as "n"|^select count\(\*\) from \(select 1 as "one" from "orders" .*limit \?\) "weft_c"|^select count\(\*\) from "orders"/);
          expect(counter.statements[0]).not.toMatch(/join/);
          expect(counter.statements[1]).toMatch(/left join "customers" "customer_rel"/);
          // a related search field reads the related table once per page: in the count
          // statement's materialized CTE; the rows statement gets the keys as one parameter
          if (qs.includes("q=")) {
            expect(counter.statements[0]).toMatch(/^with "weft_m0"\("k"\) as materialized \(select "id" from "customers" where/);
            expect(counter.statements[1]).not.toMatch(/from "customers" where/);
            expect(counter.statements[1]).toMatch(/in \(select value from json_each\(\?\)\)/);
          }
        }
      }
      // related values are really there, from the join
      const row = (await big.fetchPage(big.parseState("customerId__exact=7"))).rows[0];
      expect(row.values.customer).toBe(cs[6].name);
      counter.reset();
      expect((await big.fetchPage(big.parseState("q=zzzz-nothing"))).total).toBe(0);
      expect(counter.count).toBe(1);
      counter.reset();
      expect((await big.fetchByIds(Array.from({ length: 500 }, (_, i) => i + 1)))).toHaveLength(500);
      expect(counter.count).toBe(1);
    } finally {
      counter.restore();
    }
  });

  it("pages in the second half are found from the end (reversed inner order, small offset)", async () => {
    const seen: [string, readonly unknown[]][] = [];
    const list = new ChangeListQuery(db, orders, OPTIONS, { now: () => NOW, onStatement: (s, p) => seen.push([s, p]) });
    const last = (await list.fetchPage({ ...EMPTY_STATE, page: 80 }));
    expect(last.rows.map((r) => r.pk)).toEqual(sortOracle(os, [{ field: "createdAt", desc: true }]).slice(-50));
    const [sqlText, params] = seen[1];
    // drizzle leaves out "offset 0"
    expect(sqlText).toMatch(/order by "orders"\."created_at" asc, "orders"\."id" asc limit \?\) order by "orders"\."created_at" desc/);
    expect(params).toEqual([50]);
  });

  it("onStatement sees each statement with its bound parameters", async () => {
    const seen: [string, readonly unknown[]][] = [];
    const list = new ChangeListQuery(db, orders, OPTIONS, { now: () => NOW, onStatement: (s, p) => seen.push([s, p]) });
    (await list.fetchPage(list.parseState(`q=${encodeURIComponent("100% pure")}`)));
    expect(seen).toHaveLength(2);
    expect(seen[0][1]).toEqual(expect.arrayContaining(["%100\\%%", "%pure%"]));
    seen.length = 0;
    // nothing matches: the count alone; the text is a bound parameter, never SQL
    (await list.fetchPage(list.parseState(`q=${encodeURIComponent(`"'; DROP TABLE x"`)}`)));
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).not.toContain("DROP");
    expect(seen[0][1]).toEqual(expect.arrayContaining(["%'; DROP TABLE x%"]));
  });
});

describe("URL state round trip", () => {
  it.each([
    "",
    "q=ann+smith",
    "q=%22new+york%22+deli",
    "sort=-customer,totalCents",
    "o=1.-4",
    "status__exact=paid&isGift__exact=0&createdAt__range=past_7_days&customerId__exact=12",
    "customerId__isnull=1&p=3",
    "p=1",
    "customerId__exact=007",
  ])("toSearchParams(parseState(%j)) parses back to the same state", (qs) => {
    const s = cl.parseState(qs);
    const back = cl.toSearchParams(s);
    expect(cl.parseState(back)).toEqual(s);
    expect(cl.toSearchParams(cl.parseState(back)).toString()).toBe(back.toString());
  });

  it("writes canonical, minimal URLs", async () => {
    expect(cl.toSearchParams(EMPTY_STATE).toString()).toBe("");
    expect(cl.toSearchParams(state("p=2&o=1.-4&customerId__exact=007&status__exact=paid")).toString()).toBe(
      "status__exact=paid&customerId__exact=7&sort=customer%2C-totalCents&p=2",
    );
    expect(cl.parseState("?q=x").q).toBe("x");
  });

  it("holds for any valid state (property)", async () => {
    const filter = fc.record(
      {
        status: fc.constantFrom(...STATUSES).map((value): FilterSelection => ({ lookup: "exact", value })),
        isGift: fc.constantFrom("0", "1").map((value): FilterSelection => ({ lookup: "exact", value })),
        createdAt: fc
          .constantFrom("today", "past_7_days", "this_month", "this_year" as const)
          .map((value): FilterSelection => ({ lookup: "range", value })),
        customerId: fc.oneof(
          fc.integer({ min: -5, max: 10_000_000 }).map((n): FilterSelection => ({ lookup: "exact", value: String(n) })),
          fc.boolean().map((value): FilterSelection => ({ lookup: "isnull", value })),
        ),
      },
      { requiredKeys: [] },
    );
    const sortable = [...cl.config.sortable.keys()];
    const arb = fc.record({
      q: fc.string({ maxLength: 40, unit: "grapheme" }).map((q) => (q.trim() === "" ? "" : q)),
      sort: fc.uniqueArray(fc.constantFrom(...sortable), { maxLength: 4 }).chain((fields) =>
        fc.tuple(...fields.map((f) => fc.boolean().map((d) => ({ field: f, desc: d })))),
      ),
      filters: filter,
      page: fc.integer({ min: 1, max: 100_000 }),
    });
    fc.assert(
      fc.property(arb, (raw) => {
        const s = { ...raw, filters: cl.parseState(cl.toSearchParams({ ...EMPTY_STATE, filters: raw.filters })).filters } as ChangeListState;
        expect(cl.parseState(cl.toSearchParams(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });
});

describe("rows, selection, fetchByIds", () => {
  it("rows carry pk, listDisplay values (related, computed), and the record", async () => {
    const [row] = (await cl.fetchPage(state("customerId__exact=1"))).rows;
    const o = os.find((x) => x.customerId === 1)!;
    expect(row.pk).toBe(o.id);
    expect(row.values).toEqual({
      number: o.number,
      customer: "100% Pure",
      "customer.email": "pure@example.com",
      status: o.status,
      totalCents: o.totalCents,
      createdAt: new Date(o.createdAt),
      euros: o.totalCents / 100,
      vip: "★",
    });
    expect(row.record).toMatchObject({ id: o.id, isGift: o.isGift, note: o.note, "customer.isVip": true });
    // no customer / a dangling customer: related values are null, the row stays
    const orphan = (await cl.fetchPage(state("customerId__exact=99999"))).rows[0];
    expect(orphan.values).toMatchObject({ customer: null, "customer.email": null, vip: "" });
  });

  it("selectionFilter is the WHERE of 'select all N matching', usable in other statements", async () => {
    expect(cl.selectionFilter(EMPTY_STATE)).toBeUndefined();
    const s = state("q=smith&status__exact=paid");
    const total = (await cl.fetchPage(s)).total;
    expect(total).toBeGreaterThan(0);
    const [{ n }] = db.select({ n: count() }).from(orders).where(cl.selectionFilter(s)).all();
    expect(n).toBe(total);
    sqlite.exec("savepoint sel");
    try {
      const res = db.update(orders).set({ note: "touched" }).where(cl.selectionFilter(s)).run();
      expect(res.changes).toBe(total);
    } finally {
      sqlite.exec("rollback to sel; release sel");
    }
  });

  it("fetchByIds returns those rows in the default order, in one statement", async () => {
    const rows = (await cl.fetchByIds([3, "17", 99_999, 11]));
    expect(rows.map((r) => r.pk)).toEqual(sortOracle(os.filter((o) => [3, 17, 11].includes(o.id)), [{ field: "createdAt", desc: true }]));
    expect(rows.find((r) => r.pk === 3)?.values.customer).toBe("under_score");
    expect((await cl.fetchByIds([]))).toEqual([]);
    await expect(cl.fetchByIds(["1; drop table orders"])).rejects.toThrow(ChangeListParamError);
    await expect(cl.fetchByIds([1.5])).rejects.toThrow(ChangeListParamError);
    await expect(cl.fetchByIds([{}])).rejects.toThrow(ChangeListParamError);
  });

  it("scopes every count, page and selection to state.scope (getQueryset), which never reaches the URL", async () => {
    const scope = lt(orders.id, 101);
    const s = { ...state("status__exact=paid"), scope };
    const page = (await cl.fetchPage(s));
    expect(page.total).toBe(os.filter((o) => o.id < 101 && o.status === "paid").length);
    expect(page.rows.every((r) => (r.pk as number) < 101)).toBe(true);
    const [{ n }] = db.select({ n: count() }).from(orders).where(cl.selectionFilter(s)).all();
    expect(n).toBe(page.total);
    expect(cl.toSearchParams(s).toString()).toBe("status__exact=paid");
  });
});
