CREATE TABLE `weft_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`rev` integer NOT NULL,
	`owner` text NOT NULL,
	`owner_name` text NOT NULL,
	`action` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`current` integer DEFAULT 0 NOT NULL,
	`total` integer,
	`message` text DEFAULT '' NOT NULL,
	`error` text,
	`log` text DEFAULT '[]' NOT NULL,
	`selection` text,
	`result_file` text,
	`cancellable` integer DEFAULT true NOT NULL,
	`cancelled_by` text,
	`resumes` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `weft_jobs_owner_created` ON `weft_jobs` (`owner`,`created_at`);--> statement-breakpoint
CREATE INDEX `weft_jobs_created` ON `weft_jobs` (`created_at`);--> statement-breakpoint
CREATE INDEX `weft_jobs_status_finished` ON `weft_jobs` (`status`,`finished_at`);