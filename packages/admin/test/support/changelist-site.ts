/**
 * The change-list suites' site (changelist-browse / changelist-actions): the shop of
 * support/engines.ts with 30 customers and 260 orders on either engine, an AdminSite with
 * custom actions and a permission-gated widget, five users, a real server, and a joined change
 * list driven over the real WebSocket protocol.
 */
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import type { FastifyInstance } from "fastify";
import { AdminSite, type AdminAction } from "../../src/index.js";
import { qb, type QueryBuilder } from "../../src/query/dialect/index.js";
import { LiveView } from "@weft/server";
import type { Client } from "../../../server/test/helpers.js";
import { loginOnce, openView, startAdmin } from "../support.js";
import { insertChunked, openShopTables, type Engine, type Shop } from "./engines.js";

export const STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"] as const;
const SURNAMES = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright"];
export const N_CUSTOMERS = 30;
export const N_ORDERS = 260;
export const PER_PAGE = 25;
const T0 = Date.UTC(2025, 0, 1);
export const LIST = "/admin/shop/order/";

/** A change-list widget that only users with `shop.see_widget` get. */
export class OrderWidget extends LiveView<{ n: number }> {
  static permissionRequired = ["shop.see_widget"];
  mount() {
    return { n: 42 };
  }
  render() {
    return `<p class="test-widget">widget says ${this.assigns.n}</p>`;
  }
}

/** A joined change list: the socket, the view's ref, and its current HTML. */
export interface Live {
  c: Client;
  ref: number;
  html(): string;
  /** sends a URL change (as a click on an `lv-patch` link) and waits for the render */
  patch(path: string): Promise<string>;
  /** sends an event and waits for its reply (or error); returns the HTML after it */
  event(name: string, payload?: object): Promise<string>;
  /** types into the search box (an lv-change event) and waits for the URL patch and render */
  search(q: string): Promise<string>;
  /** the last `patch` frame: [url, replace] */
  lastPatch(): [string, number] | undefined;
}

