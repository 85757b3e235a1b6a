/**
 * SQLite and PostgreSQL failures on save (PostgreSQL's read as SQLite's, see `pgFailureAsSqlite`), in words a user can act on (no stack, no SQL): a busy or locked
 * database ("try again"), or a constraint the row violates, attributed to a field when the
 * constraint names one (`UNIQUE constraint failed: orders.number` → the Number field).
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { checkColumns } from "./checks.js";
import { pgFailureAsSqlite } from "../query/dialect/pg.js";
import type { FormSpec } from "./fields.js";
import type { FieldErrors } from "./schema.js";

/** What went wrong, for the form. */
export interface SaveFailure {
  /** shown above the form */
  message: string;
  /** shown under fields, when the failure names them */
  fieldErrors: FieldErrors;
}

/** The SQLite error code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …) of `err` or its causes, if any. */
export function sqliteCode(err: unknown): string | undefined {
  const pg = pgFailureAsSqlite(err);
  if (pg) return pg.code;
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code.startsWith("SQLITE_")) return e.code;
  }
  return undefined;
}

function sqliteMessage(err: unknown): string {
  const pg = pgFailureAsSqlite(err);
  if (pg) return pg.message;
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code.startsWith("SQLITE_")) return String(e.message ?? "").split("\n")[0].slice(0, 300);
  }
  return "";
}

/**
 * Turns a failed write into a form error, or returns undefined for errors that are not the
 * database refusing the data (bugs: let them reach the log).
 * @param verb - "save" or "delete"
 */
export function describeDbError(err: unknown, spec: FormSpec, verb: "save" | "delete"): SaveFailure | undefined {
  const code = sqliteCode(err);
  if (!code) return undefined;
  const what = spec.admin.verboseName.toLowerCase();
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return { message: `Could not ${verb}: the database is busy, please try again.`, fieldErrors: {} };
  }
  if (!code.startsWith("SQLITE_CONSTRAINT")) {
    if (code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY")) return { message: `Could not ${verb}: the database is read-only.`, fieldErrors: {} };
    if (code === "SQLITE_FULL") return { message: `Could not ${verb}: the disk is full.`, fieldErrors: {} };
    return undefined;
  }
  const detail = sqliteMessage(err);
  const fieldErrors: FieldErrors = {};
  const columns = getTableColumns(spec.admin.table) as Record<string, SQLiteColumn>;
  const bySqlName = new Map(Object.entries(columns).map(([k, c]) => [`${getTableName(spec.admin.table)}.${c.name}`, k]));
  const shown = (k: string) => spec.byKey.has(k) && spec.fieldsets.some((fs) => fs.fields.some((f) => f.key === k));
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const keys = (detail.split(":")[1] ?? "").split(",").map((s) => bySqlName.get(s.trim())).filter((k): k is string => !!k);
    const labels = keys.map((k) => spec.byKey.get(k)?.label ?? k);
    for (const k of keys) if (shown(k)) fieldErrors[k] = [`${spec.admin.verboseName} with this ${labels.join(" and ")} already exists.`];
    return { message: `Could not ${verb}: the ${what} violates a constraint: ${labels.length ? `${labels.join(" and ")} must be unique` : detail}.`, fieldErrors };
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL") {
    const key = bySqlName.get((detail.split(":")[1] ?? "").trim());
    if (key && shown(key)) fieldErrors[key] = ["This field is required."];
    return { message: `Could not ${verb}: the ${what} violates a constraint: ${key ? `${spec.byKey.get(key)?.label ?? key} is required` : detail}.`, fieldErrors };
  }
  if (code === "SQLITE_CONSTRAINT_CHECK") {
    const name = (detail.split(":")[1] ?? "").trim();
    const keyOf = new Map<SQLiteColumn, string>(Object.entries(columns).map(([k, c]) => [c, k]));
    for (const k of checkColumns(spec.admin.table, keyOf).get(name) ?? []) if (shown(k)) fieldErrors[k] = [`This value is not allowed (${name}).`];
    return { message: `Could not ${verb}: the ${what} violates a constraint: ${name || detail}.`, fieldErrors };
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    const message =
      verb === "delete"
        ? `Could not delete: other rows still refer to this ${what} (a foreign key constraint).`
        : `Could not save: the ${what} violates a constraint: a related object does not exist (a foreign key constraint).`;
    return { message, fieldErrors };
  }
  return { message: `Could not ${verb}: the ${what} violates a constraint: ${detail || code}.`, fieldErrors };
}
