import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";
import { AdminSite } from "file:///work/wt-queue/packages/admin/dist/index.js";
const things = sqliteTable("things", { id: integer("id").primaryKey() });
export default {
  db: "shop.db",
  site() {
    const sqlite = new Database(":memory:");
    sqlite.exec("create table things (id integer primary key)");
    const site = new AdminSite({ db: drizzle(sqlite), sqlite });
    site.register(things, { app: "shop", changeListWidgets: [42] });
    return site;
  },
  seed(argv, io) {
    io.stdout.write("seeded " + JSON.stringify(argv) + "\n");
    return argv.includes("--fail") ? 1 : 0;
  },
  seedUsage: "seed options: --fail",
};
