/**
 * One dashboard card as a nested LiveView: it shows a widget's data and re-runs `getData`
 * when the widget's topics are published (throttled) or its refresh interval ticks.
 */
import type { Params, Session } from "@weft/server";
import { staffUser, AdminView } from "../shell/base.js";
import type { DashboardSite } from "./dashboard-site.js";
import { formatHeadline, type RegisteredWidget } from "./widget.js";
import type { WidgetData } from "../model/dashboard-widget.js";
import { readChartExtras } from "./extras.js";
import { barChart, sparkline, topList, trendBadge } from "./charts.js";

/** What the tile template gets. */
export interface TileAssigns {
  key: string;
  title: string;
  /** trusted SVG markup or "" */
  icon: string;
  url: string | null;
  /** false: getData failed; the card says "unavailable" */
  ok: boolean;
  headline: string;
  /** "", "m", "l" or "xl": longer headlines get a smaller type, so they fit a phone's card */
  size: string;
  detail: string;
  status: string | null;
  /** drawn trend badge markup ("▲ 12% vs yesterday"), or "" */
  trend: string;
  /** drawn sparkline and/or bar chart markup, or "" */
  chart: string;
  /** drawn top-N list markup, or "" */
  top: string;
  /** the card is a `<div>` whose title is the link (its top-N rows have links of their own: links do not nest) */
  titleLink: boolean;
  /** what `getData` returned (for a widget's own template), or null when it failed */
  data: WidgetData | null;
}

type Loaded = Pick<TileAssigns, "ok" | "headline" | "size" | "detail" | "status" | "trend" | "chart" | "top" | "titleLink" | "data">;

/** What a card reads when its data's statement outlived the site's query budget (the next refresh tries again). */
export const TILE_TOO_SLOW = "Took too long to load";

/** Timer messages, told apart from topic messages by identity (topic messages are JSON). */
const REFRESH = Object.freeze({ dashboard: "refresh" });
const POLL = Object.freeze({ dashboard: "poll" });

/**
 * A live dashboard card (rendered by the dashboard pages with
 * `it.liveRender(tileView, { key, widget })`; the props travel signed in its token).
 *
 * - `authorize` (HTTP render AND every join): a staff session whose user may see the widget;
 *   a crafted join for a widget the user lacks permissions for is refused.
 * - Connected, it subscribes to the widget's `topics`. Any message schedules a refresh: at
 *   most one `getData` per `site.dashboard.throttleMs` (250 ms); a burst of messages inside
 *   that window costs one more `getData` at its end, never one per message.
 * - With `refreshMs`, it also re-runs `getData` on that interval.
 * - A failing `getData` shows "unavailable" (the stack goes to the server log); the card
 *   recovers on the next successful run.
 * - Chart extras (`series`, `bars`, `trend`, `top`) are drawn here, on the server, as inline
 *   SVG/HTML (charts.ts), and pushed like the headline: only the changed characters travel.
 * - A widget with its own `template` renders through a subclass made by
 *   {@link DashboardRegistry.tileViewFor}.
 * - A `shared` widget's tiles on this worker share one in-flight `getData` run (see
 *   {@link DashboardRegistry.tileData}).
 */
export class DashboardTile extends AdminView<TileAssigns, DashboardSite> {
  static template = new URL("../../src/dashboard/widget-tile.eta", import.meta.url);
  /** set by the registry that binds the tile (read by {@link authorize}) */
  declare static site: DashboardSite;

  /**
   * @param session - the page's session
   * @param _ctx - the view context (unused)
   * @param params - the props: `widget` is the widget's key
   * @returns whether the session's staff user may see that widget
   */
  static authorize(session: Session, _ctx?: unknown, params?: Params): boolean {
    return this.site.dashboard.allows(staffUser(session), String(params?.widget ?? ""));
  }

  private widget!: RegisteredWidget;
  private lastRun = 0;
  private pending = false;

  async mount(params: Params): Promise<TileAssigns> {
    const w = this.site.dashboard.get(String(params.widget ?? ""))!;
    this.widget = w;
    if (this.ctx.connected) {
      for (const topic of w.topics) this.subscribe(topic);
      if (w.refreshMs) this.sendInfo(POLL, w.refreshMs);
    }
    const base = { key: w.key, title: w.title, icon: w.icon, url: w.url };
    return { ...base, ...(await this.load()) };
  }

  async handleInfo(msg: unknown): Promise<void> {
    if (msg === POLL) {
      this.sendInfo(POLL, this.widget.refreshMs!);
      return this.request();
    }
    if (msg === REFRESH) {
      this.pending = false;
      return this.refresh();
    }
    // a message on one of the widget's topics: its content does not matter, the data is re-read
    return this.request();
  }

  /** A refresh now, or at the end of the throttle window (once, however many ask). */
  private async request(): Promise<void> {
    if (this.pending) return;
    const wait = this.lastRun + this.site.dashboard.throttleMs - Date.now();
    if (wait <= 0) return this.refresh();
    this.pending = true;
    this.sendInfo(REFRESH, wait);
  }

  private async refresh(): Promise<void> {
    this.assign(await this.load());
  }

  private async load(): Promise<Loaded> {
    this.lastRun = Date.now();
    const result = await this.site.dashboard.tileData(this.widget, this.user);
    this.lastRun = Date.now();
    if (!result.ok) return { ok: false, headline: "—", size: "", detail: result.slow ? TILE_TOO_SLOW : "Unavailable right now", status: null, trend: "", chart: "", top: "", titleLink: false, data: null };
    const data: WidgetData = result.data;
    const headline = formatHeadline(data.headline);
    const title = this.widget.title;
    // checked already by the registry (checkWidgetData): this only picks them out
    const x = readChartExtras(data);
    const chart = (x.series ? sparkline(x.series, x.seriesLabel ?? title) : "") + (x.bars ? barChart(x.bars, title) : "");
    const titleLink = !!this.widget.url && !!x.top?.some((t) => t.url);
    return { ok: true, headline, size: headlineSize(headline), detail: data.detail ?? "", status: data.status ?? null, trend: x.trend ? trendBadge(x.trend) : "", chart, top: x.top ? topList(x.top, title) : "", titleLink, data };
  }
}

/** The type size class of a headline by its length (CSS sizes each class relative to the card's width). */
function headlineSize(h: string): string {
  const n = [...h].length;
  return n <= 7 ? "" : n <= 10 ? "m" : n <= 13 ? "l" : "xl";
}
