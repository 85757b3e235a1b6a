/**
 * The change-form suites' site (changeform*.test.ts): the demo's schema seeded small on either
 * engine (support/demo-shop.ts), an AdminSite with orders, customers (with a changeFormWidgets
 * slot), order items and tickets (whose permissions a test flips while a page is open), four
 * users, a real server on a channel layer whose messages are kept, and a way to join a page;
 * {@link useChangeformSite} opens it for a suite, with the rows and audit readers the change-form
 * suites (changeform, changeform-save, changeform-post) share.
 */
import type { FastifyInstance } from "fastify";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import { AdminSite, type AdminUser } from "../../src/index.js";
import { adminTablesFor } from "../../src/auth/tables.js";
import { qb, type QueryBuilder } from "../../src/query/dialect/index.js";
import { LiveView, type Params } from "@weft/server";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import type { Client } from "../../../server/test/helpers.js";
import { loginOnce, openLive, startAdmin, type Live } from "../support.js";
import type { Engine } from "./engines.js";
import { openDemoShop, type DemoShop } from "./demo-shop.js";

/** a `changeFormWidgets` slot: rendered above the form as a nested view with `objectId` */
class CustomerBadge extends LiveView<{ objectId: string }> {
  static id = "test-customer-badge";
  mount(params: Params) {
    return { objectId: params.objectId ?? "" };
  }
  render(it: { objectId: string }) {
    return `<p class="badge-widget">Customer widget for ${Number(it.objectId)}</p>`;
  }
}


/** The change-form site on one engine. */
export interface ChangeformSite {
  shop: DemoShop;
  site: AdminSite;
  base: string;
  users: Record<string, AdminUser>;
  /** what the site published on "orders" and "customers" */
  published: Array<{ topic: string; msg: any }>;
  /** permission overrides the tests flip while a page is open, to see the events check again */
  gate: { change: boolean; delete: boolean };
  /** logs in through the real login form (GET for the CSRF token, POST the credentials), once per user */
  login: ReturnType<typeof loginOnce>;
  /** GETs `path` as `username` and joins its view */
  open(username: string, path: string): Promise<Live>;
  close(): Promise<void>;
}

/** Opens the change-form site on `engine`. */
export async function openChangeformSite(engine: Engine): Promise<ChangeformSite> {
  const shop = await openDemoShop(engine, { customers: 40, products: 12, orders: 80, tickets: 15, ordersToday: 2 }, "admin_changeform");
  const { customers, orderItems, orders, supportTickets } = shop;
  const pubsub = new MemoryChannelLayer();
  const published: Array<{ topic: string; msg: any }> = [];
  for (const topic of ["orders", "customers"]) pubsub.subscribe(topic, (msg) => void published.push({ topic, msg }));

  const site = await AdminSite.create({ db: shop.db, title: "Test shop" });
  site.register(orders, {
    app: "shop",
    relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
    listDisplay: ["number", "customer", "status", "totalCents", "createdAt"],
    labels: { totalCents: "Total (cents)", customer: "Customer", createdAt: "Placed" },
    readonlyFields: ["number", "createdAt", "updatedAt"],
  });
  site.register(customers, { app: "shop", listDisplay: ["name", "email", "isVip"], changeFormWidgets: [CustomerBadge] });
  site.register(orderItems, {
    app: "shop",
    name: "orderitem",
    verboseName: "Order item",
    relations: { order: { column: orderItems.orderId, table: orders, display: orders.number } },
    listDisplay: ["order", "quantity"],
  });
  const gate = { change: true, delete: true };
  site.register(supportTickets, {
    app: "support",
    name: "ticket",
    listDisplay: ["subject", "status"],
    hasChangePermission: (u) => u.isSuperuser && gate.change,
    hasDeletePermission: (u) => u.isSuperuser && gate.delete,
  });

  const users: Record<string, AdminUser> = {};
  const make = async (username: string, perms: string[], isSuperuser = false) => {
    users[username] = await site.users.createUser({ username, password: `${username}-pass`, isStaff: true, isSuperuser });
    for (const p of perms) await site.users.grant(users[username], p);
  };
  await make("admin", [], true);
  await make("manager", ["shop.view_order", "shop.change_order", "shop.view_customer"]);
  await make("viewer", ["shop.view_order", "shop.view_customer"]);
  await make("clerk", ["shop.add_order"]);
  let app: FastifyInstance;
  let base = "";
  ({ app, base } = await startAdmin(site, { pubsub }));
  const sockets: Client[] = [];
  const login = loginOnce(() => base);

  const open = async (username: string, path: string): Promise<Live> => openLive(base, await login(username), path, sockets);


  return {
    shop,
    site,
    base,
    users,
    published,
    gate,
    login,
    open,
    async close() {
      for (const s of sockets) s.close();
      await app?.close();
      await shop.close();
    },
  };
}