export const decode = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
/** Order numbers of the rows, in order. */
export const numbersIn = (html: string) => [...html.matchAll(/<a lv-navigate href="\/admin\/shop\/order\/\d+\/change\/">(ORD-\d+)<\/a>/g)].map((m) => m[1]);
/** pks of the rows, in order. */
export const pksIn = (html: string) => [...html.matchAll(/<tr data-pk="(\d+)"/g)].map((m) => Number(m[1]));
export const statusesIn = (html: string) => [...html.matchAll(/<span class="badge[^"]*">([a-z ]+)<\/span>/g)].map((m) => m[1]);
/** The href of the header link of a column. */
export const headerHref = (html: string, label: string) => decode(new RegExp(`<a lv-patch href="([^"]+)" class="cl-sort">${label}<`).exec(html)![1]);
export const flashes = (html: string) => [...html.matchAll(/<div class="flash flash-(\w+)"[^>]*><span>([^<]*)<\/span>/g)].map((m) => [m[1], decode(m[2])]);

/** The change-list site on one engine: its shop, site, server, and ways to log in and join the list. */
export interface ChangelistSite {
  shop: Shop<typeof STATUSES>;
  site: AdminSite;
  base: string;
  /** sockets to close with the site */
  sockets: Client[];
  /** logs `username` in through the real form, once per user */
  login: ReturnType<typeof loginOnce>;
  /** joins the change list at `path` as `username` */
  openList(username: string, path?: string): Promise<Live & { first: string }>;
  /** orders with `status` (all orders without one), counted by the engine */
  countOf(status?: (typeof STATUSES)[number]): Promise<number>;
  close(): Promise<void>;
}

/** Opens the change-list site on `engine`: seeded shop, admin, users, a listening server. */
export async function openChangelistSite(engine: Engine): Promise<ChangelistSite> {
  const shop = await openShopTables(engine, STATUSES, "admin_changelist");
  const { customers, orders, notes } = shop;
  const db = qb(shop.db);
  await insertChunked(shop.db, customers, Array.from({ length: N_CUSTOMERS }, (_, k) => ({ id: k + 1, name: `${["Ann", "Bob", "Cyd"][(k + 1) % 3]} ${SURNAMES[(k + 1) % SURNAMES.length]} ${k + 1}`, email: `c${k + 1}@example.com` })));
  await insertChunked(
    shop.db,
    orders,
    Array.from({ length: N_ORDERS }, (_, k) => {
      const i = k + 1;
      return { id: i, number: `ORD-${String(i).padStart(4, "0")}`, customerId: ((i * 7) % N_CUSTOMERS) + 1, status: STATUSES[i % STATUSES.length], isGift: i % 4 === 0, totalCents: (i * 137) % 10_000, createdAt: new Date(T0 + i * 3_600_000), note: i % 3 === 0 ? null : `note ${i}` };
    }),
  );

  const markShipped: AdminAction = {
    name: "mark_shipped",
    label: "Mark selected orders as shipped",
    run: async ({ where }) => {
      const n = (await db.update(orders).set({ status: "shipped" }).where(where).returning({ id: orders.id })).length;
      return `Marked ${n} orders as shipped.`;
    },
  };
  const explode: AdminAction = {
    name: "explode",
    label: "Explode",
    // read-only: runs without a confirmation
    changesData: false,
    run: () => {
      throw new Error("secret detail of a failing action");
    },
  };
  const addNote: AdminAction = {
    name: "add_note",
    label: "Add a note",
    permissions: ["shop.annotate_order"],
    confirm: "Add a note to every selected order?",
    run: async ({ ids }) => {
      await db.update(orders).set({ note: "annotated" }).where(inArray(orders.id, ids as number[]));
      return `Annotated ${ids.length}.`;
    },
  };

  const site = new AdminSite({ db: shop.db, title: "Test shop" });
  site.register(orders, {
    app: "shop",
    // the built-in CSV export (view permission) is tested in csv.test.ts; off here so a view-only user has no action menu
    exportCsv: false,
    relations: { customer: { column: orders.customerId, table: customers, display: customers.name } },
    listDisplay: ["number", "customer", "status", "isGift", "totalCents", "createdAt", "note"],
    searchFields: ["^number", "customer.name"],
    listFilter: ["status", "isGift", "customer", "createdAt"],
    ordering: ["-createdAt"],
    listPerPage: PER_PAGE,
    actions: [markShipped, explode, addNote],
    changeListWidgets: [OrderWidget],
  });
  site.register(customers, { app: "shop", listDisplay: ["name", "email"], listDisplayPriority: { email: 2 }, searchFields: ["name"], ordering: ["name"], listPerPage: PER_PAGE });
  site.register(notes, { app: "shop", listDisplay: ["body"] });

  const u = site.users;
  await u.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
  const viewer = await u.createUser({ username: "viewer", password: "viewer-pass", isStaff: true });
  for (const p of ["shop.view_order", "shop.view_customer"]) await u.grant(viewer, p);
  const deleter = await u.createUser({ username: "deleter", password: "deleter-pass", isStaff: true });
  for (const p of ["shop.view_order", "shop.delete_order", "shop.view_customer", "shop.delete_customer"]) await u.grant(deleter, p);
  const clerk = await u.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
  for (const p of ["shop.change_order", "shop.annotate_order"]) await u.grant(clerk, p);
  await u.createUser({ username: "nobody", password: "nobody-pass", isStaff: true });

  let app: FastifyInstance;
  let base = "";
  // no backstop re-check during a suite (it is a timer: under load a 30 s one fired mid-test and
  // added a session read to the statement counts); every frame still reloads the session
  ({ app, base } = await startAdmin(site, { authority: { recheckMs: 3_600_000 } }));
  const sockets: Client[] = [];
  /** Logs in through the real form (GET for the CSRF token, POST the credentials), once per user. */
  const login = loginOnce(() => base);
  let nextRef = 1;
  async function openList(username: string, path = LIST): Promise<Live & { first: string }> {
    const jar = await login(username);
    const ref = nextRef++;
    const { c, first } = await openView(jar, base + path, "admin-changelist", { ref, sockets });
    const live: Live & { first: string } = {
      c,
      ref,
      first,
      html: () => c.html.get(ref)!,
      async patch(p: string) {
        const n = c.frames.length;
        c.send(["p", ref, base + p]);
        await c.until(() => c.frames.slice(n).some((f) => f[1] === ref && (f[0] === "d" || f[0] === "r")), `render after ${p}`);
        return live.html();
      },
      async event(name: string, payload: object = {}) {
        const seq = c.event(ref, name, payload);
        await c.reply(seq);
        await new Promise((r) => setTimeout(r, 10)); // a delta sent right after an error frame
        return live.html();
      },
      async search(q: string) {
        const n = c.frames.length;
        const seq = c.event(ref, "search", { q, _target: "q" });
        await c.reply(seq);
        await c.until(() => c.frames.slice(n).some((f) => f[0] === "t" && f[1] === ref), `the patch for "${q}"`);
        return live.html();
      },
      lastPatch() {
        const f = c.frames.findLast((x) => x[0] === "t" && x[1] === ref);
        return f ? [f[2] as string, f[3] as number] : undefined;
      },
    };
    return live;
  }


  return {
    shop,
    site,
    base,
    sockets,
    login,
    openList,
    async countOf(status) {
      const [{ n }] = status ? await db.select({ n: count() }).from(orders).where(eq(orders.status, status)) : await db.select({ n: count() }).from(orders);
      return n;
    },
    async close() {
      for (const s of sockets) s.close();
      await app?.close();
      await shop.close();
    },
  };
}

/** A suite's change-list site ({@link useChangelistSite}): the site's fields plus the shop's query builder and tables. */
export interface ChangelistSuite extends ChangelistSite {
  /** the shop's query builder (either engine) */
  db: QueryBuilder;
  customers: ChangelistSite["shop"]["customers"];
  orders: ChangelistSite["shop"]["orders"];
}

/**
 * Opens the change-list site on `engine` in `beforeAll` (bounded at 120 s: seeding on a loaded
 * machine) and closes it in `afterAll`, for the `describe` it is called in. The fields read the
 * open site, so read them inside tests and hooks, not while the suite is being collected.
 * @throws Error when a field is read before `beforeAll` opened the site
 */
export function useChangelistSite(engine: Engine): ChangelistSuite {
  let cls: ChangelistSite | undefined;
  let db: QueryBuilder | undefined;
  beforeAll(async () => {
    cls = await openChangelistSite(engine);
    db = qb(cls.shop.db);
  }, 120_000);
  afterAll(async () => {
    await cls?.close();
  });
  const open = (): ChangelistSite => {
    if (!cls) throw new Error("useChangelistSite: the site opens in beforeAll; read it inside a test");
    return cls;
  };
  return {
    get shop() {
      return open().shop;
    },
    get site() {
      return open().site;
    },
    get base() {
      return open().base;
    },
    get sockets() {
      return open().sockets;
    },
    get db() {
      open();
      return db!;
    },
    get customers() {
      return open().shop.customers;
    },
    get orders() {
      return open().shop.orders;
    },
    login: (username) => open().login(username),
    openList: (username, path) => open().openList(username, path),
    countOf: (status) => open().countOf(status),
    close: () => open().close(),
  };
}
