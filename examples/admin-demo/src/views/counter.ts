import { LiveView } from "@weft/server";

/** The smallest LiveView: a number and two buttons. */
export class Counter extends LiveView<{ count: number }> {
  static template = "counter.eta";
  static title = "Counter";

  mount() {
    return { count: 0 };
  }

  events = {
    inc: () => this.assign({ count: this.assigns.count + 1 }),
    dec: () => this.assign({ count: this.assigns.count - 1 }),
  };
}
