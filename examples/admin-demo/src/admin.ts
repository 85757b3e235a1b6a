import { AdminSite, TabularInline } from "@weft/admin";
import type { SiteJobOptions } from "@weft/admin/jobs";
import type { FairShareOption } from "@weft/admin/query";
import type Database from "better-sqlite3";
import { engineOf, type AnyDemoDb } from "./db/engine.js";
import { orderActions } from "./actions.js";
import { SLOTS } from "./slots.js";
import { orderWidgets, productWidgets, registerDashboard } from "./widgets.js";
import { SalesReport } from "./views/sales-report.js";
import { bigOrdersFilter } from "./list-filters.js";

const CHART_ICON = '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path d="M2 14h12M4 12V8m4 4V4m4 8V6" stroke="currentColor" stroke-width="2" fill="none"/></svg>';

/** The demo's logins, printed at start-up (password = username). */
export const DEMO_USERS = [
  { username: "admin", isSuperuser: true, note: "superuser" },
  { username: "manager", isSuperuser: false, note: "shop managers: change orders, refund, view low stock, the sales report" },
  { username: "viewer", isSuperuser: false, note: "view-only staff" },
] as const;

/**
 * The shop's back office: every table of the demo registered with its list options, on the
 * engine's tables (SQLite's, or their PostgreSQL twins).
 *
 * @param db - the demo database (db/engine.ts)
 * @param sqlite - SQLite only: the raw connection (default: the one under `db`)
 * @param jobs - the job options (e.g. `bullmq` for job workers); `DEMO_JOB_RETENTION_MS` in the
 *   environment sets how long the channel layer keeps a finished job (the e2e specs shorten it
 *   to see the job history take over)
 * @param fairShare - the per-user share of database time (`AdminSiteOptions.fairShare`; default: the admin's)
 */
