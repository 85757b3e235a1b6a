/**
 * Writing the admin's audit log (`weft_audit_log`), as Django's `LogEntry.objects.log_action`.
 * Call it with the transaction of the write it records, so both commit or neither does.
 */
import type { AuditAction } from "../auth/schema.js";
import { adminTablesFor } from "../auth/tables.js";
import { qb, type DbOrTx } from "../query/dialect/index.js";

/** The site's database or one of its transactions (`Dialect.transaction`), SQLite or PostgreSQL. */
export type AuditDb = DbOrTx;

/** `{ field: [before, after] }`: `[null, value]` for an add, `[value, null]` for a delete. */
export type AuditChanges = Record<string, [unknown, unknown]>;

/** One audit entry to write. */
export interface AuditInput {
  /** who did it (null: the system) */
  userId: number | null;
  action: AuditAction;
  /** `app.name`, e.g. `shop.order` */
  model: string;
  objectId: string | number;
  /** the object's label at the time, e.g. `ORD-000123` (see `reprOf`) */
  objectRepr: string;
  changes?: AuditChanges;
  /** default: now */
  at?: Date;
}

/** Longest text kept for one before/after value. */
export const MAX_AUDIT_VALUE = 4096;

/** A value as the audit log stores it: JSON-safe (Dates as ISO strings), long text truncated. */
export function auditValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return v.length > MAX_AUDIT_VALUE ? `${v.slice(0, MAX_AUDIT_VALUE - 1)}…` : v;
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  const s = JSON.stringify(v);
  return s.length > MAX_AUDIT_VALUE ? `${s.slice(0, MAX_AUDIT_VALUE - 1)}…` : JSON.parse(s);
}

/**
 * Writes one audit entry on `db` (pass the write's transaction).
 * @returns the new entry's id
 * @throws the driver's error (the caller's transaction rolls back with it)
 */
export async function recordAudit(db: AuditDb, entry: AuditInput): Promise<number> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [k, [before, after]] of Object.entries(entry.changes ?? {})) changes[k] = [auditValue(before), auditValue(after)];
  const { weftAuditLog } = adminTablesFor(db);
  const [row] = await qb(db)
    .insert(weftAuditLog)
    .values({
      userId: entry.userId,
      action: entry.action,
      model: entry.model,
      objectId: String(entry.objectId),
      objectRepr: entry.objectRepr.slice(0, 200),
      changes: JSON.stringify(changes),
      at: entry.at ?? new Date(),
    })
    .returning({ id: weftAuditLog.id });
  return row!.id;
}
