/**
 * Figure 2 — bytes on the wire for one small change: the exact text frame (its UTF-8 payload
 * length; the WebSocket header adds 2 bytes server → client) that the server sends for
 *
 * - a counter increment: the reply to `["e",1,seq,"inc",{}]` on /counter, which carries the
 *   render the event caused (`["ad",ref,seq,delta]`), measured over 100 increments;
 * - one changed cell of the 50-row table: the reply to `restock` on /table, once for each of
 *   the 50 rows (the cell's position in the HTML, hence the delta's numbers, varies);
 * - one KPI push: the delta frame (`["d",ref,delta]`) that /kpi receives when the server
 *   publishes `{type:"order.created"}` on the "orders" topic (as the order simulator does),
 *   over 20 publishes.
 *
 * Every update is applied to the client's copy of the HTML and checked (the cell really
 * went up by one), so a small frame cannot come from a wrong delta.
 */
import { Buffer } from "node:buffer";
import { openView, track, type OpenView } from "../connect.js";
import type { ServerHandle } from "../server-handle.js";
import { percentile, sorted } from "../stats.js";
import type { Received } from "../wsclient.js";

/** Sizes of one kind of frame over several samples. */
export interface FrameSizes {
  key: "counter" | "table" | "kpi";
  /** bytes: median, smallest, largest */
  median: number;
  min: number;
  max: number;
  samples: number;
  /** a frame of median size, verbatim */
  example: string;
  /** the event frame the client sent for it, verbatim (none for the push) */
  sent?: string;
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

function summarize(key: FrameSizes["key"], frames: string[], sent?: string): FrameSizes {
  const sizes = sorted(frames.map(utf8));
  const med = percentile(sizes, 50);
  return {
    key,
    median: med,
    min: sizes[0]!,
    max: sizes[sizes.length - 1]!,
    samples: frames.length,
    example: frames.find((f) => utf8(f) === med)!,
    ...(sent ? { sent } : {}),
  };
}

function apply(v: OpenView, r: Received, what: string): void {
  if (r.frame[0] === "!") throw new Error(`${what}: error frame ${r.text}`);
  if (!track(v, r)) throw new Error(`${what}: the frame carries no update: ${r.text}`);
}

async function counter(base: string): Promise<FrameSizes> {
  const v = await openView(base, "/counter");
  const count = () => Number(/id="count">(-?\d+)</.exec(v.html)?.[1]);
  const start = count();
  const frames: string[] = [];
  for (let i = 1; i <= 100; i++) {
    const r = await v.sock.request(v.ref, "inc", {});
    apply(v, r, "counter inc");
    if (count() !== start + i) throw new Error(`counter: expected ${start + i} after ${i} increments, the HTML says ${count()}`);
    frames.push(r.text);
  }
  await v.sock.close();
  return summarize("counter", frames, JSON.stringify(["e", 1, 1, "inc", {}]));
}

async function table(base: string): Promise<FrameSizes> {
  const v = await openView(base, "/table");
  const stock = (id: number) => Number(new RegExp(`<tr id="row-${id}">(?:<td>[^<]*</td>){2}<td class="num stock">(\\d+)</td>`).exec(v.html)?.[1]);
  const frames: string[] = [];
  for (let id = 1; id <= 50; id++) {
    const before = stock(id);
    // lv-value-id="7" reaches the server as a string, as the browser runtime sends it
    const r = await v.sock.request(v.ref, "restock", { id: String(id) });
    apply(v, r, `restock ${id}`);
    if (stock(id) !== before + 1) throw new Error(`table: row ${id} should show ${before + 1}, the HTML says ${stock(id)}`);
    frames.push(r.text);
  }
  await v.sock.close();
  return summarize("table", frames, JSON.stringify(["e", 1, 1, "restock", { id: "25" }]));
}

async function kpi(server: ServerHandle): Promise<FrameSizes> {
  const v = await openView(server.base, "/kpi");
  const count = () => Number(/id="orders-today">(\d+)</.exec(v.html)?.[1]);
  const start = count();
  const frames: string[] = [];
  for (let i = 1; i <= 20; i++) {
    const got = v.sock.next((f) => (f[0] === "d" || f[0] === "r" || f[0] === "!") && f[1] === v.ref, "KPI push");
    await server.publish("orders", { type: "order.created", id: 1_000_000 + i, totalCents: 4200 });
    const r = await got;
    apply(v, r, "KPI push");
    if (count() !== start + i) throw new Error(`kpi: expected ${start + i} after ${i} pushes, the HTML says ${count()}`);
    frames.push(r.text);
  }
  await v.sock.close();
  return summarize("kpi", frames);
}

/** Measures the three frames against a running server. */
export async function frameSizes(server: ServerHandle): Promise<FrameSizes[]> {
  return [await counter(server.base), await table(server.base), await kpi(server)];
}
