CREATE TABLE `weft_api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `weft_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `weft_api_tokens_token_hash_unique` ON `weft_api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `weft_api_tokens_user` ON `weft_api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `weft_audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer,
	`action` text NOT NULL,
	`model` text NOT NULL,
	`object_id` text NOT NULL,
	`object_repr` text DEFAULT '' NOT NULL,
	`changes` text DEFAULT '{}' NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `weft_users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `weft_audit_log_object` ON `weft_audit_log` (`model`,`object_id`);--> statement-breakpoint
CREATE INDEX `weft_audit_log_user_at` ON `weft_audit_log` (`user_id`,`at`);--> statement-breakpoint
CREATE TABLE `weft_group_permissions` (
	`group_id` integer NOT NULL,
	`permission` text NOT NULL,
	PRIMARY KEY(`group_id`, `permission`),
	FOREIGN KEY (`group_id`) REFERENCES `weft_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `weft_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `weft_groups_name_unique` ON `weft_groups` (`name`);--> statement-breakpoint
CREATE TABLE `weft_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `weft_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `weft_sessions_expires` ON `weft_sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `weft_sessions_user` ON `weft_sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `weft_user_groups` (
	`user_id` integer NOT NULL,
	`group_id` integer NOT NULL,
	PRIMARY KEY(`user_id`, `group_id`),
	FOREIGN KEY (`user_id`) REFERENCES `weft_users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `weft_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `weft_user_groups_group` ON `weft_user_groups` (`group_id`);--> statement-breakpoint
CREATE TABLE `weft_user_permissions` (
	`user_id` integer NOT NULL,
	`permission` text NOT NULL,
	PRIMARY KEY(`user_id`, `permission`),
	FOREIGN KEY (`user_id`) REFERENCES `weft_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `weft_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`password_hash` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`is_staff` integer DEFAULT false NOT NULL,
	`is_superuser` integer DEFAULT false NOT NULL,
	`last_login_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `weft_users_username_unique` ON `weft_users` (`username`);