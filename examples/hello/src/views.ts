import { LiveComponent, LiveView, on, type AsyncResult } from "@weft/server";
import { z } from "zod";

/** A number and two buttons: the count lives on the server, the page gets only what changed. */
export class Counter extends LiveView<{ count: number }> {
  static template = "counter.eta";
  static title = "Counter";
  mount() { return { count: 0 }; }
  events = {
    inc: () => this.assign({ count: this.assigns.count + 1 }),
    dec: () => this.assign({ count: this.assigns.count - 1 }),
  };
}

// What the browser may send at all (anything else is refused before the handler runs)...
const Form = z.object({ name: z.string().max(500), message: z.string().max(5000) });
// ...and what makes an entry, with the messages the person typing sees.
const Entry = z.object({
  name: z.string().trim().min(1, "Tell us your name").max(40, "At most 40 characters"),
  message: z.string().trim().min(3, "Say a little more").max(280, "At most 280 characters"),
});
type Assigns = { entries: z.infer<typeof Entry>[]; form: z.infer<typeof Form>; errors: { name?: string[]; message?: string[] } };
const entries: Assigns["entries"] = []; // newest first; one process only (a real app keeps them in a database)

/** Sign the guestbook: errors show beside the fields, and every open guestbook page gets the new entry. */
export class Guestbook extends LiveView<Assigns> {
  static template = "guestbook.eta";
  static title = "Guestbook";
  mount() {
    this.subscribe("guestbook"); // messages published on "guestbook" reach handleInfo (once joined)
    return { entries: [...entries], form: { name: "", message: "" }, errors: {} };
  }
  handleInfo() { this.assign({ entries: [...entries] }); }
  events = {
    sign: on(Form, async (form) => {
      const result = Entry.safeParse(form);
      if (!result.success) return this.assign({ form, errors: z.flattenError(result.error).fieldErrors });
      if (entries.unshift(result.data) > 50) entries.pop();
      this.assign({ form: { name: "", message: "" }, errors: {} });
      await this.ctx.pubsub.publish("guestbook", "signed");
    }),
  };
}

/**
 * A tally: a LiveComponent with its own count and its own button. `lv-target` in its template
 * sends the click to this component, not to the page; it lives in the page's view process.
 */
export class Tally extends LiveComponent<{ id: string; label: string; count: number }> {
  static template = "tally.eta";
  mount() { this.assign({ count: 0 }); }
  events = { add: () => this.assign({ count: this.assigns.count + 1 }) };
}

/** The app's services, as views see them in `this.ctx`. */
export interface Services {
  /** a slow lookup (a stand-in for a remote API); aborts with `signal` */
  forecast(signal: AbortSignal): Promise<string>;
}

/** The default forecast: answers after 800 ms, unless the page was left first. */
export const slowForecast: Services["forecast"] = (signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve("sunny, 21 °C"), 800);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)));
  });

/**
 * A page of tallies: each keeps its count while the page passes it new props (a new label).
 * The forecast loads with assignAsync: the page shows "loading" at once, the tallies work
 * meanwhile, and leaving the page aborts the lookup.
 */
export class Tallies extends LiveView<{ labels: string[]; forecast: AsyncResult<string> }, Services> {
  static template = "tallies.eta";
  static title = "Tallies";
  static components = { Tally }; // the names its template may render
  mount() {
    this.assign({ labels: ["apples", "pears"] });
    this.assignAsync("forecast", async (signal) => ({ forecast: await this.ctx.forecast(signal) }));
  }
  events = {
    shout: () => this.assign({ labels: this.assigns.labels.map((l, i) => (i === 0 ? l.toUpperCase() : l)) }),
  };
}
