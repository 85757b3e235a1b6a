/**
 * The statements that read a change list's rows: the ORDER BY of a state (with the
 * primary-key tiebreak), the joins of related columns, the count, the "deferred join" page
 * statement, rows by condition; and the shaping of raw rows into `ChangeListRow`s.
 */
import { asc, desc, eq, getTableName, inArray, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AnyDb, Builder } from "./db.js";
import type { Dialect } from "./dialect/index.js";
import { ChangeListParamError } from "./errors.js";
import type { ChangeListRecord } from "./options.js";
import type { ResolvedChangeList, ResolvedField, ResolvedRelation } from "./resolved.js";
import { SORT, type ChangeListState } from "./state.js";
import { adminError } from "../errors.js";

/** A row of the list: its primary key, the `listDisplay` values, and the record they came from. */
export interface ChangeListRow {
  /** The primary-key value (what row selection and the change-form URL use). */
  readonly pk: unknown;
  /** `listDisplay` name → value (drizzle-mapped: `Date` for timestamps, booleans, …; `null`
   *  for a related column whose row is missing). */
  readonly values: Readonly<Record<string, unknown>>;
  /** Own columns by key plus the selected related paths; what computed columns receive. */
  readonly record: ChangeListRecord;
}

/** What the row statements are built from: one admin's table, options and join kinds. */
export interface RowSource {
  readonly db: AnyDb;
  readonly dialect: Dialect;
  /** The resolved, checked options. */
  readonly config: ResolvedChangeList;
  /** relations joined with INNER JOIN (see `RelationOptions.required`) */
  readonly inner: ReadonlySet<ResolvedRelation>;
}

/**
 * The row source of an admin: its relations joined with INNER JOIN are the `required` ones
 * and, when the connection enforces foreign keys, the declared foreign keys.
 *
 * @param db - a drizzle better-sqlite3 or node-postgres database
 * @param dialect - its dialect
 * @param config - the resolved options
 * @returns the row source
 */
export function rowSource(db: AnyDb, dialect: Dialect, config: ResolvedChangeList): RowSource {
  const inner = new Set<ResolvedRelation>();
  const enforced = dialect.foreignKeysEnforced(db);
  for (const rel of config.relations.values()) {
    if (rel.required ?? (rel.declaredForeignKey && enforced)) inner.add(rel);
  }
  return { db, dialect, config, inner };
}

function col(field: ResolvedField): SQLiteColumn {
  return field.relation ? ((field.relation.aliased as unknown as Record<string, SQLiteColumn>)[field.key]) : field.column;
}

/**
 * The `count(*)` of the rows matching `where`, over the admin's table alone: exact, or with
 * `atMost` bounded (`select count(*) from (select 1 … limit atMost + 1)`), so a broad search
 * stops counting after `atMost + 1` matches (a result of `atMost + 1` means "more than `atMost`").
 */
export function countQuery(src: RowSource, where: SQL | undefined, atMost?: number): Builder {
  const db = src.db as Builder;
  if (atMost !== undefined) {
    let inner: Builder = db.select({ one: sql<number>`1`.as("one") }).from(src.config.table).$dynamic();
    if (where) inner = inner.where(where);
    return db.select({ n: sql<number>`count(*)` }).from(inner.limit(atMost + 1).as("weft_c")).$dynamic();
  }
  let q: Builder = db.select({ n: sql<number>`count(*)` }).from(src.config.table).$dynamic();
  if (where) q = q.where(where);
  return q;
}

/**
 * {@link countQuery} as raw SQL, for a statement that adds columns to it (the related search's keys).
 * `firstRows`: only the table's first rows in the engine's order count (`(select * … limit n)`
 * under the table's own name, so that `where` reads as before).
 */
export function countSql(src: RowSource, where: SQL | undefined, atMost?: number, firstRows?: number): SQL {
  const filtered = where ? sql` where ${where}` : sql``;
  const table = src.config.table;
  const from = firstRows === undefined ? sql`${table}` : sql`(select * from ${table} limit ${sql.raw(String(firstRows))}) as ${sql.identifier(getTableName(table))}`;
  if (atMost === undefined) return sql`select count(*) from ${from}${filtered}`;
  return sql`select count(*) from (select 1 from ${from}${filtered} limit ${sql.raw(String(atMost + 1))}) as "weft_c"`;
}

