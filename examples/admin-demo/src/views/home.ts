import { LiveView } from "@weft/server";
import { OrdersToday } from "./orders-today.js";

/** The demo's front page: what is here, with the live KPI tile nested as a child view. */
export class Home extends LiveView<{ kpi: typeof OrdersToday }> {
  static template = "home.eta";
  static title = "Weft demo";

  mount() {
    return { kpi: OrdersToday };
  }
}
