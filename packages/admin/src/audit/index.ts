/**
 * The admin's audit log: writing entries (in the transaction of the write they record),
 * reading an object's history and a user's timeline, and the pages that show them.
 */
export { recordAudit, auditValue, MAX_AUDIT_VALUE, type AuditChanges, type AuditInput, type SyncDb } from "./record.js";
export { objectHistory, userTimeline, latestEntry, parseChanges, type AuditEntry } from "./query.js";
export { presentEntry, type EntryView, type ChangeView } from "./present.js";
export { HistoryView, HISTORY_LIMIT } from "./history-view.js";
export { UserHistoryView, TIMELINE_PAGE } from "./timeline-view.js";
