/**
 * The change-list data layer's search and sort, on a real SQLite file and a real PostgreSQL
 * database: Django search_fields semantics, LIKE metacharacters, own and related sorts, paging
 * through every row. Expected results come from a plain JavaScript oracle over the same rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ChangeListParamError, EMPTY_STATE } from "../src/query/index.js";
import { ENGINES } from "./support/engines.js";
import { allIds, countOrders, N_ORDERS, useQueryShop, os, searchOracle, sorted, sortOracle, type List, type QueryShop } from "./support/query-shop.js";

describe.each(ENGINES)("%s", (engine) => {
  const suite = useQueryShop(engine);
  const { state } = suite;
  let shop: QueryShop, cl: List;
  beforeAll(() => void ({ shop, cl } = suite));

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
      expect(await countOrders(shop)).toBe(N_ORDERS);
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
      const prefixed = shop.makeList({ searchFields: ["^customer.email", "=number", "=id"] });
      const q = async (text: string) => sorted((await allIds(prefixed, { ...EMPTY_STATE, q: text })));
      expect((await q("pure"))).toEqual(os.filter((o) => o.customerId === 1).map((o) => o.id));
      expect((await q("example.com"))).toEqual([]); // contained, but not a prefix
      expect((await q("ord-000123"))).toEqual([123]);
      expect((await q("ORD-00012"))).toEqual([]); // not exact
      expect((await q("2222"))).toEqual([2222]);
      expect((await q("22.5"))).toEqual([]);
      expect((await q("abc"))).toEqual([]);
      expect(await q("9999999999")).toEqual([]); // past the integer column: no row on either engine
    });

    it("refuses search on a list without searchFields, and overlong searches", async () => {
      const plain = shop.makeList({ searchFields: [] });
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
      expect(got).toEqual(sortOracle(engine, os, s.sort as { field: string; desc: boolean }[]));
    });

    it.each(["q=smith", "q=smith&sort=customer", "q=100%25", "q=o&sort=-totalCents", "q=note&sort=status,number"])(
      "%s: searched pages keep the sort whether the page walks the sort index or sorts the matches",
      async (qs) => {
        const s = state(qs);
        const spec = s.sort.length > 0 ? s.sort : [{ field: "createdAt", desc: true }];
        const expected = sortOracle(engine, os.filter(searchOracle(s.q)), spec as { field: string; desc: boolean }[]);
        expect((await allIds(cl, s))).toEqual(expected);
      },
    );

    it("default ordering is the admin's (-createdAt, then -id)", async () => {
      expect((await cl.fetchPage(EMPTY_STATE)).rows.map((r) => r.pk)).toEqual(sortOracle(engine, os, [{ field: "createdAt", desc: true }]).slice(0, 50));
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
});
