import { LiveView, on } from "@weft/server";
import { z } from "zod";

/** One row of the 50-row table. */
export interface TableRow {
  id: number;
  sku: string;
  name: string;
  stock: number;
  priceCents: number;
}

/**
 * The 50 rows every table view starts with (deterministic, so benchmarks compare). Shared and
 * frozen: a view copies only the rows it changes.
 */
export const INITIAL_ROWS: readonly Readonly<TableRow>[] = Object.freeze(
  Array.from({ length: 50 }, (_, i) =>
    Object.freeze({
      id: i + 1,
      sku: `SKU-${String(1000 + i)}`,
      name: `Product ${i + 1}`,
      stock: (i * 37) % 100,
      priceCents: 500 + ((i * 7919) % 10_000),
    }),
  ),
);

/** Payload of the +1 button: `lv-value-id` (a string in the browser). Module-level: built once, not per view. */
const Restock = z.object({ id: z.coerce.number().int().min(1).max(50) });

/** A 50-row table where a button changes one cell: the delta carries just that cell. */
export class StockTable extends LiveView<{ rows: readonly Readonly<TableRow>[] }> {
  static template = "table.eta";
  static title = "Stock table";

  mount() {
    return { rows: INITIAL_ROWS };
  }

  events = {
    restock: on(Restock, ({ id }) => {
      this.assign({ rows: this.assigns.rows.map((r) => (r.id === id ? { ...r, stock: r.stock + 1 } : r)) });
    }),
  };
}
