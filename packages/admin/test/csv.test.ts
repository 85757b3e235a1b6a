/**
 * CSV export and import over a real server, on a SQLite file and a PostgreSQL database: the built-in export action
 * through the HTTP action endpoint (RFC 4180 quoting, the formula-injection guard, the download
 * permission), the import's dry run (every bad row reported with its line), the import job
 * (audited rows) and its cancellation mid-way.
 */
import { count, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelJob } from "@weft/server/jobs";
import { AdminSite } from "../src/index.js";
import { parseCsv, planImport, startImport } from "../src/jobs/csv/index.js";
import { adminTablesFor, type AdminTables } from "../src/auth/tables.js";
import { ENGINES } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { qb } from "../src/query/dialect/index.js";
import { waitFor } from "../../server/test/support/wait.js";
import { loginOnce, startAdmin } from "./support.js";

// One database per engine: the demo's shop on SQLite or PostgreSQL (support/demo-shop.ts).
describe.each(ENGINES)("%s", (engine) => {
  const PASSWORD = "pass-word-123";
  let shop: DemoShop;
  let orders: DemoShop["orders"];
  let products: DemoShop["products"];
  let customers: DemoShop["customers"];
  let weftAuditLog: AdminTables["weftAuditLog"];
  let site: AdminSite;
  let base = "";
  let close: () => Promise<void>;
  const ids: Record<string, number> = {};
  const login = loginOnce(() => base, { password: PASSWORD });

  async function csrfFor(username: string): Promise<string> {
    const html = await (await (await login(username)).fetch(`${base}/admin/`)).text();
    return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  }

  async function exportOrders(username: string, query: string): Promise<string> {
    const body = new URLSearchParams({ _csrf: await csrfFor(username), action: "export_csv", select_across: "1" });
    const res = await (await login(username)).fetch(`${base}/admin/shop/order/action/${query}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status, await res.clone().text()).toBe(303);
    const id = /\/admin\/jobs\/([^/]+)\//.exec(res.headers.get("location") ?? "")![1]!;
    await waitFor(async () => (await site.jobs.read(id))?.status === "done", "export done", 30_000);
    return id;
  }

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 20, products: 10, orders: 120, tickets: 3, ordersToday: 2, now: new Date(Date.UTC(2026, 10, 1, 12)) }, "admin_csv");
    ({ orders, products, customers } = shop);
    ({ weftAuditLog } = adminTablesFor(shop.db));
    // cells that need quoting, and cells a spreadsheet would run as formulas
    const notes: [number, string][] = [[1, 'He said "hi", then\nleft'], [2, "=HYPERLINK(\"http://evil\")"], [3, "@SUM(A1)"], [4, "+1"], [5, "-2"]];
    for (const [id, note] of notes) await qb(shop.db).update(orders).set({ note }).where(eq(orders.id, id));
    site = await AdminSite.create({ db: shop.db, title: "CSV test", jobs: { leaseMs: 3_600_000, maxPerOwner: 10, maxPerAction: 10 } });
    site.register(orders, {
      app: "shop",
      relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
      listDisplay: ["number", "customer", "status", "totalCents", "note"],
      listFilter: ["status"],
      ordering: ["id"],
    });
    site.register(products, { app: "shop", listDisplay: ["sku", "name", "priceCents"], exportCsv: false });
    const started = await startAdmin(site);
    base = started.base;
    close = async () => {
      await started.app.close();
      await shop.close();
    };
    for (const [username, perms, su] of [
      ["admin", [], true],
      ["viewer", ["shop.view_order"], false],
      ["other", ["shop.view_order"], false],
      ["clerk", ["shop.view_product", "shop.add_product"], false],
    ] as const) {
      const u = await site.users.createUser({ username, password: PASSWORD, isStaff: true, isSuperuser: su });
      for (const p of perms) await site.users.grant(u, p);
      ids[username] = u.id;
    }
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  describe("CSV export", () => {
    it("streams the filtered rows with RFC 4180 quoting and the formula guard; only the owner or a superuser downloads", async () => {
      const id = await exportOrders("viewer", "?status__exact=shipped");
      const jar = await login("viewer");
      const page = await (await jar.fetch(`${base}/admin/jobs/${id}/`)).text();
      expect(page).toContain(`href="/admin/jobs/${id}/download"`);
      const res = await jar.fetch(`${base}/admin/jobs/${id}/download`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="shop-order-.*\.csv"$/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM, for Excel
      const text = new TextDecoder().decode(bytes);
      const rows = parseCsv(text);
      expect(rows[0]).toEqual(["Number", "Customer", "Status", "Total cents", "Note"]);
      const paid = await qb(site.db).select({ n: count() }).from(orders).where(eq(orders.status, "shipped"));
      expect(rows.length - 1).toBe(paid[0]!.n);
      expect(rows.slice(1).every((r) => r[2] === "shipped")).toBe(true);
      // the other user gets a 404, as for a random id; an admin may download
      expect((await (await login("other")).fetch(`${base}/admin/jobs/${id}/download`)).status).toBe(404);
      expect((await (await login("admin")).fetch(`${base}/admin/jobs/${id}/download`)).status).toBe(200);
      expect((await (await login("admin")).fetch(`${base}/admin/jobs/AAAAAAAAAAAAAAAAAAAAAAAA/download`)).status).toBe(404);
    });

    it("quotes commas, quotes and newlines, and prefixes formula-like text with '", async () => {
      const id = await exportOrders("admin", "");
      const text = await (await (await login("admin")).fetch(`${base}/admin/jobs/${id}/download`)).text();
      expect(text).toContain('"He said ""hi"", then\nleft"');
      const notes = new Map(parseCsv(text).slice(1).map((r) => [r[0], r[4]]));
      const numberOf = async (pk: number) => (await qb(site.db).select({ n: orders.number }).from(orders).where(eq(orders.id, pk)))[0]!.n;
      expect(notes.get(await numberOf(1))).toBe('He said "hi", then\nleft');
      expect(notes.get(await numberOf(2))).toBe("'=HYPERLINK(\"http://evil\")");
      expect(notes.get(await numberOf(3))).toBe("'@SUM(A1)");
      expect(notes.get(await numberOf(4))).toBe("'+1");
      expect(notes.get(await numberOf(5))).toBe("'-2");
      expect(parseCsv(text).length - 1).toBe((await qb(site.db).select({ n: count() }).from(orders))[0]!.n);
    });

    it("is offered on every ModelAdmin unless exportCsv: false", async () => {
      const body = new URLSearchParams({ _csrf: await csrfFor("admin"), action: "export_csv", select_across: "1" });
      const res = await (await login("admin")).fetch(`${base}/admin/shop/product/action/`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(res.status).toBe(400);
      const list = await (await (await login("viewer")).fetch(`${base}/admin/shop/order/`)).text();
      expect(list).toContain("Export selected as CSV");
    });
  });

  describe("CSV import", () => {
    const clerk = async () => ({ id: ids.clerk!, username: "clerk", isStaff: true, isSuperuser: false, permissions: ["shop.view_product", "shop.add_product"] });

    it("dry run: reports every bad row with its line and writes nothing", async () => {
      const csv = ["SKU,Name,Category,Price cents,Stock", "NEW-1,Lamp,home,1200,4", "NEW-2,,home,300,1", "NEW-3,Chair,home,abc,2", "NEW-4,Desk,home,9900", '"NEW-5","Rug, wool",home,4500,0'].join("\r\n");
      const user = await clerk();
      const before = (await qb(site.db).select({ n: count() }).from(products))[0]!.n;
      const plan = await planImport(site, site.get("shop", "product")!, user as never, csv);
      expect(plan.adds).toBe(2);
      expect(plan.errors.map((e) => e.line)).toEqual([3, 4, 5]);
      expect(plan.errors[0]!.messages[0]).toMatch(/^Name: /);
      expect(plan.errors[1]!.messages[0]).toMatch(/^Price cents: /);
      expect(plan.errors[2]!.messages[0]).toMatch(/4 fields; the header has 5/);
      expect((await qb(site.db).select({ n: count() }).from(products))[0]!.n).toBe(before);
      // an update needs the change permission, which the clerk lacks
      const existing = (await qb(site.db).select().from(products).limit(1))[0]!;
      const upd = await planImport(site, site.get("shop", "product")!, user as never, `ID,Name\r\n${existing.id},Renamed`);
      expect(upd.errors[0]!.messages[0]).toMatch(/may not change/);
      await expect(planImport(site, site.get("shop", "product")!, user as never, 'a,"b\n')).rejects.toMatchObject({ code: "WEFT_ADMIN_ERR_IMPORT" });
    });

    it("imports the valid rows as a job, each audited; cancel stops mid-way and keeps what was written", async () => {
      const admin = site.get("shop", "product")!;
      const user = await clerk();
      const lines = ["sku,name,category,price_cents"];
      for (let i = 0; i < 200; i++) lines.push(`IMP-${i},Item ${i},garden,${100 + i}`);
      const plan = await planImport(site, admin, user as never, lines.join("\n"));
      expect(plan.errors).toEqual([]);
      const id = await startImport(site, admin, user as never, plan, { fileName: "items.csv" });
      await waitFor(async () => (await site.jobs.read(id))?.status === "done", "import done", 30_000);
      expect((await site.jobs.read(id))!.message).toBe("200 added, 0 changed, 0 failed");
      const audits = await qb(site.db).select({ n: count() }).from(weftAuditLog).where(eq(weftAuditLog.userId, ids.clerk!));
      expect(audits[0]!.n).toBe(200);

      // cancel: the job is held before row 50 until the cancel has been asked
      const lines2 = ["sku,name,category,price_cents"];
      for (let i = 0; i < 200; i++) lines2.push(`CAN-${i},Item ${i},garden,100`);
      const plan2 = await planImport(site, admin, user as never, lines2.join("\n"));
      let release!: () => void;
      let reached = false;
      const held = new Promise<void>((r) => (release = r));
      const id2 = await startImport(site, admin, user as never, plan2, { beforeRow: (i) => (i === 50 ? ((reached = true), held) : undefined) });
      await waitFor(() => reached, "row 50 reached");
      expect(await cancelJob(site.jobs, id2, String(ids.clerk))).toBe(true);
      release();
      await waitFor(async () => (await site.jobs.read(id2))?.status === "cancelled", "import cancelled", 30_000);
      const written = await qb(site.db).select({ n: count() }).from(products).where(like(products.sku, "CAN-%"));
      expect(written[0]!.n).toBe(50);
      expect((await site.jobs.read(id2))!.current).toBeLessThan(200);
    });

    it("offers the import page to users with the add or change permission only", async () => {
      const res = await (await login("clerk")).fetch(`${base}/admin/shop/product/import/`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("Import products from CSV");
      expect(html).toContain('lv-upload="csv"');
      expect(await (await (await login("clerk")).fetch(`${base}/admin/shop/product/`)).text()).toContain('href="/admin/shop/product/import/"');
      expect((await (await login("viewer")).fetch(`${base}/admin/shop/order/import/`)).status).toBe(403);
      expect(await (await (await login("viewer")).fetch(`${base}/admin/shop/order/`)).text()).not.toContain("Import CSV");
    });
  });
});
