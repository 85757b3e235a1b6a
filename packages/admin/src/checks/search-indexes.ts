import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { CheckMessage } from "./index.js";

interface SqliteClient {
  prepare(sql: string): { get(...params: unknown[]): unknown };
}

/**
 * `weft.E004`: on SQLite, a ModelAdmin declares `searchIndex: "trigram"` but a trigram table of
 * its search fields is missing, so its searches of 3+ characters would fail ("no such table").
 * PostgreSQL is not checked: there a missing GIN index only makes `ILIKE` scan.
 *
 * @param site - the admin site (its `db`: a better-sqlite3 client is looked up, read only)
 * @returns one error per missing index and admin
 */
export function missingSearchIndexErrors(site: AdminSiteLike): CheckMessage[] {
  const client = (site.db as unknown as { $client?: Partial<SqliteClient> }).$client;
  if (typeof client?.prepare !== "function") return [];
  const exists = client.prepare("select 1 from sqlite_master where type = 'table' and name = ?");
  const out: CheckMessage[] = [];
  for (const admin of site.all() as ModelAdmin<any, any>[]) {
    const names = new Set(site.query(admin).config.searchFields.flatMap((f) => (f.index ? [f.index.name] : [])));
    for (const name of names) {
      if (exists.get(name) !== undefined) continue;
      out.push({
        id: "weft.E004",
        level: "error",
        obj: `ModelAdmin(${admin.app}.${admin.name})`,
        message: `searchIndex "trigram" needs the search index ${name}, which the database does not have.`,
        hint: "Run `weft migrate` (it builds the indexes of the config's site), or call `await site.migrateSearchIndexes()` after registering the models and before installing adminPlugin.",
      });
    }
  }
  return out;
}