/**
 * The statement that returns a page: a "deferred join". The inner query finds the page's
 * primary keys (joining only the relations the sort needs, usually none, so it can walk a
 * covering index and skip `offset` entries without reading rows); the outer query reads just
 * those rows with their related columns, in order. Without it, `OFFSET 200000` reads and
 * joins 200,000 rows to throw them away.
 *
 * Pages in the second half are found from the other end: the inner query runs the exact
 * reverse order (the primary-key tiebreak makes the order total, so reversing is exact) with
 * the offset counted from the end, so the last page costs what the first does.
 *
 * `branches`: the matches as disjoint conditions whose union is `where` (see
 * `ChangeListQuery.matching`): the inner query is then a `UNION ALL` of each branch's first
 * `offset + limit` keys in the page's order, merged (each branch a plan of its own: a related
 * search's customer keys tested from an index that holds them, its order number from the
 * trigram index), the page taken from the merge. Ignored for a sort on a related column.
 */
export function pageQuery(src: RowSource, where: SQL | undefined, state: ChangeListState, total: number, offset: number, avoidIndex: boolean, branches?: readonly SQL[]): Builder {
  let limit = src.config.listPerPage;
  let skip = offset;
  const reverse = offset * 2 + limit > total;
  if (reverse) {
    limit = Math.min(limit, total - offset);
    skip = total - offset - limit;
  }
  const inner = orderBy(src, state, avoidIndex, reverse);
  const pk = src.config.pk.column;
  if (branches && inner.joins.size === 0) return rowsQuery(src, sql`${pk} in (${mergedKeys(src, inner, branches, limit, skip)})`, state);
  let ids: Builder = joined(src, (src.db as Builder).select({ k: pk }).from(src.config.table).$dynamic(), inner.joins);
  if (where) ids = ids.where(where);
  ids = ids.orderBy(...inner.order).limit(limit).offset(skip);
  return rowsQuery(src, inArray(pk, ids), state);
}

/** The page's keys from the `UNION ALL` of `branches` (see {@link pageQuery}): each branch's first `skip + limit` rows by `inner`'s order, merged in the same order. */
function mergedKeys(src: RowSource, inner: Ordering, branches: readonly SQL[], limit: number, skip: number): SQL {
  const db = src.db as Builder;
  // named columns: the merge orders by them (drizzle writes a plain column without an alias)
  const selection: Record<string, SQL.Aliased> = { k: sql`${src.config.pk.column}`.as("k") };
  inner.keys.forEach((k, i) => (selection[`s${i}`] = sql`${k.value}`.as(`s${i}`)));
  // a select builder inside `sql` renders in parentheses: `(select … limit n) union all (…)`
  const parts = branches.map((b) => db.select(selection).from(src.config.table).where(b).orderBy(...inner.order).limit(skip + limit));
  const order = inner.keys.map((k, i) => sql`${sql.identifier(`s${i}`)} ${sql.raw(k.desc ? "desc" : "asc")}`);
  return sql`select "k" from (${sql.join(parts, sql` union all `)}) as "weft_u" order by ${sql.join(order, sql`, `)} limit ${sql.raw(String(limit))} offset ${sql.raw(String(skip))}`;
}

/** Own columns + selected related columns, rows restricted by `where`, in the state's order. */
export function rowsQuery(src: RowSource, where: SQL, state: ChangeListState): Builder {
  const { order, joins } = orderBy(src, state);
  const selection: Record<string, SQLiteColumn> = {};
  for (const [key, c] of Object.entries(src.config.columns)) selection[`o:${key}`] = c;
  for (const [path, field] of src.config.relatedSelect) {
    selection[`r:${path}`] = col(field);
    joins.add(field.relation!);
  }
  const q: Builder = joined(src, (src.db as Builder).select(selection).from(src.config.table).$dynamic(), joins);
  return q.where(where).orderBy(...order);
}

/** A state's ORDER BY: the terms, the relations they join, and each term's value and direction. */
interface Ordering {
  readonly order: SQL[];
  readonly joins: Set<ResolvedRelation>;
  /** per term, the column it sorts by and whether descending (after `reverse`) */
  readonly keys: { readonly value: SQLiteColumn; readonly desc: boolean }[];
}

