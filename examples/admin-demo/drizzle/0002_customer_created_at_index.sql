DROP INDEX `orders_customer_id_idx`;--> statement-breakpoint
CREATE INDEX `orders_customer_id_idx` ON `orders` (`customer_id`,`created_at`);--> statement-breakpoint
-- the planner statistics of the new index (sqlite_stat1 lost its row with the old one)
ANALYZE `orders`;