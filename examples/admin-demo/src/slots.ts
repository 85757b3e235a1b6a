/**
 * The demo's widget slots: LiveViews the admin renders above a model's change list
 * (`changeListWidgets`) or change form (`changeFormWidgets`, which get the object's id as
 * `params.objectId`). Each is a nested view with its own socket stream, so it moves live
 * without touching the page around it.
 *
 * | widget | slot | live on |
 * |---|---|---|
 * | {@link OrderActivity} | order change form | `orders` (when that order changes) |
 * | {@link ListTotal} (a LiveComponent: follows the list's search, filters and selection) | order change list | the list's changes |
 * | {@link TodaysRevenue} | order change list | `orders` |
 * | {@link OpenTickets} | order change list | `support_tickets`, and every 30 s |
 * | {@link LowStockAlert} | product change list, `inventory.view_low_stock` only | `orders`, `products` |
 *
 * A widget class declares `static label` (the slot's heading), `static size` (`sm` a third of
 * the row, `md` a half, `lg` the row) and `static permissionRequired` (users lacking any of them
 * do not get the widget at all; the base class checks it again on every join).
 */
import { LiveView, type Params, type Session } from "@weft/server";
import { hasPermission, objectHistory, staffUser } from "@weft/admin";
import { eq } from "drizzle-orm";
import { ORDERS_TOPIC, type DemoContext } from "./context.js";
import { engineOf } from "./db/engine.js";
import { openTicketCount, takingsToday } from "./db/queries.js";
import { ListTotal } from "./list-total.js";
import { lowStock, OPEN_TICKETS_WARNING, PRODUCTS_TOPIC, TICKETS_TOPIC } from "./widgets.js";

/** The admin's URL prefix in the demo. */
const ADMIN = "/admin";
/** A widget re-reads at most once per this many ms, however many publishes arrive meanwhile. */
const REFRESH_MS = 250;
const REFRESH = Object.freeze({ type: "slot.refresh" });
const TICK = Object.freeze({ type: "slot.tick" });

const euro = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });
const whole = new Intl.NumberFormat("en-IE");

/**
 * Base of the demo's widget-slot views: staff only, holding every `permissionRequired`, checked
 * on the HTTP render AND on every WebSocket join (the slot's filter is not the only guard).
 * Gives its subclasses a throttled re-read ({@link SlotWidget.refreshSoon}) and a periodic one
 * ({@link SlotWidget.every}), and a `mount` that subscribes to `static topics`, re-reads every
 * `static everyMs` when set, and loads.
 *
 * @typeParam A - the widget's assigns
 */
export abstract class SlotWidget<A extends object> extends LiveView<A, DemoContext> {
  /** the slot's heading */
  static label?: string;
  /** grid span in the slot: `sm` (default), `md`, `lg` */
  static size?: "sm" | "md" | "lg";
  /** permission strings a user needs, all of them, to get the widget */
  static permissionRequired?: string | readonly string[];
  /** the pubsub topics whose messages make the widget re-read ({@link SlotWidget.onMessage}) */
  static topics: readonly string[] = [];
  /** also re-read every this many ms (connected only), for data that changes without a publish */
  static everyMs?: number;

  /** Staff only, and every permission of `permissionRequired`. */
  static authorize(this: typeof SlotWidget, session: Session): boolean {
    const user = staffUser(session);
    if (!user) return false;
    const p = this.permissionRequired;
    const perms = p === undefined ? [] : typeof p === "string" ? [p] : [...p];
    return perms.every((perm) => hasPermission(user, perm));
  }

  private refreshPending = false;
  private tickMs = 0;

  /** Re-reads the widget's data (from SQLite: the source of truth on every worker). */
  protected abstract load(): A | Promise<A>;

  /** Subscribes to the class's `topics`, starts its `everyMs` re-read, and loads. */
  mount(_params?: Params): A | Promise<A> {
    const cls = this.constructor as typeof SlotWidget;
    for (const topic of cls.topics) this.subscribe(topic);
    if (cls.everyMs) this.every(cls.everyMs);
    return this.load();
  }

  /** Re-reads at most once per {@link REFRESH_MS}, however many publishes arrive meanwhile. */
  protected refreshSoon(): void {
    if (this.refreshPending) return;
    this.refreshPending = true;
    this.sendInfo(REFRESH, REFRESH_MS);
  }

