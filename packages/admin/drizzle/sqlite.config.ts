// drizzle-kit configuration of the admin's own tables on SQLite:
// `pnpm --filter @weft/admin db:generate` writes SQL migrations for src/auth/schema.ts into
// drizzle/sqlite/, which `migrateAdmin` (src/migrate/) applies. Never edit an applied migration.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/auth/schema.ts",
  out: "./drizzle/sqlite",
});
