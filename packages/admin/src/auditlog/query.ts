/**
 * Reading the audit log: one object's history and one user's timeline, newest first.
 */
import { and, desc, eq, gte, lt } from "drizzle-orm";
import type { AuditAction } from "../auth/schema.js";
import { adminTablesFor } from "../auth/tables.js";
import { qb, type DbOrTx } from "../query/dialect/index.js";

/** An audit entry as the history pages show it. */
export interface AuditEntry {
  id: number;
  at: Date;
  userId: number | null;
  /** the user's name, or null when the user was deleted (or for the system) */
  username: string | null;
  action: AuditAction;
  model: string;
  objectId: string;
  objectRepr: string;
  changes: Record<string, [unknown, unknown]>;
}

/** Parses the `changes` JSON of an entry (anything malformed reads as no changes). */
export function parseChanges(json: string): Record<string, [unknown, unknown]> {
  try {
    const v = JSON.parse(json) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    const out: Record<string, [unknown, unknown]> = {};
    for (const [k, pair] of Object.entries(v)) if (Array.isArray(pair) && pair.length === 2) out[k] = [pair[0], pair[1]];
    return out;
  } catch {
    return {};
  }
}

/** The columns of an entry, over the admin's tables of `db`'s dialect. */
function columnsOf(db: DbOrTx) {
  const { weftAuditLog, weftUsers } = adminTablesFor(db);
  const l = weftAuditLog;
  const columns = { id: l.id, at: l.at, userId: l.userId, username: weftUsers.username, action: l.action, model: l.model, objectId: l.objectId, objectRepr: l.objectRepr, changes: l.changes };
  return { weftAuditLog, weftUsers, columns };
}

type Raw = Omit<AuditEntry, "changes"> & { changes: string };
const toEntry = (r: Raw): AuditEntry => ({ ...r, changes: parseChanges(r.changes) });

/** The entries of one object (by `app.name` and key), newest first; at most `limit`. One statement. */
export async function objectHistory(db: DbOrTx, model: string, objectId: string | number, limit = 200): Promise<AuditEntry[]> {
  const { weftAuditLog, weftUsers, columns } = columnsOf(db);
  const rows = (await qb(db)
    .select(columns)
    .from(weftAuditLog)
    .leftJoin(weftUsers, eq(weftUsers.id, weftAuditLog.userId))
    .where(and(eq(weftAuditLog.model, model), eq(weftAuditLog.objectId, String(objectId))))
    .orderBy(desc(weftAuditLog.at), desc(weftAuditLog.id))
    .limit(limit)
    ) as Raw[];
  return rows.map(toEntry);
}

/**
 * One user's entries, newest first, `limit` per page; `before` (an entry id) continues after
 * the last entry of the previous page. One statement.
 */
export async function userTimeline(db: DbOrTx, userId: number, opts: { before?: number; limit?: number } = {}): Promise<AuditEntry[]> {
  const { weftAuditLog, weftUsers, columns } = columnsOf(db);
  const where = opts.before ? and(eq(weftAuditLog.userId, userId), lt(weftAuditLog.id, opts.before)) : eq(weftAuditLog.userId, userId);
  const rows = (await qb(db)
    .select(columns)
    .from(weftAuditLog)
    .leftJoin(weftUsers, eq(weftUsers.id, weftAuditLog.userId))
    .where(where)
    .orderBy(desc(weftAuditLog.id))
    .limit(opts.limit ?? 50)
    ) as Raw[];
  return rows.map(toEntry);
}

/** The newest entry for one object by one user since `since`, if any (for "saved" notices). */
export async function latestEntry(db: DbOrTx, model: string, objectId: string, userId: number, since: Date): Promise<AuditEntry | undefined> {
  const { weftAuditLog, weftUsers, columns } = columnsOf(db);
  const rows = (await qb(db)
    .select(columns)
    .from(weftAuditLog)
    .leftJoin(weftUsers, eq(weftUsers.id, weftAuditLog.userId))
    .where(and(eq(weftAuditLog.model, model), eq(weftAuditLog.objectId, objectId), eq(weftAuditLog.userId, userId), gte(weftAuditLog.at, since)))
    .orderBy(desc(weftAuditLog.id))
    .limit(1)
    ) as Raw[];
  return rows[0] && toEntry(rows[0]);
}
