/**
 * The built-in delete of a large selection as a progress job: batches of short transactions
 * with their audit entries, the filter re-applied per batch, cancellable between batches.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { count, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { JobStore, cancelJob, type JobRecord } from "@weft/server/jobs";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite, type ModelAdmin, type SessionUser } from "../src/index.js";
import { bulkDeleteAction, DELETE_BATCH, presentJob } from "../src/jobs/index.js";
import { actionContext } from "../src/changelist/actions.js";
import { resolveSelection } from "../src/changelist/selection.js";
import { weftAuditLog } from "../src/auth/schema.js";
import { waitFor } from "../../server/test/support/wait.js";

const notes = sqliteTable("notes", { id: integer("id").primaryKey(), title: text("title").notNull(), kind: text("kind", { enum: ["junk", "keep"] }).notNull() });
const SILENT = { error() {}, warn() {}, info() {}, debug() {} };

let dir: string;
let sqlite: Database.Database;
let site: AdminSite;
let admin: ModelAdmin<any, any>;
let user: SessionUser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-bulk-delete-"));
  sqlite = new Database(join(dir, "db.sqlite"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, kind TEXT NOT NULL)");
  const db = drizzle(sqlite);
  site = new AdminSite({ db, sqlite });
  admin = site.register(notes, { app: "desk", listDisplay: ["title", "kind"], listFilter: ["kind"], searchFields: ["title"], ordering: ["id"] });
  site.attachJobs(new JobStore(new MemoryChannelLayer(), { logger: SILENT }), SILENT);
  const row = sqlite.prepare("INSERT INTO weft_users (username, password_hash, is_staff, is_superuser, created_at) VALUES ('boss', '!', 1, 1, 0) RETURNING id").get() as { id: number };
  user = { id: row.id, username: "boss", isStaff: true, isSuperuser: true, permissions: [] };
});

afterAll(() => {
  sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

function fill(n: number, kind: (i: number) => string): void {
  const insert = sqlite.prepare("INSERT INTO notes (title, kind) VALUES (?, ?)");
  sqlite.transaction(() => {
    for (let i = 1; i <= n; i++) insert.run(`note ${i}`, kind(i));
  })();
}

/** Starts the bulk delete of every note of `kind` ("all N matching"), as the change list does. */
async function start(kind: string, batch: number): Promise<string> {
  const query = site.query(admin);
  const state = query.parseState(new URLSearchParams({ kind__exact: kind }));
  const sel = await resolveSelection(site.db, query, { mode: "all" }, state);
  const action = bulkDeleteAction(admin, batch);
  const result = (await action.run(await actionContext(site, admin, user, query, sel, state, true, action))) as { redirect: string };
  expect(result.redirect).toMatch(/^\/admin\/jobs\/[^/]+\/$/);
  return decodeURIComponent(result.redirect.split("/")[3]!);
}

const finished = (id: string) => waitFor(async () => {
  const rec = await site.jobs.get(id);
  return rec && ["done", "failed", "cancelled"].includes(rec.status) ? rec : undefined;
}, "job end", 60_000) as Promise<JobRecord>;

const left = (kind: string) => drizzle(sqlite).select({ n: count() }).from(notes).where(eq(notes.kind, kind)).get()!.n;
const audited = () => drizzle(sqlite).select({ n: count() }).from(weftAuditLog).where(eq(weftAuditLog.action, "delete")).get()!.n;

describe("bulk delete as a progress job", () => {
  it("deletes every matching row in batches, one audit entry per row, and leaves the others", async () => {
    expect(DELETE_BATCH).toBe(1000);
    sqlite.exec("DELETE FROM notes");
    fill(250, (i) => (i % 5 === 0 ? "keep" : "junk")); // 200 junk, 50 keep
    const before = audited();
    const seen: number[] = [];
    const id = await start("junk", 30);
    const off = site.jobs.subscribe(id, (r) => seen.push(r.current));
    const rec = await finished(id);
    off();
    expect(rec.status).toBe("done");
    expect(rec.total).toBe(200);
    expect(rec.current).toBe(200);
    expect(rec.log.at(-1)).toMatch(/Deleted 200 notes/);
    expect(left("junk")).toBe(0);
    expect(left("keep")).toBe(50);
    expect(audited() - before).toBe(200);
    // it reported between batches (multiples of the batch size), not only at the end
    expect(seen.some((n) => n > 0 && n < 200)).toBe(true);
    // its page names it as the change list did
    expect(presentJob(site, rec).actionLabel).toBe("Delete selected notes");
  });

  it("stops between batches when cancelled: what it deleted is deleted and audited, the rest stays", async () => {
    sqlite.exec("DELETE FROM notes");
    fill(600, () => "junk");
    const before = audited();
    const id = await start("junk", 5);
    expect(await cancelJob(site.jobs, id, String(user.id))).toBe(true);
    const rec = await finished(id);
    expect(rec.status).toBe("cancelled");
    const deleted = 600 - left("junk");
    expect(deleted).toBe(rec.current);
    expect(deleted % 5).toBe(0);
    expect(deleted).toBeLessThan(600);
    expect(audited() - before).toBe(deleted);
  });
});
