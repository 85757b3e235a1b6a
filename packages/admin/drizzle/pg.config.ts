// drizzle-kit configuration of the admin's own tables on PostgreSQL:
// `pnpm --filter @weft/admin db:generate` writes SQL migrations for src/auth/schema-pg.ts into
// drizzle/pg/, which `migrateAdmin` (src/migrate/) applies. Never edit an applied migration.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/auth/schema-pg.ts",
  out: "./drizzle/pg",
});
