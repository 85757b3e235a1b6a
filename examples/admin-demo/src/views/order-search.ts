import { LiveView, on, type Params } from "@weft/server";
import { isQueryTimeout } from "@weft/admin/query";
import { z } from "zod";
import type { DemoContext } from "../context.js";
import { searchOrders, type OrderSearchRow } from "../db/queries.js";

const PER_PAGE = 50;
/** Payload of the search form; module-level so each view does not build its own schema. */
const Search = z.object({ q: z.string().max(100).default("") });

interface Assigns {
  q: string;
  page: number;
  pages: number;
  total: number;
  rows: OrderSearchRow[];
  /** the search outlived the read budget: nothing is shown but a hint to narrow it */
  tooSlow: boolean;
}

/**
 * Live order search over the whole orders table: typing searches (debounced `lv-change`),
 * the query and page live in the URL (`pushPatch`), so reload and back work. It reads through
 * `ctx.reads` (the admin's read pool on SQLite): anyone may open `/orders?q=a&page=10000`, and
 * on the site's own connection that held the event loop of the worker for ~1.3 s per request.
 * A search past the read budget shows "This search took too long; narrow it down."
 */
export class OrderSearch extends LiveView<Assigns, DemoContext> {
  static template = "order-search.eta";
  static title = "Order search";

  mount() {
    return { q: "", page: 1, pages: 0, total: 0, rows: [], tooSlow: false };
  }

  async handleParams(params: Params) {
    const q = (params.q ?? "").trim().slice(0, 100);
    const page = Math.max(1, Math.min(10_000, Number.parseInt(params.page ?? "1", 10) || 1));
    try {
      const { rows, total } = await searchOrders(this.ctx.reads, { q, page, perPage: PER_PAGE });
      this.assign({ q, page, rows, total, pages: Math.max(1, Math.ceil(total / PER_PAGE)), tooSlow: false });
    } catch (err) {
      if (!isQueryTimeout(err)) throw err;
      this.assign({ q, page, rows: [], total: 0, pages: 1, tooSlow: true });
    }
  }

  events = {
    search: on(Search, ({ q }) => {
      const query = q.trim() ? `?q=${encodeURIComponent(q.trim())}` : "";
      this.pushPatch(`/orders${query}`, { replace: true });
    }),
  };
}
