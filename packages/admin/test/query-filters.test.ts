/**
 * The change-list data layer's filters, pagination and refused parameters, on a real SQLite
 * file and a real PostgreSQL database (fixture and oracle: support/query-shop.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ChangeListParamError, countStatements, EMPTY_STATE } from "../src/query/index.js";
import { ENGINES } from "./support/engines.js";
import { allIds, cs, DANGLING_ORDER, MONTH, N_ORDERS, NEXT_MONTH, NEXT_YEAR, useQueryShop, os, searchOracle, sorted, TODAY, TOMORROW, WEEK_AGO, YEAR, type List, type O, type QueryShop } from "./support/query-shop.js";

describe.each(ENGINES)("%s", (engine) => {
  const suite = useQueryShop(engine);
  const { state } = suite;
  let shop: QueryShop, cl: List;
  beforeAll(() => void ({ shop, cl } = suite));

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

    it("a foreign-key id past the column's integer type is no row, not an engine error", async () => {
      expect(await ids("customerId__exact=9999999999")).toEqual([]);
      expect(await ids("customerId__exact=-9007199254740991")).toEqual([]);
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
      const list = shop.makeList();
      const counter = countStatements(shop.db);
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
});
