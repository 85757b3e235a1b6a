// The admin's behaviour on both engines, from one suite: the change list (search, filters,
// sort, related sort and search, paging, "all matching", statement counts), the change form's
// writes with their audit entries, users / groups / permissions / sessions / tokens, and a
// ModelAdmin over the engine's own table end to end over HTTP and the socket — on SQLite
// (better-sqlite3) and on PostgreSQL (node-postgres, a database of its own per engine run).
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { AdminSite, type AdminUser } from "../src/index.js";
import { objectHistory } from "../src/audit/index.js";
import { deleteObject, describeDbError, formSpec, insertObject, updateObject } from "../src/changeform/index.js";
import { deleteRows, isForeignKeyError } from "../src/changelist/actions.js";
import { jobSelection } from "../src/jobs/index.js";
import { qb } from "../src/query/dialect/index.js";
import { ChangeListQuery, EMPTY_STATE } from "../src/query/index.js";
import { getPage } from "../../server/test/helpers.js";
import { useAdminServer } from "./support.js";
import { CUSTOMERS, ENGINES, N_ORDERS, NOW, openShop, orderOf, type Shop } from "./support/engines.js";

const ORDERS = Array.from({ length: N_ORDERS }, (_, i) => orderOf(i + 1));
const customerOf = (id: number) => CUSTOMERS[id - 1]!;

