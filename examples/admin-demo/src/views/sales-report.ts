import { LiveView, on, type Params } from "@weft/server";
import { z } from "zod";
import { ORDERS_TOPIC, type DemoContext } from "../context.js";
import { ORDER_STATUSES } from "../db/schema.js";
import { defaultFilter, parseFilter, salesByDay, type SalesFilter } from "../db/sales-report.js";

const euro = new Intl.NumberFormat("en-IE", { style: "currency", currency: "EUR" });
const whole = new Intl.NumberFormat("en-IE");
const REFRESH = Object.freeze({ type: "report.refresh" });
/** the report re-reads at most once per this many ms, however many orders arrive */
const REFRESH_MS = 250;
/** the chart's size in SVG units */
const W = 720;
const H = 220;

/** A bar of the chart. */
interface Bar {
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
  title: string;
}

/** What sales-report.eta gets. */
export interface SalesReportAssigns {
  filter: SalesFilter;
  statuses: readonly string[];
  error: string | null;
  bars: Bar[];
  /** axis labels: first, middle and last day */
  ticks: Array<{ x: number; anchor: string; label: string }>;
  width: number;
  height: number;
  totalOrders: string;
  totalRevenue: string;
  peak: string;
}

/**
 * The demo's own admin page (`site.page("reports/sales/", …)`): revenue per day as inline SVG
 * bars drawn on the server (no chart library in the browser), filtered by a date range and a
 * status kept in the URL (`?from=&to=&status=`), and live: every order written (the simulator,
 * an admin save) is published on the `orders` topic, and the report re-reads (throttled).
 */
export class SalesReport extends LiveView<SalesReportAssigns, DemoContext> {
  static template = "sales-report.eta";
  private refreshPending = false;
  private fallback?: SalesFilter;

  async mount(): Promise<SalesReportAssigns> {
    this.subscribe(ORDERS_TOPIC);
    this.fallback = await defaultFilter(this.ctx.db);
    return this.compute(this.fallback, null);
  }

  async handleParams(params: Params): Promise<void> {
    const f = parseFilter(params, this.fallback!);
    if (typeof f === "string") this.assign({ error: f });
    else this.assign(await this.compute(f, null));
  }

  events = {
    // the form's values go to the URL, so reload and back keep the report
    filter: on(z.object({ from: z.string().max(20).optional(), to: z.string().max(20).optional(), status: z.string().max(20).optional() }), (p) => {
      const f = parseFilter(p, this.fallback!);
      if (typeof f === "string") return this.assign({ error: f });
      const q = new URLSearchParams({ from: f.from, to: f.to, ...(f.status ? { status: f.status } : {}) });
      this.pushPatch(`?${q}`, { replace: true });
    }),
  };

  async handleInfo(msg: unknown): Promise<void> {
    if (msg === REFRESH) {
      this.refreshPending = false;
      this.assign(await this.compute(this.assigns.filter, this.assigns.error));
    } else if (!this.refreshPending) {
      this.refreshPending = true;
      this.sendInfo(REFRESH, REFRESH_MS);
    }
  }

  private async compute(filter: SalesFilter, error: string | null): Promise<SalesReportAssigns> {
    const days = await salesByDay(this.ctx.db, filter);
    const max = Math.max(1, ...days.map((d) => d.cents));
    const slot = W / days.length;
    const bars = days.map((d, i) => {
      const h = Math.round((d.cents / max) * (H - 20));
      return { x: +(i * slot + slot * 0.1).toFixed(1), y: H - h, w: +(slot * 0.8).toFixed(1), h, label: d.day, title: `${d.day}: ${euro.format(d.cents / 100)} · ${d.orders} orders` };
    });
    // the first and last labels hang inwards from the chart's edges, so they are not cut off
    const last = days.length - 1;
    const tickAt = (i: number) => ({ x: i === 0 ? 0 : i === last ? W : +(i * slot + slot / 2).toFixed(1), anchor: i === 0 ? "start" : i === last ? "end" : "middle", label: days[i]!.day.slice(5) });
    const ticks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].map(tickAt);
    const orders = days.reduce((n, d) => n + d.orders, 0);
    const cents = days.reduce((n, d) => n + d.cents, 0);
    return {
      filter,
      statuses: ORDER_STATUSES,
      error,
      bars,
      ticks,
      width: W,
      height: H,
      totalOrders: whole.format(orders),
      totalRevenue: euro.format(cents / 100),
      peak: euro.format(Math.max(0, ...days.map((d) => d.cents)) / 100),
    };
  }
}