function orderBy(src: RowSource, state: ChangeListState, avoidIndex = false, reverse = false): Ordering {
  const sorted: { field: ResolvedField; desc: boolean }[] =
    state.sort.length > 0
      ? state.sort.map((s) => {
          const sortable = src.config.sortable.get(s.field);
          if (!sortable) throw new ChangeListParamError(SORT, `"${s.field}" is not sortable`);
          return { field: sortable.field, desc: s.desc };
        })
      : [...src.config.ordering];
  const joins = new Set<ResolvedRelation>();
  const order: SQL[] = [];
  const keys: Ordering["keys"] = [];
  let hasPk = false;
  for (const k of sorted) {
    if (k.field.relation) joins.add(k.field.relation);
    else if (k.field.key === src.config.pk.key) hasPk = true;
    // `+column` is the same value, but SQLite will not walk an index to produce the order
    const expr = avoidIndex && !k.field.relation ? src.dialect.unindexed(col(k.field)) : col(k.field);
    const down = k.desc !== reverse;
    order.push(down ? desc(expr) : asc(expr));
    keys.push({ value: col(k.field), desc: down });
  }
  // a stable tiebreak, in the direction of the last key so an index on that key (which
  // carries the rowid) serves the whole ORDER BY
  if (!hasPk) {
    const down = Boolean(sorted[sorted.length - 1]?.desc) !== reverse;
    order.push(down ? desc(src.config.pk.column) : asc(src.config.pk.column));
    keys.push({ value: src.config.pk.column, desc: down });
  }
  return { order, joins, keys };
}

function joined(src: RowSource, q: Builder, joins: Set<ResolvedRelation>): Builder {
  for (const rel of src.config.relations.values()) {
    if (!joins.has(rel)) continue;
    const ref = (rel.aliased as unknown as Record<string, SQLiteColumn>)[rel.referencesKey];
    // a related row every row has (enforced NOT NULL foreign key): an inner join lets SQLite
    // walk the related table's index for a related sort instead of sorting every row
    q = src.inner.has(rel) ? q.innerJoin(rel.aliased, eq(ref, rel.column)) : q.leftJoin(rel.aliased, eq(ref, rel.column));
  }
  return q;
}

/**
 * Primary-key values from a caller, checked against the key's shape: integers (or numeric
 * strings) for an integer key, strings of at most 256 characters otherwise.
 * @throws ChangeListParamError ("ids") for any other value
 */
export function checkedIds(config: ResolvedChangeList, ids: readonly unknown[]): unknown[] {
  const numeric = config.pk.column.dataType === "number";
  return ids.map((id) => {
    if (numeric) {
      const n = typeof id === "string" && /^-?(0|[1-9][0-9]*)$/.test(id) ? Number(id) : id;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new ChangeListParamError("ids", "expected integer ids");
      return n;
    }
    if (typeof id !== "string" || id.length > 256) throw new ChangeListParamError("ids", "expected string ids of at most 256 characters");
    return id;
  });
}

/** Shapes raw rows (`o:`-prefixed own columns, `r:`-prefixed related paths) as `ChangeListRow`s. */
export function toRows(config: ResolvedChangeList, raw: Record<string, unknown>[]): ChangeListRow[] {
  const { columns, relatedSelect, listDisplay, pk, adminName } = config;
  return raw.map((r) => {
    const record: ChangeListRecord = {};
    for (const key of Object.keys(columns)) record[key] = r[`o:${key}`];
    for (const path of relatedSelect.keys()) record[path] = r[`r:${path}`] ?? null;
    const values: Record<string, unknown> = {};
    for (const c of listDisplay) {
      if (c.kind === "field") values[c.name] = c.field.relation ? record[c.field.path] : record[c.field.key];
      else {
        try {
          values[c.name] = c.computed.value(record);
        } catch (err) {
          throw adminError("WEFT_ADMIN_ERR_LIST_DISPLAY_VALUE", `${adminName}.listDisplay "${c.name}": value() threw (see the cause); a computed column must not throw for any row`, { cause: err });
        }
      }
    }
    return { pk: record[pk.key], values, record };
  });
}
