/**
 * Numeric bounds read from a table's simple CHECK constraints, so the form can say
 * "Ensure this value is greater than or equal to 0." while the user types instead of the
 * database refusing the save. Recognised: `<column> >= n`, `> n`, `<= n`, `< n` (and the
 * mirrored `n <= <column>` …), each as the whole constraint. Anything else is left to the
 * database (its failure is reported on save).
 */
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { is, SQL, StringChunk, Column } from "drizzle-orm";
import { tableInfo } from "../query/dialect/tables.js";

/** Bounds of one numeric column. */
export interface Bounds {
  min?: number;
  max?: number;
  /** `>` / `<` rather than `>=` / `<=` */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** the constraint names the bounds come from */
  constraints?: string[];
}

type Op = ">=" | ">" | "<=" | "<";
const FLIP: Record<Op, Op> = { ">=": "<=", ">": "<", "<=": ">=", "<": ">" };

/** The text of a SQL chunk list, with `\0` where a column stands. */
function flatten(sql: SQL, columns: SQLiteColumn[]): string | undefined {
  let text = "";
  for (const chunk of sql.queryChunks) {
    if (is(chunk, StringChunk)) text += chunk.value.join("");
    else if (is(chunk, Column)) {
      columns.push(chunk as SQLiteColumn);
      text += "\0";
    } else if (is(chunk, SQL)) {
      const inner = flatten(chunk, columns);
      if (inner === undefined) return undefined;
      text += inner;
    } else return undefined; // parameters, placeholders: not a simple bound
  }
  return text;
}

/**
 * `keyOf` looked up by column name as well: drizzle's PostgreSQL `getTableConfig` builds the
 * checks over copies of the columns (its "extra config" columns), not the table's own objects,
 * so an identity lookup finds nothing there (SQLite's passes the table's columns).
 */
function keysByName(keyOf: Map<SQLiteColumn, string>): (c: SQLiteColumn) => string | undefined {
  const byName = new Map([...keyOf].map(([c, k]) => [c.name, k]));
  return (c) => keyOf.get(c) ?? byName.get(c.name);
}

/**
 * The bounds per column key implied by `table`'s CHECK constraints.
 * @param keyOf - column → its key in the table
 */
export function checkBounds(table: SQLiteTable, keyOf: Map<SQLiteColumn, string>): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  const keyFor = keysByName(keyOf);
  for (const check of tableInfo(table).checks) {
    const cols: SQLiteColumn[] = [];
    const text = flatten(check.value, cols);
    if (text === undefined || cols.length !== 1) continue;
    const key = keyFor(cols[0]);
    if (!key) continue;
    const num = "(-?\\d+(?:\\.\\d+)?)";
    let m = new RegExp(`^\\s*\\(?\\s*\\0\\s*(>=|>|<=|<)\\s*${num}\\s*\\)?\\s*$`).exec(text);
    let op: Op;
    let n: number;
    if (m) {
      op = m[1] as Op;
      n = Number(m[2]);
    } else {
      m = new RegExp(`^\\s*\\(?\\s*${num}\\s*(>=|>|<=|<)\\s*\\0\\s*\\)?\\s*$`).exec(text);
      if (!m) continue;
      op = FLIP[m[2] as Op];
      n = Number(m[1]);
    }
    const b = out.get(key) ?? {};
    if (op === ">=" || op === ">") {
      if (b.min === undefined || n > b.min) Object.assign(b, { min: n, minExclusive: op === ">" });
    } else if (b.max === undefined || n < b.max) Object.assign(b, { max: n, maxExclusive: op === "<" });
    b.constraints = [...(b.constraints ?? []), check.name];
    out.set(key, b);
  }
  return out;
}

/** The names of `table`'s CHECK constraints with the column keys they mention. */
export function checkColumns(table: SQLiteTable, keyOf: Map<SQLiteColumn, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const keyFor = keysByName(keyOf);
  for (const check of tableInfo(table).checks) {
    const cols: SQLiteColumn[] = [];
    flatten(check.value, cols);
    out.set(check.name, cols.map(keyFor).filter((k): k is string => !!k));
  }
  return out;
}
