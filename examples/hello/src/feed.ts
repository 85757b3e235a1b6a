import { LiveView } from "@weft/server";

/** One row of the feed. */
export interface Row {
  id: number;
  name: string;
  qty: number;
}

const row = (id: number): Row => ({ id, name: `Row ${id}`, qty: (id * 7) % 100 });

/**
 * A 10,000-row list as a stream: the rows are rendered once and sent; the server keeps none of
 * them (its copy of the page has the `<ol lv-stream>` empty), so a tick re-renders only the
 * counter and adding a row sends one small frame. `?n=` sets the number of rows (at most 20,000).
 */
export class Feed extends LiveView<{ ticks: number }> {
  static template = "feed.eta";
  static title = "Feed";
  static streams = { rows: { template: "feed-row.eta" } };
  /** the next row's id (plain state: not rendered, so it is not an assign) */
  private next = 1;
  mount(params: Record<string, string>) {
    const n = Math.min(Math.max(Number.parseInt(params.n ?? "10000", 10) || 0, 0), 20_000);
    this.stream("rows", Array.from({ length: n }, (_, i) => row(i + 1)));
    this.next = n + 1;
    return { ticks: 0 };
  }
  events = {
    tick: () => this.assign({ ticks: this.assigns.ticks + 1 }),
    add: () => this.streamInsert("rows", row(this.next++)),
    top: () => this.streamInsert("rows", row(this.next++), { at: 0 }),
    drop: () => this.streamDelete("rows", "rows-1"),
  };
}
