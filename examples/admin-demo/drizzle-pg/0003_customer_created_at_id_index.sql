DROP INDEX "orders_customer_id_idx";--> statement-breakpoint
CREATE INDEX "orders_customer_id_idx" ON "orders" USING btree ("customer_id","created_at","id");