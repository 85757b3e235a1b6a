/**
 * `pnpm bench:components`: what a parent event costs on the server with 50 LiveComponents of
 * which one changed, against the same page rendered without components (one template looping
 * over the 50 rows), and against 50 components that all changed.
 *
 * Each variant is a real view driven by `mountLive` (the runtime the socket uses: the event
 * queue, the render, the delta against the last HTML sent, the reply frame); the socket's
 * JSON write is left out, the same for every variant. The event replaces one row's item (a new
 * object), so only that row's props change. Figures: CPU time of this process per event
 * (`process.cpuUsage`, user + system), template renders per event (Eta calls: the parent's
 * and the components'), and the reply frame's size. Printed, never asserted.
 *
 * node bench/dist/components.js [--no-write]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LiveComponent, LiveView, type Payload } from "@weft/server";
import { mountLive, type LiveTest } from "@weft/server/testing";
import { writeSection } from "./doc.js";
import { int } from "./stats.js";

const write = !process.argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const ROWS = 50;
const WARMUP = 500;
const EVENTS = 5_000;

const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-components-"));
const ROW = `<td><%= it.item.name %></td><td><%= it.item.sku %></td><td><%= it.item.qty %></td><td><%= (it.item.price / 100).toFixed(2) %></td><td><% if (it.item.qty > 5) { %><span class="ok">in stock</span><% } else { %><span class="low">low</span><% } %></td>`;
// the same row with its money and date formatted as a real change list does (Intl, per render)
const HEAVY = ROW.replace("<%= (it.item.price / 100).toFixed(2) %>", '<%= (it.item.price / 100).toLocaleString("en-US", { style: "currency", currency: "EUR" }) %></td><td><%= new Date(1.7e12 + it.item.price * 864e5).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" }) %>');
writeFileSync(join(tmp, "row-heavy.eta"), `<tr id="row-<%= it.myself %>">${HEAVY}<td><button lv-click="bump" lv-target="<%= it.myself %>">+</button></td></tr>`);
writeFileSync(join(tmp, "with-heavy.eta"), `<h1>Stock <%= it.n %></h1><table><% for (const item of it.items) { %><%~ it.component("Row", { id: item.id, item }) %><% } %></table>`);
writeFileSync(join(tmp, "inline-heavy.eta"), `<h1>Stock <%= it.n %></h1><table><% for (const item of it.items) { %><tr id="row-<%= item.id %>">${HEAVY.replaceAll("it.item", "item")}<td><button lv-click="bump" lv-value-id="<%= item.id %>">+</button></td></tr><% } %></table>`);
writeFileSync(join(tmp, "row.eta"), `<tr id="row-<%= it.myself %>">${ROW}<td><button lv-click="bump" lv-target="<%= it.myself %>">+</button></td></tr>`);
writeFileSync(join(tmp, "with.eta"), `<h1>Stock <%= it.n %></h1><table><% for (const item of it.items) { %><%~ it.component("Row", { id: item.id, item }) %><% } %></table>`);
writeFileSync(join(tmp, "inline.eta"), `<h1>Stock <%= it.n %></h1><table><% for (const item of it.items) { %><tr id="row-<%= item.id %>">${ROW.replaceAll("it.item", "item")}<td><button lv-click="bump" lv-value-id="<%= item.id %>">+</button></td></tr><% } %></table>`);

interface Item {
  id: string;
  name: string;
  sku: string;
  qty: number;
  price: number;
}
const items = (): Item[] => Array.from({ length: ROWS }, (_, i) => ({ id: `i${i}`, name: `Item number ${i}`, sku: `SKU-${1000 + i}`, qty: i % 9, price: 1999 + i }));

class Row extends LiveComponent<{ id: string; item: Item }> {
  static template = "row.eta";
}

/** The event every variant gets: `set` replaces row `i`'s item (qty + 1); `all` replaces every item. */
abstract class Stock extends LiveView<{ items: Item[]; n: number }> {
  mount() {
    return { items: items(), n: 0 };
  }
  events = {
    set: (p: Payload) => {
      const i = Number(p.i);
      this.assign({ items: this.assigns.items.map((it, j) => (j === i ? { ...it, qty: it.qty + 1 } : it)) });
    },
    all: () => this.assign({ items: this.assigns.items.map((it) => ({ ...it, qty: it.qty + 1 })) }),
  };
}
class WithComponents extends Stock {
  static template = "with.eta";
  static components = { Row };
}
class Inline extends Stock {
  static template = "inline.eta";
}
class HeavyRow extends LiveComponent<{ id: string; item: Item }> {
  static template = "row-heavy.eta";
}
class WithComponentsHeavy extends Stock {
  static template = "with-heavy.eta";
  static components = { Row: HeavyRow };
}
class InlineHeavy extends Stock {
  static template = "inline-heavy.eta";
}