  /** Re-reads every `ms` too, for data that changes outside the app (connected only). */
  protected every(ms: number): void {
    if (!this.ctx.connected) return;
    this.tickMs = ms;
    this.sendInfo(TICK, ms);
  }

  /** Throttled and periodic re-reads; anything else is a pubsub message for {@link SlotWidget.onMessage}. */
  async handleInfo(msg: unknown): Promise<void> {
    if (msg === REFRESH) {
      this.refreshPending = false;
      this.assign(await this.load());
    } else if (msg === TICK) {
      this.assign(await this.load());
      this.sendInfo(TICK, this.tickMs);
    } else {
      this.onMessage(msg);
    }
  }

  /** A pubsub message on one of the widget's topics; default: re-read soon. */
  protected onMessage(_msg: unknown): void {
    this.refreshSoon();
  }
}

// ---------------------------------------------------------------------------------------------
// Today's revenue

/** What {@link TodaysRevenue} shows. */
export interface RevenueAssigns {
  revenue: string;
  orders: string;
  average: string;
}

/** Today's takings (orders not cancelled or refunded), moving on every order publish. Order change list. */
export class TodaysRevenue extends SlotWidget<RevenueAssigns> {
  static id = "slot-todays-revenue";
  static template = "slot-todays-revenue.eta";
  static label = "Today's revenue";
  static size = "sm" as const;
  static topics = [ORDERS_TOPIC];
  // the day rolls over at midnight without any publish
  static everyMs = 60_000;

  protected async load(): Promise<RevenueAssigns> {
    const { orders, cents } = await takingsToday(this.ctx.db);
    return { revenue: euro.format(cents / 100), orders: whole.format(orders), average: orders ? euro.format(cents / orders / 100) : "–" };
  }
}

// ---------------------------------------------------------------------------------------------
// Open tickets

/** What {@link OpenTickets} shows. */
export interface TicketsAssigns {
  count: string;
  busy: boolean;
  url: string;
}

/**
 * Open support tickets, on the order change list (orders and tickets go together at the help
 * desk). Moves on every ticket save, and re-counts every 30 s, since tickets arrive by mail.
 */
export class OpenTickets extends SlotWidget<TicketsAssigns> {
  static id = "slot-open-tickets";
  static template = "slot-open-tickets.eta";
  static label = "Open tickets";
  static size = "sm" as const;
  static permissionRequired = "support.view_ticket";
  static topics = [TICKETS_TOPIC];
  static everyMs = 30_000;

  protected async load(): Promise<TicketsAssigns> {
    const n = await openTicketCount(this.ctx.db);
    return { count: whole.format(n), busy: n > OPEN_TICKETS_WARNING, url: `${ADMIN}/support/ticket/?status__exact=open` };
  }
}

// ---------------------------------------------------------------------------------------------
// Low stock

/** One product at or below its reorder level. */
export interface LowStockItem {
  sku: string;
  name: string;
  stock: number;
  threshold: number;
  url: string;
}

/** What {@link LowStockAlert} shows. */
export interface LowStockAssigns {
  count: number;
  items: LowStockItem[];
}

/** How many products {@link LowStockAlert} lists (it counts all of them). */
export const LOW_STOCK_LISTED = 6;

/**
 * Active products at or below their reorder level, the lowest stock first. Product change
 * list, only for users holding `inventory.view_low_stock` (managers; not viewers). Orders take
 * stock, so it listens to `orders` as well as `products`.
 */
export class LowStockAlert extends SlotWidget<LowStockAssigns> {
  static id = "slot-low-stock-alert";
  static template = "slot-low-stock-alert.eta";
  static label = "Low stock";
  static size = "md" as const;
  static permissionRequired = "inventory.view_low_stock";
  static topics = [ORDERS_TOPIC, PRODUCTS_TOPIC];

  protected async load(): Promise<LowStockAssigns> {
    const { count, items } = await lowStock(this.ctx.db, LOW_STOCK_LISTED);
    return { count, items: items.map(({ id, ...item }) => ({ ...item, url: `${ADMIN}/inventory/product/${id}/change/` })) };
  }
}

// ---------------------------------------------------------------------------------------------
// Order activity