export function buildAdmin(db: AnyDemoDb, sqlite?: Database.Database, jobs?: SiteJobOptions, fairShare?: FairShareOption): AdminSite {
  const { customers, orderItems, orders, products, supportTickets } = engineOf(db).t;
  const retentionMs = Number(process.env.DEMO_JOB_RETENTION_MS);
  if (retentionMs > 0) jobs = { ...jobs, retentionMs };
  // orders and tickets both belong to a customer, shown by name
  const customerRelation = (column: typeof orders.customerId | typeof supportTickets.customerId) => ({ customer: { column, table: customers, display: customers.name } });
  // money columns hold cents: shown as "€822.45", typed as "822.45"
  const site = new AdminSite({ db, ...(sqlite ? { sqlite } : {}), title: "Shop admin", display: { currency: "EUR", timeZone: "UTC" }, ...(jobs ? { jobs } : {}), ...(fairShare !== undefined ? { fairShare } : {}) });

  site.register(orders, {
    app: "shop",
    relations: customerRelation(orders.customerId),
    listDisplay: ["number", "customer", "status", "totalCents", "createdAt"],
    // "Placed" gives way on tablets (under 1024 px) but stays on the phone cards
    listDisplayPriority: { createdAt: 2 },
    // the status and the customer are changed right in the list (a select, a search-as-you-type box per row; one Save for
    // the page); a refunded order's status stays read-only (getReadonlyFields)
    listEditable: ["status", "customer"],
    searchFields: ["^number", "customer.name", "customer.email"],
    // words of 3+ letters are looked up in trigram indexes (FTS5; created at start-up, app.ts)
    searchIndex: "trigram",
    // from 100,000 orders (the seed's 400,000 included), the unfiltered list shows the engine's
    // estimate, "about 400,000 orders" (as Django's show_full_result_count = False spares the
    // full count): PostgreSQL counts 400,000 rows exactly in 20–50 ms, its estimate costs ~0.1 ms
    estimateTotalAbove: 100_000,
    // "Big orders" (list-filters.ts): a custom filter, `?size=big`; the customer filter searches
    // as you type (10,000 customers: past the 200 a list of links would show)
    listFilter: ["status", "createdAt", "customer", bigOrdersFilter(orders.totalCents)],
    // the drill-down bar above the list (docs/admin.md, "dateHierarchy"): years → months → days
    dateHierarchy: "createdAt",
    ordering: ["-createdAt"],
    listPerPage: 50,
    labels: { totalCents: "Total", customer: "Customer", createdAt: "Placed" },
    fieldTypes: { totalCents: { type: "money", currencyField: "currency" } },
    readonlyFields: ["number", "createdAt", "updatedAt"],
    // the customer is searched as you type (name, email) rather than picked from 10,000 options
    autocompleteFields: ["customerId"],
    // the order's items, edited on the order's page and saved with it in one transaction
    inlines: [TabularInline(orderItems, { fields: ["productId", "quantity", "unitPriceCents"], extra: 1, maxNum: 50 })],
    // refund / sync with vendor / finalize (actions.ts): background jobs with a live progress page
    actions: orderActions,
    dashboardWidgets: orderWidgets(),
    // live widget slots (slots.ts): revenue and open tickets above the list, activity above the form
    changeListWidgets: SLOTS.orderList,
    changeFormWidgets: SLOTS.orderForm,
    // business rules (docs/admin.md, "Hooks"): a refunded order keeps its total and status
    clean: (values, { obj }) => (obj?.status === "refunded" && values.totalCents !== obj.totalCents ? { fieldErrors: { totalCents: "A refunded order's total cannot change." } } : undefined),
    getReadonlyFields: (_user, obj) => (obj?.status === "refunded" ? ["status"] : []),
    // a change saved through the admin stamps updatedAt (in the audit entry's transaction); a save with no changes writes nothing
    saveModel: async (ctx, obj, change) => {
      const row = await ctx.save(obj);
      return change && row !== ctx.before ? ctx.save({ ...row, updatedAt: new Date() }) : row;
    },
    formfieldOverrides: { currency: { validators: [(v) => (typeof v === "string" && /^[A-Z]{3}$/.test(v) ? undefined : "Use a three-letter ISO code such as EUR.")] } },
  });
  site.register(customers, {
    app: "shop",
    listDisplay: ["name", "email", "city", "country", "isVip", "createdAt"],
    // the first to go on narrower screens (hidden under 1440 px; on phones too)
    listDisplayPriority: { country: 3, createdAt: 3 },
    searchFields: ["name", "^email"],
    searchIndex: "trigram",
    listFilter: ["isVip", "createdAt"],
    ordering: ["name"],
    listPerPage: 50,
  });
  site.register(products, {
    app: "inventory",
    listDisplay: ["sku", "name", "category", "priceCents", "stock", "active"],
    labels: { priceCents: "Price" },
    fieldTypes: { priceCents: { type: "money" } },
    searchFields: ["^sku", "name"],
    listFilter: ["active"],
    ordering: ["sku"],
    listPerPage: 50,
    dashboardWidgets: productWidgets(),
    // only for users holding inventory.view_low_stock (managers, not viewers)
    changeListWidgets: SLOTS.productList,
  });
  site.register(orderItems, {
    app: "shop",
    name: "orderitem",
    verboseName: "Order item",
    relations: {
      order: { column: orderItems.orderId, table: orders, display: orders.number },
      product: { column: orderItems.productId, table: products, display: products.name },
    },
    listDisplay: ["order", "product", "quantity", "unitPriceCents"],
    labels: { unitPriceCents: "Unit price" },
    fieldTypes: { unitPriceCents: { type: "money" } },
    searchFields: ["^order.number", "product.name"],
    listPerPage: 50,
  });
  site.register(supportTickets, {
    app: "support",
    name: "ticket",
    relations: customerRelation(supportTickets.customerId),
    listDisplay: ["subject", "customer", "status", "priority", "createdAt"],
    listDisplayPriority: { createdAt: 3 },
    searchFields: ["subject", "customer.name"],
    listFilter: ["status", "priority", "createdAt"],
    ordering: ["-createdAt"],
    listPerPage: 50,
    // the four priorities side by side as radio buttons rather than a select (docs/admin.md, "Widgets")
    formfieldOverrides: { priority: { widget: "radio" } },
  });
  registerDashboard(site);
  // the shop's own admin page: revenue per day, filtered, live as orders arrive (views/sales-report.ts)
  site.page("reports/sales/", SalesReport, { title: "Sales report", icon: CHART_ICON, nav: { group: "Reports", order: 10 }, permissionRequired: "shop.view_sales_report" });
  return site;
}

/** Creates the demo users and groups when the admin has no users yet. */
export async function ensureDemoUsers(site: AdminSite): Promise<boolean> {
  if (await site.users.getUserByUsername("admin")) return false;
  const managers = await site.users.createGroup("Shop managers");
  for (const perm of ["shop.view_order", "shop.change_order", "shop.view_customer", "shop.view_orderitem", "support.view_ticket", "support.change_ticket", "inventory.view_product", "orders.refund_order", "inventory.view_low_stock", "shop.view_sales_report"]) {
    await site.users.grant(managers, perm);
  }
  const viewers = await site.users.createGroup("Viewers");
  for (const perm of ["shop.view_order", "shop.view_customer", "inventory.view_product", "support.view_ticket"]) {
    await site.users.grant(viewers, perm);
  }
  for (const u of DEMO_USERS) {
    const user = await site.users.createUser({ username: u.username, password: u.username, email: `${u.username}@example.com`, isStaff: true, isSuperuser: u.isSuperuser });
    if (u.username === "manager") await site.users.addToGroup(user, managers);
    if (u.username === "viewer") await site.users.addToGroup(user, viewers);
  }
  return true;
}