describe.each(ENGINES)("the admin on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let list: ChangeListQuery<any, any>;
  const seen: string[] = [];
  const server = useAdminServer(() => shop?.close());

  beforeAll(async () => {
    shop = await openShop(engine);
    site = new AdminSite({ db: shop.db });
    const options = {
      app: "shop",
      name: "order",
      listDisplay: ["number", "customer", "status", "totalCents", "isGift", "createdAt"],
      listFilter: ["status", "customerId", "isGift", "createdAt"],
      searchFields: ["number", "customer.name", "^customer.email"],
      relations: { customer: { table: shop.customers, column: shop.orders.customerId, display: shop.customers.name } },
      ordering: ["-createdAt"],
      listPerPage: 7,
    };
    site.register(shop.orders, options as never);
    site.register(shop.customers, { app: "shop", name: "customer", listDisplay: ["name", "email"], searchFields: ["name"] } as never);
    list = new ChangeListQuery(shop.db, shop.orders, options as never, { now: () => NOW, timeZone: "UTC", onStatement: (s) => seen.push(s) });
  }, 60_000);

  const ids = async (qs: string) => {
    const out: number[] = [];
    for (let page = 1; ; page++) {
      const r = await list.fetchPage({ ...list.parseState(qs), page });
      out.push(...r.rows.map((row) => Number(row.pk)));
      if (page >= r.pages) return out;
    }
  };
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
  const where = (f: (o: (typeof ORDERS)[number]) => boolean) => ORDERS.filter(f).map((o) => o.id);

  describe("change list", () => {
    it("searches own and related fields, case-insensitively, every word", async () => {
      const smiths = where((o) => /smith/i.test(customerOf(o.customerId)));
      expect(sorted(await ids("q=smith"))).toEqual(smiths);
      expect(sorted(await ids("q=SMITH"))).toEqual(smiths);
      expect(await ids("q=ord-0007")).toEqual([7]);
      // ^ is starts-with: "ann@…" starts with "ann", "example" starts nothing
      expect(sorted(await ids("q=ann"))).toEqual(where((o) => o.customerId === 1));
      expect(await ids("q=example")).toEqual([]);
      expect(sorted(await ids("q=smith 0001"))).toEqual([1]);
      expect(await ids(`q=${encodeURIComponent("100%")}`)).toEqual([]);
    });

    it("filters: choices, foreign key, boolean, date range; combined with search", async () => {
      expect(sorted(await ids("status__exact=paid"))).toEqual(where((o) => o.status === "paid"));
      expect(sorted(await ids("customerId__exact=2"))).toEqual(where((o) => o.customerId === 2));
      expect(sorted(await ids("isGift__exact=1"))).toEqual(where((o) => o.isGift));
      expect(sorted(await ids("isGift__exact=0"))).toEqual(where((o) => !o.isGift));
      expect(sorted(await ids("createdAt__range=today"))).toEqual([1, 2, 3]);
      expect(sorted(await ids("createdAt__range=past_7_days"))).toEqual(where((o) => NOW.getTime() - o.createdAt.getTime() < 8 * 86_400_000));
      expect(sorted(await ids("q=smith&status__exact=shipped"))).toEqual(where((o) => /smith/i.test(customerOf(o.customerId)) && o.status === "shipped"));
      const choices = await list.filterChoices(list.parseState("customerId__exact=3"));
      expect(choices[1]!.choices.map((c) => c.label)).toEqual(["All", ...[...CUSTOMERS].sort()]);
      expect(choices[1]!.choices.find((c) => c.selected)?.label).toBe("Cleo SMITHERS");
    });

    it("sorts by own and related columns with the key as tiebreak, and pages without gaps", async () => {
      const byTotal = [...ORDERS].sort((a, b) => b.totalCents - a.totalCents || b.id - a.id).map((o) => o.id);
      expect(await ids("sort=-totalCents")).toEqual(byTotal);
      const byCustomer = [...ORDERS].sort((a, b) => customerOf(a.customerId).localeCompare(customerOf(b.customerId), "en", { sensitivity: "variant" }) || a.id - b.id);
      // SQLite sorts text by bytes, PostgreSQL by its collation: compare within each customer only
      const got = await ids("sort=customer");
      expect(sorted(got)).toEqual(sorted(byCustomer.map((o) => o.id)));
      for (const c of [1, 2, 3, 4, 5]) expect(got.filter((id) => orderOf(id).customerId === c)).toEqual(where((o) => o.customerId === c));
      const page = await list.fetchPage({ ...EMPTY_STATE, page: 3 });
      expect([page.total, page.pages, page.page, page.rows.length]).toEqual([N_ORDERS, 5, 3, 7]);
      expect(page.rows[0]!.values.customer).toBe(customerOf(orderOf(Number(page.rows[0]!.pk)).customerId));
    });

    it("runs 2 statements per page, also with a related search (keys passed as one parameter)", async () => {
      for (const qs of ["", "q=smith", "q=smith&sort=customer&p=2", "status__exact=paid&p=9", "q=jones&customerId__exact=2"]) {
        list.resetStatementCount();
        await list.fetchPage(list.parseState(qs));
        expect(list.statementCount, qs).toBe(2);
      }
      list.resetStatementCount();
      await list.fetchPage(list.parseState("q=nothing-matches-this"));
      expect(list.statementCount).toBe(1);
    });

    it("selects all matching: the WHERE works in other statements; fetchByIds in one statement", async () => {
      const s = list.parseState("q=smith&status__exact=paid");
      const total = (await list.fetchPage(s)).total;
      const rows = await qb(shop.db).select({ id: shop.orders.id }).from(shop.orders).where(list.selectionFilter(s));
      expect(rows).toHaveLength(total);
      list.resetStatementCount();
      expect((await list.fetchByIds([5, 1, 999, 3])).map((r) => Number(r.pk))).toEqual([1, 3, 5]); // the admin's ordering: newest first
      expect(list.statementCount).toBe(1);
    });
  });

  describe("selections and bulk deletes", () => {
    const root = { id: 0, username: "system", isStaff: true, isSuperuser: true, permissions: [] };

    it("a job's pinned selection: picked keys or the re-derived filter, read fresh, in batches", async () => {
      const admin = site.get("shop", "order")!;
      const picked = jobSelection<{ id: number }>(site, admin, root, { kind: "ids", ids: [9, 3, 6, 999] }, 4);
      expect(await picked.ids()).toEqual([3, 6, 9]);
      expect(await picked.count()).toBe(3);
      const batches: number[][] = [];
      for await (const b of picked.batches(2)) batches.push(b.map((r) => r.id));
      expect(batches).toEqual([[3, 6], [9]]);
      const byFilter = jobSelection(site, admin, root, { kind: "filter", query: "q=smith&status__exact=shipped" }, 0);
      expect(await byFilter.ids()).toEqual(where((o) => /smith/i.test(customerOf(o.customerId)) && o.status === "shipped"));
    });

    it("deletes all matching rows with an audit entry each, in one transaction", async () => {
      const admin = site.get("shop", "order")!;
      const spec = formSpec(site, admin);
      const ctx = { db: site.db, spec, userId: null };
      const made = [];
      for (const n of ["BULK-1", "BULK-2", "BULK-3"]) made.push((await insertObject(ctx, { number: n, customerId: 5, status: "pending", totalCents: 1, isGift: false, createdAt: NOW, note: null })).id);
      const s = list.parseState("q=bulk-");
      const who = await site.users.createUser({ username: "bulk", password: null, isStaff: true });
      const deleted = await deleteRows(site, admin, list.selectionFilter(s), who.id);
      expect(sorted(deleted.map(Number))).toEqual(sorted(made.map(Number)));
      expect((await list.fetchPage(s)).total).toBe(0);
      for (const id of made) expect((await objectHistory(site.db, "shop.order", String(id))).map((e) => [e.action, e.username])).toEqual([["delete", "bulk"], ["add", null]]);
    });
  });

  describe("change form writes", () => {
    it("adds, changes and deletes a row, each with its audit entry in the same transaction", async () => {
      const admin = site.get("shop", "order")!;
      const spec = formSpec(site, admin);
      const ctx = { db: site.db, spec, userId: null };
      const added = await insertObject(ctx, { number: "ORD-NEW", customerId: 2, status: "pending", totalCents: 4200, isGift: false, createdAt: NOW, note: null });
      expect(added.row).toMatchObject({ number: "ORD-NEW", totalCents: 4200, isGift: false, createdAt: NOW });
      const changed = await updateObject(ctx, added.id, { totalCents: 4300, isGift: true });
      expect(changed!.changes).toEqual({ totalCents: [4200, 4300], isGift: [false, true] });
      expect(await updateObject(ctx, 987654, { totalCents: 1 })).toBeUndefined();
      const gone = await deleteObject(ctx, added.id);
      expect(gone!.repr).toBe("ORD-NEW");
      // (SQLite may reuse the id of a row deleted earlier: only this object's entries)
      const history = (await objectHistory(site.db, "shop.order", String(added.id))).filter((e) => e.objectRepr === "ORD-NEW");
      expect(history.map((e) => e.action)).toEqual(["delete", "change", "add"]);
      expect(history[1]!.changes).toEqual({ totalCents: [4200, 4300], isGift: [false, true] });
      expect(await qb(shop.db).select().from(shop.orders).where(eq(shop.orders.id, Number(added.id)))).toEqual([]);
    });

    it("a refused write (unique, not null, foreign key) is explained on the form and leaves nothing", async () => {
      const spec = formSpec(site, site.get("shop", "order")!);
      const ctx = { db: site.db, spec, userId: null };
      const base = { customerId: 2, status: "pending", totalCents: 1, isGift: false, createdAt: NOW, note: null };
      const dup = await insertObject(ctx, { ...base, number: "ORD-0001" }).catch((e: unknown) => e);
      expect(describeDbError(dup, spec, "save")).toMatchObject({ fieldErrors: { number: ["Order with this Number already exists."] } });
      const noNumber = await insertObject(ctx, { ...base, number: null }).catch((e: unknown) => e);
      expect(describeDbError(noNumber, spec, "save")?.message).toMatch(/Number is required/);
      const noCustomer = await insertObject(ctx, { ...base, number: "ORD-X", customerId: 999 }).catch((e: unknown) => e);
      expect(describeDbError(noCustomer, spec, "save")?.message).toMatch(/related object does not exist/);
      expect(await qb(shop.db).select().from(shop.orders)).toHaveLength(N_ORDERS);
    });

    it("a refused delete (foreign key) leaves neither the row nor an audit entry", async () => {
      const spec = formSpec(site, site.get("shop", "customer")!);
      const before = (await objectHistory(site.db, "shop.customer", "1")).length;
      const err = await deleteObject({ db: site.db, spec, userId: null }, 1).catch((e: unknown) => e);
      expect(isForeignKeyError(err)).toBe(true);
      expect(await qb(shop.db).select().from(shop.customers).where(eq(shop.customers.id, 1))).toHaveLength(1);
      expect(await objectHistory(site.db, "shop.customer", "1")).toHaveLength(before);
    });
  });

  describe("users, groups, permissions, tokens", () => {
    it("creates, authenticates, groups and grants", async () => {
      const u = await site.users.createUser({ username: "mia", password: "mia-pass-1234", isStaff: true });
      await expect(site.users.createUser({ username: "mia", password: "x-pass-1234" })).rejects.toThrow(/taken/);
      expect((await site.users.authenticate("mia", "mia-pass-1234"))?.id).toBe(u.id);
      expect(await site.users.authenticate("mia", "wrong")).toBeNull();
      const g = await site.users.createGroup("clerks");
      await site.users.addToGroup(u, g);
      await site.users.grant(g, "shop.view_order");
      await site.users.grant(u, "shop.change_order");
      expect([...(await site.users.permissions(u.id))].sort()).toEqual(["shop.change_order", "shop.view_order"]);
      expect(await site.users.hasPerm(u.id, "shop.view_order")).toBe(true);
      expect(await site.users.hasPerm(u.id, "shop.delete_order")).toBe(false);
      expect((await site.users.update(u.id, { isActive: false })).isActive).toBe(false);
      expect(await site.users.hasPerm(u.id, "shop.view_order")).toBe(false);
      expect(await site.users.deleteUser(u.id)).toBe(true);
      expect(await site.users.getUser(u.id)).toBeNull();
    });

    it("API tokens: created, verified, listed, revoked", async () => {
      const u = await site.users.createUser({ username: "bot", password: null, isStaff: true });
      const token = await site.tokens.createToken(u.id, "ci");
      expect((await site.tokens.verifyBearer(`Bearer ${token}`))?.username).toBe("bot");
      const [info] = await site.tokens.listTokens(u.id);
      expect(info).toMatchObject({ name: "ci", userId: u.id });
      expect(info!.lastUsedAt).toBeInstanceOf(Date);
      expect(await site.tokens.revokeToken(info!.id)).toBe(true);
      expect(await site.tokens.verifyBearer(`Bearer ${token}`)).toBeNull();
    });
  });

  describe("a ModelAdmin over the engine's table, end to end", () => {
    let admin: AdminUser;

    beforeAll(async () => {
      admin = await site.users.createUser({ username: "root", password: "root-pass", isStaff: true, isSuperuser: true });
      await server.start(site);
    }, 60_000);

    it("logs in (a session in the engine), lists, searches and filters", async () => {
      const jar = await server.login("root");
      const { res, html } = await getPage(server.base, "/admin/shop/order/?q=smith&status__exact=shipped", jar.header);
      expect(res.status).toBe(200);
      const expected = where((o) => /smith/i.test(customerOf(o.customerId)) && o.status === "shipped");
      for (const id of expected) expect(html).toContain(orderOf(id).number);
      expect(html).not.toContain(orderOf(where((o) => o.status === "pending")[0]!).number);
      expect(admin.isSuperuser).toBe(true);
    });

    it("saves the change form over the socket, with its audit entry", async () => {
      const { c } = await server.live("root", "/admin/shop/order/4/change/");
      const o = orderOf(4);
      const reply = await c.reply(
        c.event(1, "save", {
          number: o.number,
          customerId: "3",
          status: "paid",
          totalCents: "7700",
          isGift: "on",
          createdAt: o.createdAt.toISOString().slice(0, 19),
          note: "saved on " + engine,
          _continue: "1",
        }),
      );
      const [row] = await qb(shop.db).select().from(shop.orders).where(eq(shop.orders.id, 4));
      expect(row, JSON.stringify(reply).slice(0, 2000)).toMatchObject({ customerId: 3, status: "paid", note: `saved on ${engine}` });
      const [entry] = await objectHistory(site.db, "shop.order", "4");
      expect(entry).toMatchObject({ action: "change", username: "root" });
      expect(entry!.changes.note).toEqual([null, `saved on ${engine}`]);
    });
  });
});
