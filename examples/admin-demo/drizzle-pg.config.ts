// drizzle-kit configuration for PostgreSQL: `pnpm exec drizzle-kit generate --config
// drizzle-pg.config.ts` writes SQL migrations for src/db/schema-pg.ts into drizzle-pg/, which
// src/db/open.ts applies at start-up when DATABASE_URL is a postgres:// URL.
import Module from "node:module";
import { defineConfig } from "drizzle-kit";

// drizzle-kit loads the schema with require(), which does not map the ESM-style "./schema.js"
// import of schema-pg.ts to schema.ts: look for the .ts file when a .js one is missing
// (Module._findPath, which drizzle-kit's own resolver hooks leave in place)
const loader = Module as unknown as { _findPath(request: string, ...rest: unknown[]): string | false };
const findPath = loader._findPath;
loader._findPath = function (request, ...rest) {
  const found = findPath.call(this, request, ...rest);
  return found || !request.endsWith(".js") ? found : findPath.call(this, `${request.slice(0, -3)}.ts`, ...rest);
};

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema-pg.ts",
  out: "./drizzle-pg",
});