interface Figure {
  name: string;
  cpuUs: number;
  renders: number;
  replyBytes: number;
}

async function measure(name: string, lv: LiveTest, event: string, components: boolean): Promise<Figure> {
  const renders = () => (components ? (lv.runtime.components?.renders ?? 0) : 0);
  for (let k = 0; k < WARMUP; k++) await lv.event(event, { i: k % ROWS });
  const r0 = renders();
  const f0 = lv.frames.length;
  const c0 = process.cpuUsage();
  for (let k = 0; k < EVENTS; k++) await lv.event(event, { i: k % ROWS });
  const c = process.cpuUsage(c0);
  const replies = lv.frames.slice(f0);
  return {
    name,
    cpuUs: (c.user + c.system) / EVENTS,
    // the parent's template renders once per event; the components' on top
    renders: 1 + (renders() - r0) / EVENTS,
    replyBytes: replies.reduce((n, f) => n + Buffer.byteLength(f), 0) / replies.length,
  };
}

async function main(): Promise<void> {
  const opts = { views: tmp };
  const figures = [
    await measure("50 components, 1 changed", await mountLive(WithComponents, opts), "set", true),
    await measure("no components (one template, 50 rows)", await mountLive(Inline, opts), "set", false),
    await measure("50 components, all 50 changed", await mountLive(WithComponents, opts), "all", true),
    await measure("no components, all 50 rows changed", await mountLive(Inline, opts), "all", false),
    await measure("formatted rows: 50 components, 1 changed", await mountLive(WithComponentsHeavy, opts), "set", true),
    await measure("formatted rows: no components", await mountLive(InlineHeavy, opts), "set", false),
  ];
  const rows = figures.map((f) => `| ${f.name} | ${f.cpuUs.toFixed(1)} µs | ${f.renders.toFixed(2)} | ${int(f.replyBytes)} B |`);
  const md = [
    "## LiveComponents (`pnpm bench:components`)",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version}, ${os.cpus()[0]?.model.trim() ?? "?"} × ${os.cpus().length}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(" / ")}. Figures are printed, never asserted.`,
    "",
    `A parent view with ${ROWS} rows, driven by \`mountLive\` (the socket's runtime: event queue, render, delta, reply frame; not the socket's write). Each event replaces one row's item (or all ${ROWS}); ${int(WARMUP)} warm-up events, then ${int(EVENTS)} measured. CPU is this process's user + system time per event.`,
    "",
    "| variant | CPU per event | template renders per event | reply frame |",
    "|---|---:|---:|---:|",
    ...rows,
    "",
    "The *formatted rows* variants format each row's price and a date with `Intl` (`toLocaleString`), as a change list does; the others format with `toFixed` only.",
    "",
    `With components, an event that changes one row renders the parent's template and that one component's; the other ${ROWS - 1} reuse their last HTML (no \`update\`, no render). The parent's template still loops over the rows and calls the helper for each (a props comparison per row), and the delta is computed over the whole view's HTML, as without components. So with rows as cheap as the plain ones, that per-row bookkeeping costs more than re-rendering the row inline; components pay off once a row's template costs more than the comparison, as the formatted rows show.`,
  ].join("\n");
  process.stdout.write(`${md}\n`);
  if (write) {
    writeSection(join(REPO, "docs", "benchmarks.md"), "components", md);
    process.stdout.write("wrote docs/benchmarks.md (components section)\n");
  }
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