/** One line of {@link OrderActivity}. */
export interface ActivityItem {
  /** ISO time, for `<time datetime>` */
  iso: string;
  /** `2025-11-21 14:05 UTC` */
  when: string;
  /** who did it ("" for the order's placement) */
  who: string;
  /** "changed", "added", "deleted", "Order placed" */
  what: string;
  /** the changed fields, `status: paid → shipped; note: … → …` */
  changes: string;
}

/** What {@link OrderActivity} shows. */
export interface ActivityAssigns {
  number: string;
  items: ActivityItem[];
  historyUrl: string;
}

/** How many events {@link OrderActivity} shows. */
export const ACTIVITY_EVENTS = 10;
/** The audit log's model name of orders (`app.name`). */
const ORDER_MODEL = "shop.order";

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
const short = (v: unknown) => {
  const s = v === null || v === undefined || v === "" ? "—" : String(v);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
};
const ACTIONS: Record<string, string> = { add: "added it", change: "changed", delete: "deleted it" };
/** How the activity names an order's columns (as the order admin's labels): never the column's code name. */
const FIELD_WORDS: Record<string, string> = { customerId: "customer", totalCents: "total", isGift: "gift", createdAt: "placed", updatedAt: "updated" };
/** "totalCents" → "total"; other names in words ("shippingNote" → "shipping note"). */
const fieldWords = (key: string) => FIELD_WORDS[key] ?? key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * The last {@link ACTIVITY_EVENTS} events of one order, newest first: its audit entries
 * (`weft_audit_log`, model `shop.order`) and, once they run out, its placement. Order change
 * form (`params.objectId`); re-reads when that order is published on `orders`.
 */
export class OrderActivity extends SlotWidget<ActivityAssigns> {
  static id = "slot-order-activity";
  static template = "slot-order-activity.eta";
  static label = "Activity";
  static size = "lg" as const;
  static topics = [ORDERS_TOPIC];

  /** Staff who may view orders (the change permission implies view). */
  static authorize(session: Session): boolean {
    const user = staffUser(session);
    return !!user && (hasPermission(user, "shop.view_order") || hasPermission(user, "shop.change_order"));
  }

  private objectId = "";

  mount(params: Params): ActivityAssigns | Promise<ActivityAssigns> {
    this.objectId = params.objectId == null ? "" : String(params.objectId);
    return super.mount(params);
  }

  protected onMessage(msg: unknown): void {
    const id = (msg as { id?: unknown } | null)?.id;
    if (id !== undefined && String(id) === this.objectId) this.refreshSoon();
  }

  protected async load(): Promise<ActivityAssigns> {
    // the add form: no order yet (change-form widgets show there too, with objectId null)
    if (!this.objectId) return { number: "", items: [], historyUrl: "" };
    const db = this.ctx.db;
    const { q, t } = engineOf(db);
    const id = Number(this.objectId);
    const [order] = Number.isSafeInteger(id) ? await q.select({ number: t.orders.number, createdAt: t.orders.createdAt }).from(t.orders).where(eq(t.orders.id, id)) : [];
    const items: ActivityItem[] = (await objectHistory(db, ORDER_MODEL, this.objectId, ACTIVITY_EVENTS)).map((e) => ({
      iso: e.at.toISOString(),
      when: utc(e.at),
      who: e.username ?? (e.userId === null ? "system" : `user #${e.userId}`),
      // "changed status: paid → refunded"; a save that changed nothing says so in words
      what: e.action === "change" && Object.keys(e.changes).length === 0 ? "saved it without changes" : (ACTIONS[e.action] ?? e.action),
      changes:
        e.action === "change"
          ? Object.entries(e.changes)
              .map(([field, [before, after]]) => `${fieldWords(field)}: ${short(before)} → ${short(after)}`)
              .join("; ")
          : "",
    }));
    if (order && items.length < ACTIVITY_EVENTS) {
      const at = order.createdAt;
      items.push({ iso: at.toISOString(), when: utc(at), who: "", what: "Order placed", changes: "" });
    }
    return { number: order?.number ?? `#${this.objectId}`, items, historyUrl: `${ADMIN}/shop/order/${encodeURIComponent(this.objectId)}/history/` };
  }
}

/** The widget slots of the demo's admin, by model (see `buildAdmin`). */
export const SLOTS = {
  orderList: [ListTotal, TodaysRevenue, OpenTickets],
  orderForm: [OrderActivity],
  productList: [LowStockAlert],
} as const;
