/**
 * The bench app's three views written for LiveViewJS 0.8.1, with the same HTML as Weft's
 * templates (examples/admin-demo/templates: counter.eta, table.eta, orders-today.eta) and the
 * same events (`inc` / `dec`, `restock` with `{ id: "7" }`) and push (`order.created` on
 * "orders"), so both servers render, diff and send the same page.
 *
 * `onMount` / `onShutdown` count the connected views (the bench's `views` request).
 */
import { createLiveView, html, type LiveView } from "liveviewjs";

/** Connected views (mounted on a WebSocket and not shut down yet). */
export const connected = { views: 0 };

interface Row {
  id: number;
  sku: string;
  name: string;
  stock: number;
  priceCents: number;
}

/** The 50 rows of Weft's StockTable (examples/admin-demo/src/views/table.ts), same formula. */
const ROWS: Row[] = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1,
  sku: `SKU-${String(1000 + i)}`,
  name: `Product ${i + 1}`,
  stock: (i * 37) % 100,
  priceCents: 500 + ((i * 7919) % 10_000),
}));

const track = (socket: { connected: boolean }) => {
  if (socket.connected) connected.views++;
};
const shutdown = () => {
  connected.views--;
};

export const counter = createLiveView<{ count: number }, { type: "inc" } | { type: "dec" }>({
  mount: (socket) => {
    track(socket);
    socket.assign({ count: 0 });
  },
  handleEvent: (event, socket) => {
    socket.assign({ count: socket.context.count + (event.type === "inc" ? 1 : -1) });
  },
  shutdown,
  render: (ctx) => html`<section class="card counter">
  <h2>Counter</h2>
  <p class="big" id="count">${ctx.count}</p>
  <button type="button" phx-click="dec" aria-label="decrement">−</button>
  <button type="button" phx-click="inc" aria-label="increment">+</button>
</section>`,
});

export const table = createLiveView<{ rows: Row[] }, { type: "restock"; id: string }>({
  mount: (socket) => {
    track(socket);
    socket.assign({ rows: ROWS });
  },
  handleEvent: (event, socket) => {
    const id = Number(event.id);
    if (!Number.isInteger(id) || id < 1 || id > 50) return;
    socket.assign({ rows: socket.context.rows.map((r) => (r.id === id ? { ...r, stock: r.stock + 1 } : r)) });
  },
  shutdown,
  render: (ctx) => html`<section class="card">
  <h2>Stock</h2>
  <table class="rows" id="stock">
    <thead><tr><th>SKU</th><th>Product</th><th class="num">Stock</th><th class="num">Price</th><th></th></tr></thead>
    <tbody>
${ctx.rows.map(
  (r) => html`      <tr id="row-${r.id}"><td>${r.sku}</td><td>${r.name}</td><td class="num stock">${r.stock}</td><td class="num">${(r.priceCents / 100).toFixed(2)}</td><td><button type="button" phx-click="restock" phx-value-id="${r.id}">+1</button></td></tr>
`,
)}    </tbody>
  </table>
</section>`,
});

/** The KPI tile: `initial` is today's order count, read once from the demo database. */
export function kpi(initial: () => number | Promise<number>): LiveView {
  return createLiveView<{ count: number }, never, { type: "order.created" }>({
    mount: async (socket) => {
      track(socket);
      if (socket.connected) await socket.subscribe("orders");
      socket.assign({ count: await initial() });
    },
    handleInfo: (info, socket) => {
      if (info.type === "order.created") socket.assign({ count: socket.context.count + 1 });
    },
    shutdown,
    render: (ctx) =>
      html`<div class="kpi"><span class="kpi-label">Orders today</span><strong class="kpi-value" id="orders-today">${ctx.count}</strong></div>`,
  }) as LiveView;
}
