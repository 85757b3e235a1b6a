/**
 * The slow reader's view (bench only; the bench server mounts it at {@link FEED_PATH}): a
 * live feed of {@link FEED_LINES} lines that all change on every `orders` publish, so each
 * push is a delta of about {@link FEED_LINES} × 160 B (~16 KB) — a log tail or activity stream
 * on a wall screen. The demo's own views push 20–30 B, which the loopback kernel buffers
 * (about 4 MB per socket here) absorb for minutes, so they would never bring a paused socket to
 * `maxBufferedBytes` within a bench window.
 */
import { LiveView } from "@weft/server";

/** Where the bench server mounts {@link Feed}. */
export const FEED_PATH = "/bench/feed";
/** Lines per render. */
export const FEED_LINES = 100;
/** The topic it listens to (the soak's ticker publishes on it every second). */
export const FEED_TOPIC = "orders";

/** A feed of {@link FEED_LINES} lines numbered after the last publish's `id`. */
export class Feed extends LiveView<{ n: number }> {
  static title = "Feed";

  mount() {
    this.subscribe(FEED_TOPIC);
    return { n: 0 };
  }

  render(): string {
    const n = this.assigns.n;
    let lines = "";
    for (let i = 0; i < FEED_LINES; i++) lines += `<li>publish ${n}, line ${i}: ${String(n * FEED_LINES + i).padStart(12, "0").repeat(10)}</li>`;
    return `<ol data-n="${n}">${lines}</ol>`;
  }

  handleInfo(msg: unknown): void {
    this.assign({ n: Number((msg as { id?: unknown } | null)?.id) || 0 });
  }
}
