/**
 * The demo's planner statistics on SQLite: `orders_customer_id_idx (customer_id, created_at)` is
 * never used as a skip-scan. With ~80 orders per customer (4,000,000 orders) `sqlite_stat1` made
 * SQLite skip-scan that index over its 50,000 customer ids for a date range (the capped search's
 * date bar: ~50 ms a year) instead of reading `orders_created_at_idx` (~0.5 ms). `noskipscan` in an
 * index's `sqlite_stat1` row is SQLite's documented switch for that; `ANALYZE` rewrites the row, so
 * this runs after every `ANALYZE` the demo runs (the seed; migration 0002 says the same in SQL).
 */
import type Database from "better-sqlite3";

/** The statement: marks the index's statistics `noskipscan` (once) and makes the planner reload them. */
export const NO_SKIP_SCAN_SQL =
  "UPDATE sqlite_stat1 SET stat = stat || ' noskipscan' WHERE tbl = 'orders' AND idx = 'orders_customer_id_idx' AND stat NOT LIKE '%noskipscan%'; ANALYZE sqlite_schema;";

/** Applies {@link NO_SKIP_SCAN_SQL} on `sqlite` (after an `ANALYZE`; a no-op when the row is absent). */
export function pinOrderPlans(sqlite: Database.Database): void {
  sqlite.exec(NO_SKIP_SCAN_SQL);
}
