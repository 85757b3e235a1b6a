/**
 * The admin's audit log: writing entries (in the transaction of the write they record),
 * reading an object's history and a user's timeline (both in auditlog/, below the change form
 * and the change list that write entries), and the pages that show them (here, above the
 * change form whose fields they label).
 */
export { recordAudit, auditValue, MAX_AUDIT_VALUE, type AuditChanges, type AuditInput, type AuditDb } from "../auditlog/record.js";
export { objectHistory, userTimeline, latestEntry, parseChanges, type AuditEntry } from "../auditlog/query.js";
export { presentEntry, type EntryView, type ChangeView } from "./present.js";
export { HistoryView, HISTORY_LIMIT } from "./history-view.js";
export { UserHistoryView, TIMELINE_PAGE } from "./timeline-view.js";
