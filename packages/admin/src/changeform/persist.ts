/**
 * The change form's writes: insert, update and delete of one row, each in one IMMEDIATE
 * transaction together with its audit entry, so a failure leaves nothing half-written and an
 * audit entry exists exactly for the writes that committed.
 */
import { and, eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { recordAudit, type AuditChanges } from "../auditlog/record.js";
import { dialectOf, qb, type AdminDatabase, type DbOrTx, type QueryBuilder } from "../query/dialect/index.js";
import type { AuditAction } from "../auth/schema.js";
import { sameValue } from "./coerce.js";
import type { FormSpec } from "./fields.js";
import { reprOf } from "../model/repr.js";
import { checkVersion, nextVersion } from "./concurrency.js";
import type { SessionUser } from "../auth/index.js";

/** Who writes, where, and which rows they may touch. */
export interface WriteContext {
  db: AdminDatabase;
  spec: FormSpec;
  /** the acting user (audit) */
  userId: number | null;
  /** the acting user, for the ModelAdmin's `saveModel` / `deleteModel` hooks (default: null) */
  user?: SessionUser | null;
  /** the ModelAdmin's `getQueryset(user)`: rows outside it cannot be changed or deleted */
  scope?: SQL;
}

/** A written row. */
export interface Written {
  id: unknown;
  repr: string;
  row: Record<string, unknown>;
  changes: AuditChanges;
  auditId: number;
}

type Row = Record<string, unknown>;

function pkColumn(spec: FormSpec): SQLiteColumn {
  return spec.pk.column;
}

/** The WHERE clause selecting object `id` within the user's scope. */
export function objectWhere(spec: FormSpec, id: unknown, scope?: SQL): SQL {
  const byId = eq(pkColumn(spec), id);
  return scope ? and(byId, scope)! : byId;
}

/** Reads object `id` (within `scope`), or undefined. One statement, on `db` or a transaction of it. */
export async function loadObject(db: DbOrTx, spec: FormSpec, id: unknown, scope?: SQL): Promise<Row | undefined> {
  return (await qb(db).select().from(spec.admin.table).where(objectWhere(spec, id, scope)).limit(1))[0] as Row | undefined;
}

/** `[before, after]` for every column whose value differs (primary key excluded). */
export function diffRows(spec: FormSpec, before: Row | null, after: Row | null): AuditChanges {
  const out: AuditChanges = {};
  for (const key of Object.keys(spec.columns)) {
    if (key === spec.pk.key) continue;
    const b = before ? before[key] ?? null : null;
    const a = after ? after[key] ?? null : null;
    if (!sameValue(b, a)) out[key] = [b, a];
  }
  return out;
}

/** Runs `write` in one transaction (SQLite: IMMEDIATE): the row and its audit entry commit together or not at all. */
function inTransaction<T>(ctx: WriteContext, write: (tx: QueryBuilder) => Promise<T>): Promise<T> {
  return dialectOf(ctx.db).transaction(ctx.db, write);
}

/**
 * Records the audit entry of a write of object `id` from `before` to `after` (null: added or
 * deleted), in the write's transaction, and returns the write as {@link Written} (its row: `after`,
 * or `before` for a delete).
 */
async function audited(tx: QueryBuilder, ctx: WriteContext, action: AuditAction, id: unknown, before: Row | null, after: Row | null): Promise<Written> {
  const { spec } = ctx;
  const row = (after ?? before)!;
  const repr = reprOf(spec.admin, row);
  const changes = diffRows(spec, before, after);
  const auditId = await recordAudit(tx, { userId: ctx.userId, action, model: spec.model, objectId: String(id), objectRepr: repr, changes });
  return { id, repr, row, changes, auditId };
}

/** More writes in the same transaction, after the object's (inlines: changeform/inline-persist.ts); a throw rolls everything back. */
export type AlsoWrite = (tx: QueryBuilder, written: Written) => Promise<void>;

/**
 * Inserts a row with `data` and its "add" audit entry (every non-null field as `[null, value]`),
 * then runs `also` in the same transaction. The ModelAdmin's `saveModel` hook, if any, does the
 * write (in the same transaction; as do updateRow / deleteRow with `saveModel` / `deleteModel`).
 * @throws the driver's error (busy, constraint…), or `also`'s: nothing is written
 */
export function insertObject(ctx: WriteContext, data: Row, also?: AlsoWrite): Promise<Written> {
  return inTransaction(ctx, async (tx) => {
    const written = await insertRow(tx, ctx, data);
    await also?.(tx, written);
    return written;
  });
}

/** {@link insertObject}'s write, inside a transaction the caller holds. */
export async function insertRow(tx: QueryBuilder, ctx: WriteContext, data: Row): Promise<Written> {
  const { spec } = ctx;
  const insert = async (obj: Row): Promise<Row> => {
    const [row] = (await tx.insert(spec.admin.table).values(obj).returning()) as Row[];
    if (!row) throw new Error("weft admin: INSERT … RETURNING returned no row");
    return row;
  };
  const hook = spec.admin.options.saveModel;
  const row = hook ? await hook.call(spec.admin.options, { tx, user: ctx.user ?? null, before: null, save: insert }, { ...data }, false) : await insert(data);
  return audited(tx, ctx, "add", row[spec.pk.key], null, row);
}

/**
 * Updates object `id` with `data` (only the columns whose value changed; or the ModelAdmin's
 * `saveModel` hook, given `{ ...before, ...data }`, in the same transaction) and writes its
 * "change" audit entry with `[before, after]` of the changed fields — an empty `{}` when
 * nothing changed (no UPDATE is run then), as Django logs "No fields changed.".
 * With `expectedVersion` (optimistic concurrency, concurrency.ts), the row read in the
 * transaction must still have that version, and a model with a `version` column gets it bumped.
 * @returns undefined when the object is gone (or outside the scope); nothing is written then
 * @throws StaleObjectError when the row's version is not `expectedVersion`: nothing is written; the driver's error (busy, constraint…): nothing is written
 */
export function updateObject(ctx: WriteContext, id: unknown, data: Row, expectedVersion?: string, also?: AlsoWrite): Promise<Written | undefined> {
  return inTransaction(ctx, async (tx) => {
    const written = await updateRow(tx, ctx, id, data, expectedVersion);
    if (written) await also?.(tx, written);
    return written;
  });
}

/** {@link updateObject}'s write, inside a transaction the caller holds. */
export async function updateRow(tx: QueryBuilder, ctx: WriteContext, id: unknown, data: Row, expectedVersion?: string): Promise<Written | undefined> {
  const { spec } = ctx;
  const before = await loadObject(tx, spec, id, ctx.scope);
  if (!before) return undefined;
  if (expectedVersion !== undefined) checkVersion(spec, before, expectedVersion);
  const update = async (obj: Row): Promise<Row> => {
    const set: Row = {};
    for (const [k, v] of Object.entries(obj)) if (k !== spec.pk.key && k in spec.columns && !sameValue(before[k], v)) set[k] = v;
    if (Object.keys(set).length === 0) return before;
    Object.assign(set, nextVersion(spec, before));
    return ((await tx.update(spec.admin.table).set(set).where(objectWhere(spec, id, ctx.scope)).returning()) as Row[])[0] ?? before;
  };
  const hook = spec.admin.options.saveModel;
  const after = hook ? await hook.call(spec.admin.options, { tx, user: ctx.user ?? null, before, save: update }, { ...before, ...data }, true) : await update(data);
  return audited(tx, ctx, "change", id, before, after);
}

/**
 * Deletes object `id` (or the ModelAdmin's `deleteModel` hook does, in the same transaction)
 * and writes its "delete" audit entry (every non-null field as
 * `[value, null]`).
 * @returns undefined when the object is gone (or outside the scope)
 * @throws the driver's error (busy, a foreign key still pointing at it…): nothing is deleted
 */
export function deleteObject(ctx: WriteContext, id: unknown): Promise<Written | undefined> {
  return inTransaction(ctx, (tx) => deleteRow(tx, ctx, id));
}

/** {@link deleteObject}'s write, inside a transaction the caller holds. */
export async function deleteRow(tx: QueryBuilder, ctx: WriteContext, id: unknown): Promise<Written | undefined> {
  const { spec } = ctx;
  const before = await loadObject(tx, spec, id, ctx.scope);
  if (!before) return undefined;
  const remove = async (): Promise<void> => void (await tx.delete(spec.admin.table).where(objectWhere(spec, id, ctx.scope)));
  const hook = spec.admin.options.deleteModel;
  if (hook) await hook.call(spec.admin.options, { tx, user: ctx.user ?? null, delete: remove }, before);
  else await remove();
  return audited(tx, ctx, "delete", id, before, null);
}
