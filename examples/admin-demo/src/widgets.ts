/**
 * The shop's dashboard: live KPI cards (SmallStack's widget contract, made live) and the
 * open-tickets badge of the top bar.
 *
 * - "Orders today" and "Revenue today" are attached to the orders admin and move on every
 *   publish on the `orders` topic (the order simulator and admin saves publish there).
 * - "Open tickets" is standalone, in the `support` group (and on the support app's page); it
 *   turns to a warning above {@link OPEN_TICKETS_WARNING} and also refreshes every 30 s, since
 *   tickets arrive by mail, outside the app.
 * - Charts are drawn on the server from `getData`'s chart extras: "Revenue today" has a
 *   sparkline of the last 24 h by hour and a trend against yesterday at the same time of day;
 *   "Orders today" has bars by status; "Top products" lists the best sellers of the last 24 h.
 * - "Low stock" is attached to the products admin, shown only to users holding
 *   `inventory.view_low_stock`, and is red whenever any active product is at or below its
 *   reorder level.
 */
import type { AdminSite, DashboardWidget } from "@weft/admin";
import { and, eq, lte, sql } from "drizzle-orm";
import { ORDERS_TOPIC } from "./context.js";
import { engineOf, type AnyDemoDb } from "./db/engine.js";
import { countOrdersToday, dayRange, openTicketCount, takingsToday } from "./db/queries.js";
import { ordersByStatus, revenueByHour, takingsBetween, topProducts } from "./db/dashboard-queries.js";

/** Open tickets above this count make the card and the badge a warning. */
export const OPEN_TICKETS_WARNING = 1000;
/** Topic the admin's change form publishes on when a support ticket is saved (its table name). */
export const TICKETS_TOPIC = "support_tickets";
/** Topic the admin's change form publishes on when a product is saved (its table name). */
export const PRODUCTS_TOPIC = "products";

