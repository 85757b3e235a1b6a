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

/** The first 50 rows every table view starts with (deterministic, so benchmarks compare). */
export function initialRows(): TableRow[] {
  return Array.from({ length: 50 }, (_, i) => ({
    id: i + 1,
    sku: `SKU-${String(1000 + i)}`,
    name: `Product ${i + 1}`,
    stock: (i * 37) % 100,
    priceCents: 500 + ((i * 7919) % 10_000),
  }));
}

/** A 50-row table where a button changes one cell: the delta carries just that cell. */
export class StockTable extends LiveView<{ rows: TableRow[] }> {
  static template = "table.eta";
  static title = "Stock table";

  mount() {
    return { rows: initialRows() };
  }

  events = {
    restock: on(z.object({ id: z.coerce.number().int().min(1).max(50) }), ({ id }) => {
      this.assign({ rows: this.assigns.rows.map((r) => (r.id === id ? { ...r, stock: r.stock + 1 } : r)) });
    }),
  };
}
