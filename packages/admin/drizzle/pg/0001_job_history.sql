CREATE TABLE "weft_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"rev" integer NOT NULL,
	"owner" text NOT NULL,
	"owner_name" text NOT NULL,
	"action" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"current" bigint DEFAULT 0 NOT NULL,
	"total" bigint,
	"message" text DEFAULT '' NOT NULL,
	"error" text,
	"log" text DEFAULT '[]' NOT NULL,
	"selection" text,
	"result_file" text,
	"cancellable" boolean DEFAULT true NOT NULL,
	"cancelled_by" text,
	"resumes" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "weft_jobs_owner_created" ON "weft_jobs" USING btree ("owner","created_at");--> statement-breakpoint
CREATE INDEX "weft_jobs_created" ON "weft_jobs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "weft_jobs_status_finished" ON "weft_jobs" USING btree ("status","finished_at");