const svg = (body: string) =>
  `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

/** Inline icons (trusted markup, written as-is into the cards). */
export const ICONS = {
  cart: svg('<circle cx="9" cy="21" r="1"/><circle cx="20" cy="21" r="1"/><path d="M1 1h4l2.7 13.4a2 2 0 0 0 2 1.6h9.7a2 2 0 0 0 2-1.6L23 6H6"/>'),
  trend: svg('<polyline points="23 6 13.5 15.5 8.5 10.5 1 18"/><polyline points="17 6 23 6 23 12"/>'),
  ticket: svg('<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>'),
  alert: svg('<path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z"/><line x1="12" y1="9" x2="12" y2="13"/><line x1="12" y1="17" x2="12" y2="17"/>'),
} as const;

const euro = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });

/**
 * Active products at or below their reorder level, the lowest first.
 *
 * @param db - the demo database
 * @param limit - how many to list (the count is of all of them)
 * @returns how many there are and the first `limit` of them
 */
export async function lowStock(db: AnyDemoDb, limit = 5): Promise<{ count: number; items: { id: number; sku: string; name: string; stock: number; threshold: number }[] }> {
  const { q, t } = engineOf(db);
  const p = t.products;
  const rows = await q
    .select({ id: p.id, sku: p.sku, name: p.name, stock: p.stock, threshold: p.lowStockThreshold, n: sql<number>`count(*) OVER ()`.mapWith(Number) })
    .from(p)
    .where(and(eq(p.active, true), lte(p.stock, p.lowStockThreshold)))
    .orderBy(p.stock, p.sku)
    .limit(limit);
  return { count: rows[0]?.n ?? 0, items: rows.map(({ n: _n, ...item }) => item) };
}

/**
 * The widgets attached to the orders admin (`dashboardWidgets`). Each reads through `ctx.db`
 * (the admin's reads for the card's user: SQLite's read pool, under the query budget, charged to
 * the user's fair share), never the demo's own connection, which would run them on the event loop.
 */
export function orderWidgets(): DashboardWidget[] {
  return [
    {
      key: "orders-today",
      title: "Orders today",
      icon: ICONS.cart,
      order: 10,
      topics: [ORDERS_TOPIC],
      getData: async (ctx) => {
        const db = ctx.db as AnyDemoDb;
        const { start, end } = dayRange();
        const bars = (await ordersByStatus(db, start, end)).map((r) => ({ label: humanize(r.status), value: r.n }));
        return { headline: await countOrdersToday(db), detail: "placed since midnight", bars };
      },
    },
    {
      key: "revenue-today",
      title: "Revenue today",
      icon: ICONS.trend,
      order: 20,
      topics: [ORDERS_TOPIC],
      getData: async (ctx) => {
        const db = ctx.db as AnyDemoDb;
        const now = Date.now();
        const { orders, cents } = await takingsToday(db, new Date(now));
        const average = orders ? euro.format(cents / orders / 100) : "–";
        // yesterday from midnight to this time of day
        const { start } = dayRange(new Date(now));
        const y = dayRange(new Date(start - 1)).start;
        const trend = { current: cents / 100, previous: (await takingsBetween(db, y, y + (now - start))) / 100 };
        const series = (await revenueByHour(db, now)).map((c) => Math.round(c / 100));
        return { headline: euro.format(cents / 100), detail: `avg ${average} per order`, status: "ok", currency: "EUR", cents, orders, trend, series, seriesLabel: "Revenue per hour in euros, last 24 hours" };
      },
    },
  ];
}

/**
 * The widgets attached to the products admin (reading through `ctx.db`, as {@link orderWidgets}).
 */
export function productWidgets(): DashboardWidget[] {
  return [
    {
      key: "low-stock",
      title: "Low stock",
      icon: ICONS.alert,
      order: 40,
      topics: [ORDERS_TOPIC, PRODUCTS_TOPIC],
      permissionRequired: "inventory.view_low_stock",
      getData: async (ctx) => {
        const { count, items } = await lowStock(ctx.db as AnyDemoDb);
        const skus = items.map((i) => i.sku);
        return {
          headline: count,
          detail: count ? "at or below reorder level" : "every product is stocked",
          status: count ? "danger" : "ok",
          skus,
        };
      },
    },
    {
      key: "top-products",
      title: "Top products",
      order: 45,
      topics: [ORDERS_TOPIC],
      // the same figures for everyone: one getData per change, shared by the tiles on a worker
      shared: true,
      getData: async ({ admin, db }) => {
        const top = await topProducts(db as AnyDemoDb, Date.now());
        return {
          headline: top[0]?.total ?? 0,
          detail: "units sold in the last 24 h; best sellers:",
          top: top.map((p) => ({ label: p.name, value: p.units, url: admin!.objectUrl(p.id) })),
        };
      },
    },
  ];
}


/** `"shipped"` → `"Shipped"`. */
function humanize(status: string): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/**
 * Registers the standalone widgets, the cached open-tickets count and the top bar's badge.
 *
 * @param site - the demo's admin site (the support ticket admin registered); the card reads
 *   through `ctx.db` and the badge's count through `site.reads`, off the event loop
 * @throws Error when called twice on one site (names already registered)
 */
export function registerDashboard(site: AdminSite): void {
  const openTickets = `${site.prefix}/support/ticket/?status__exact=open`;
  site.dashboard.register({
    key: "open-tickets",
    title: "Open tickets",
    icon: ICONS.ticket,
    order: 30,
    group: "support",
    app: "support",
    url: openTickets,
    topics: [TICKETS_TOPIC],
    refreshMs: 30_000,
    permissionRequired: "support.view_ticket",
    getData: async (ctx) => {
      const n = await openTicketCount(ctx.db as AnyDemoDb);
      return { headline: n, detail: n > OPEN_TICKETS_WARNING ? "more than usual: all hands" : "waiting for an answer", status: n > OPEN_TICKETS_WARNING ? "warning" : "info" };
    },
  });
  // the top bar shows it on every page: cached, so staff clicking around do not each count
  site.context.provide("openTickets", { ttlMs: 30_000, compute: () => openTicketCount(site.reads as AnyDemoDb) });
  site.context.badge({
    label: "Open tickets",
    context: "openTickets",
    url: openTickets,
    status: (n: number) => (n > OPEN_TICKETS_WARNING ? "warning" : "info"),
    permissionRequired: "support.view_ticket",
  });
}
