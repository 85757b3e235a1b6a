/**
 * Trigram search indexes over the text columns a ModelAdmin searches (`searchIndex: "trigram"`),
 * created by {@link migrateSearchIndexes} (which `weft migrate` runs for the config's site):
 *
 * - SQLite: one FTS5 table per column with the `trigram` tokenizer, as external content of the
 *   table (`content=`, so the text is not stored twice), kept in sync by three triggers (after
 *   insert, delete, and update of the column or key) and filled once with FTS5's `rebuild`.
 * - PostgreSQL: the `pg_trgm` extension and a GIN index (`gin_trgm_ops`) on the column, which
 *   serves `ILIKE '%word%'` directly.
 *
 * Both are named {@link trigramIndexName}. Idempotent: existing indexes are kept (an SQLite one
 * missing a trigger gets its triggers back and is rebuilt).
 */
import type Database from "better-sqlite3";
import { adminError } from "../errors.js";
import { trigramIndexName, type TrigramIndexSpec } from "../query/search-index.js";

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The SQL of one SQLite trigram index: the FTS5 table and its three triggers. */
function sqliteDdl(spec: TrigramIndexSpec): { table: string; triggers: string[] } {
  const fts = trigramIndexName(spec);
  const [t, c, k] = [q(spec.table), q(spec.column), q(spec.key)];
  const add = `INSERT INTO ${q(fts)}(rowid, ${c}) VALUES (new.${k}, new.${c});`;
  const remove = `INSERT INTO ${q(fts)}(${q(fts)}, rowid, ${c}) VALUES ('delete', old.${k}, old.${c});`;
  return {
    table: `CREATE VIRTUAL TABLE ${q(fts)} USING fts5(${c}, content=${q(spec.table)}, content_rowid=${q(spec.key)}, tokenize='trigram')`,
    triggers: [
      `CREATE TRIGGER IF NOT EXISTS ${q(`${fts}_ai`)} AFTER INSERT ON ${t} BEGIN ${add} END`,
      `CREATE TRIGGER IF NOT EXISTS ${q(`${fts}_ad`)} AFTER DELETE ON ${t} BEGIN ${remove} END`,
      `CREATE TRIGGER IF NOT EXISTS ${q(`${fts}_au`)} AFTER UPDATE OF ${c}, ${k} ON ${t} WHEN old.${c} IS NOT new.${c} OR old.${k} IS NOT new.${k} BEGIN ${remove} ${add} END`,
    ],
  };
}

/**
 * Creates the SQLite trigram indexes that are missing (one `BEGIN IMMEDIATE` transaction each).
 *
 * @param client - the better-sqlite3 connection
 * @param specs - the columns to index
 * @returns the names of the indexes created or rebuilt now
 * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when a table or column does not exist or the
 *   SQLite build lacks FTS5 (cause attached)
 */
export function migrateSearchIndexesSqlite(client: Database.Database, specs: readonly TrigramIndexSpec[]): string[] {
  const created: string[] = [];
  const exists = client.prepare("select name from sqlite_master where name = ?").pluck();
  for (const spec of dedupe(specs)) {
    const name = trigramIndexName(spec);
    const ddl = sqliteDdl(spec);
    const complete = () => exists.get(name) !== undefined && ["ai", "ad", "au"].every((s) => exists.get(`${name}_${s}`) !== undefined);
    // read first: processes starting together take the write lock only when something is missing
    if (complete()) continue;
    try {
      client.transaction(() => {
        if (complete()) return;
        const hasTable = exists.get(name) !== undefined;
        if (!hasTable) client.exec(ddl.table);
        for (const t of ddl.triggers) client.exec(t);
        client.prepare(`INSERT INTO ${q(name)}(${q(name)}) VALUES ('rebuild')`).run();
        created.push(name);
      }).immediate();
    } catch (err) {
      throw adminError("WEFT_ADMIN_ERR_MIGRATE", `weft migrate: creating the trigram index ${name} on ${spec.table}.${spec.column} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return created;
}

interface PgQueryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

/**
 * Creates the PostgreSQL trigram indexes that are missing, and the `pg_trgm` extension first
 * when any is (which needs a role that may create it; PostgreSQL ships it in contrib).
 *
 * @param client - one connection, holding the admin's migration lock (each index is built in a
 *   transaction of its own, without the connection's `statement_timeout`)
 * @param specs - the columns to index
 * @returns the names of the indexes created now
 * @throws WeftAdminError `WEFT_ADMIN_ERR_MIGRATE` when the extension or an index cannot be created (cause attached)
 */
export async function migrateSearchIndexesPg(client: PgQueryable, specs: readonly TrigramIndexSpec[]): Promise<string[]> {
  const created: string[] = [];
  for (const spec of dedupe(specs)) {
    const name = trigramIndexName(spec);
    const qualified = spec.schema ? `${q(spec.schema)}.${q(spec.table)}` : q(spec.table);
    const { rows } = await client.query(`select to_regclass($1) is not null as present`, [spec.schema ? `${q(spec.schema)}.${q(name)}` : q(name)]);
    if (rows[0]?.present) continue;
    try {
      await client.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
      // building a GIN index over a large table takes longer than an admin statement's budget
      // (a pool's `statement_timeout`): none for this transaction alone
      await client.query("BEGIN");
      try {
        await client.query("SET LOCAL statement_timeout = 0");
        await client.query(`CREATE INDEX IF NOT EXISTS ${q(name)} ON ${qualified} USING gin (${q(spec.column)} gin_trgm_ops)`);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      }
    } catch (err) {
      throw adminError("WEFT_ADMIN_ERR_MIGRATE", `weft migrate: creating the trigram index ${name} on ${spec.table}.${spec.column} failed: ${(err as Error).message}`, { cause: err });
    }
    created.push(name);
  }
  return created;
}

function dedupe(specs: readonly TrigramIndexSpec[]): TrigramIndexSpec[] {
  const seen = new Map<string, TrigramIndexSpec>();
  for (const s of specs) seen.set(`${s.schema ?? ""}.${s.table}.${s.column}`, s);
  return [...seen.values()];
}
