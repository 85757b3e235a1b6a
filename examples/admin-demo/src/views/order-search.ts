import { LiveView, on, type Params } from "@weft/server";
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
}

/**
 * Live order search over the whole orders table: typing searches (debounced `lv-change`),
 * the query and page live in the URL (`pushPatch`), so reload and back work.
 */
export class OrderSearch extends LiveView<Assigns, DemoContext> {
  static template = "order-search.eta";
  static title = "Order search";

  mount() {
    return { q: "", page: 1, pages: 0, total: 0, rows: [] };
  }

  async handleParams(params: Params) {
    const q = (params.q ?? "").trim().slice(0, 100);
    const page = Math.max(1, Math.min(10_000, Number.parseInt(params.page ?? "1", 10) || 1));
    const { rows, total } = await searchOrders(this.ctx.db, { q, page, perPage: PER_PAGE });
    this.assign({ q, page, rows, total, pages: Math.max(1, Math.ceil(total / PER_PAGE)) });
  }

  events = {
    search: on(Search, ({ q }) => {
      const query = q.trim() ? `?q=${encodeURIComponent(q.trim())}` : "";
      this.pushPatch(`/orders${query}`, { replace: true });
    }),
  };
}