/** The page's text: tags stripped, the common entities decoded, white space folded. */
export const text = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ");
/** The page's main content (the view), without the shell (whose user menu has a logout form). */
export const main = (page: string) => page.slice(page.indexOf('<main class="content"'), page.indexOf("</main>"));
/** Error list items of field `key` in the html. */
export function fieldErrors(html: string, key: string): string[] {
  const m = new RegExp(`<ul class="errorlist" id="id_${key}_errors">(.*?)</ul>`, "s").exec(html);
  return m ? [...m[1].matchAll(/<li>(.*?)<\/li>/g)].map((x) => x[1]) : [];
}

/** A suite's change-form site ({@link useChangeformSite}). */
export type ChangeformSuite = ReturnType<typeof useChangeformSite>;

/**
 * Opens the change-form site on `engine` in `beforeAll` (bounded at 120 s: migrations and seed
 * on a loaded machine) and closes it in `afterAll`, for the `describe` it is called in: the
 * site's fields, the shop's query builder and tables, and readers of orders and the audit log.
 * The fields read the open site, so read them inside tests and hooks, not while the suite is
 * being collected.
 * @throws Error when a field is read before `beforeAll` opened the site
 */
export function useChangeformSite(engine: Engine) {
  let cfs: ChangeformSite | undefined;
  let builder: QueryBuilder | undefined;
  beforeAll(async () => {
    cfs = await openChangeformSite(engine);
    builder = qb(cfs.shop.db);
  }, 120_000);
  afterAll(async () => {
    await cfs?.close();
  });
  const opened = (): ChangeformSite => {
    if (!cfs) throw new Error("useChangeformSite: the site opens in beforeAll; read it inside a test");
    return cfs;
  };
  const db = (): QueryBuilder => {
    opened();
    return builder!;
  };
  const orderRow = async (id: number) => {
    const { orders } = opened().shop;
    return (await db().select().from(orders).where(eq(orders.id, id)))[0]!;
  };
  return {
    get shop() {
      return opened().shop;
    },
    get site() {
      return opened().site;
    },
    get base() {
      return opened().base;
    },
    get users() {
      return opened().users;
    },
    get published() {
      return opened().published;
    },
    get gate() {
      return opened().gate;
    },
    /** the shop's query builder (either engine) */
    get db() {
      return db();
    },
    get customers() {
      return opened().shop.customers;
    },
    get orders() {
      return opened().shop.orders;
    },
    get orderItems() {
      return opened().shop.orderItems;
    },
    get supportTickets() {
      return opened().shop.supportTickets;
    },
    login: (username: string) => opened().login(username),
    open: (username: string, path: string) => opened().open(username, path),
    /** order `id` as stored */
    orderRow,
    /** the audit entries of one object, oldest first */
    auditOf: async (model: string, id: number | string) => {
      const { weftAuditLog } = adminTablesFor(opened().shop.db);
      return qb(opened().shop.db).select().from(weftAuditLog).where(and(eq(weftAuditLog.model, model), eq(weftAuditLog.objectId, String(id)))).orderBy(weftAuditLog.id);
    },
    /** how many audit entries there are */
    auditCount: async () => {
      const { weftAuditLog } = adminTablesFor(opened().shop.db);
      return (await qb(opened().shop.db).select({ n: count() }).from(weftAuditLog))[0]!.n;
    },
    /** The form values the browser would send for order `id` as stored (plus the submit button). */
    async formOf(id: number, extra: Record<string, string> = {}): Promise<Record<string, string>> {
      const o = await orderRow(id);
      return { customerId: String(o.customerId), status: o.status, totalCents: String(o.totalCents), currency: o.currency, note: o.note ?? "", ...extra };
    },
  };
}
