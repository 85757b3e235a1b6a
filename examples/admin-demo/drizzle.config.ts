// drizzle-kit configuration: `pnpm exec drizzle-kit generate` writes SQL migrations for
// src/db/schema.ts into drizzle/, which src/db/open.ts applies at start-up.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
