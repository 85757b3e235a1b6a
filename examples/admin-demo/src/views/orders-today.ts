import { LiveView } from "@weft/server";
import { ORDERS_TOPIC, type DemoContext, type OrderEvent } from "../context.js";
import { countOrdersToday } from "../db/queries.js";

/** A KPI tile: orders placed today, pushed live whenever an order is inserted (no polling). */
export class OrdersToday extends LiveView<{ count: number }, DemoContext> {
  static template = "orders-today.eta";
  static title = "Orders today";
  /** the same count for every viewer: handleInfo runs once per worker per publish (docs/liveview.md) */
  static shared = true;

  async mount() {
    this.subscribe(ORDERS_TOPIC);
    return { count: await countOrdersToday(this.ctx.db) };
  }

  handleInfo(msg: unknown) {
    if ((msg as OrderEvent).type === "order.created") this.assign({ count: this.assigns.count + 1 });
  }
}
