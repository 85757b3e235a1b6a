CREATE TABLE `weft_export_chunks` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	`data` blob NOT NULL,
	PRIMARY KEY(`job_id`, `seq`)
);
