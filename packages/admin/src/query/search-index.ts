/**
 * Index-backed search, as Django admin's `search_fields` backed by a trigram index: a
 * ModelAdmin's `searchIndex: "trigram"` gives every searched text column a trigram index
 * (created by `migrateSearchIndexes` / `weft migrate`), named by {@link trigramIndexName}.
 * On SQLite a word of 3 characters or more is first looked up in the column's FTS5 `trigram`
 * table (`MATCH`), then the rows found are checked with the same `LIKE` as without the index,
 * so the results are the same; shorter words use `LIKE` alone (a trigram needs 3 characters).
 * On PostgreSQL the `ILIKE` itself is served by the `pg_trgm` GIN index.
 */
import { createHash } from "node:crypto";
import { getTableName, is } from "drizzle-orm";
import { SQLiteTable, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ResolvedSearchField } from "./resolved.js";

/** The kinds of search index a ModelAdmin can declare. */
export type SearchIndexKind = "trigram";

/** One column to index, by plain SQL names (what `migrateSearchIndexes` takes). */
export interface TrigramIndexSpec {
  /** the table's name */
  table: string;
  /** the PostgreSQL schema of the table (default: the search path's) */
  schema?: string | undefined;
  /** the text column searched */
  column: string;
  /** the table's integer primary key (SQLite: the rowid the FTS5 table follows) */
  key: string;
}

/** Words shorter than this (in characters) cannot be looked up in a trigram index. */
export const TRIGRAM_MIN_CHARS = 3;

/**
 * The index's name: `weft_trgm_<table>_<column>`, or `weft_trgm_<hash>` when that is longer than
 * PostgreSQL's 63-byte identifiers. On SQLite it is the FTS5 table; on PostgreSQL the GIN index.
 */
export function trigramIndexName(spec: Pick<TrigramIndexSpec, "table" | "column">): string {
  const plain = `weft_trgm_${spec.table}_${spec.column}`;
  return Buffer.byteLength(plain) <= 63 ? plain : `weft_trgm_${createHash("sha256").update(`${spec.table}\0${spec.column}`).digest("hex").slice(0, 16)}`;
}

/**
 * A word as one FTS5 phrase (`"…"`, inner quotes doubled): matched as a substring by the
 * trigram tokenizer, never parsed as FTS5 query syntax.
 */
export function ftsPhrase(word: string): string {
  return `"${word.replace(/"/g, '""')}"`;
}

/** Whether a word is long enough for a trigram lookup. */
export function trigramUsable(word: string): boolean {
  return [...word].length >= TRIGRAM_MIN_CHARS;
}

/**
 * The trigram index of each searched text column, for `searchIndex: "trigram"`: own columns
 * are keyed by the admin's primary key, related ones by the related table's. On SQLite the key
 * must be an integer primary key (the rowid the FTS5 table follows).
 *
 * @param fields - the resolved `searchFields`
 * @param pkOf - the primary key of a table (the admin's own for own fields), or why there is none
 * @param fail - throws the option error
 * @returns the fields with their index, and the specs `migrateSearchIndexes` creates
 */
export function withTrigramIndexes(
  fields: readonly ResolvedSearchField[],
  pkOf: (table: SQLiteTable) => { key: string; column: SQLiteColumn } | string,
  fail: (option: string, detail: string) => never,
): { fields: ResolvedSearchField[]; specs: TrigramIndexSpec[] } {
  const specs = new Map<string, TrigramIndexSpec>();
  const out = fields.map((f, i): ResolvedSearchField => {
    const column = f.field.column;
    if (column.dataType !== "string") return f;
    const table = column.table as SQLiteTable;
    const tableName = getTableName(table);
    const pk = pkOf(table);
    if (typeof pk === "string") return fail(`searchFields[${i}]`, `searchIndex "trigram" needs a primary key on ${tableName}: ${pk}`);
    if (is(table, SQLiteTable) && !(pk.column.dataType === "number" && pk.column.columnType === "SQLiteInteger")) {
      return fail(`searchFields[${i}]`, `searchIndex "trigram" on SQLite needs an integer primary key on ${tableName} (its rowid), not ${pk.key}`);
    }
    const spec: TrigramIndexSpec = { table: tableName, schema: (table as unknown as Record<symbol, string | undefined>)[Symbol.for("drizzle:Schema")], column: column.name, key: pk.column.name };
    specs.set(`${spec.table}.${spec.column}`, spec);
    return { ...f, index: { name: trigramIndexName(spec), key: pk.column } };
  });
  return { fields: out, specs: [...specs.values()] };
}
