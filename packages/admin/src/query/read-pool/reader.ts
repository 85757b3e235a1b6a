/**
 * One reader of the {@link SqliteReadPool}: a child process with its own READ-ONLY
 * better-sqlite3 connection on the site's WAL file. It answers one statement at a time:
 * `{ id, sql, params, method }` → `{ id, rows }` (rows as arrays of values; one row for "get")
 * or `{ id, error }`. The pool kills it (SIGKILL) when a statement outlives its budget: that is
 * the only way to stop SQLite in the middle of a statement, since better-sqlite3 exposes no
 * `sqlite3_interrupt` and a worker thread's `terminate()` waits for native code to return.
 * @internal
 */
import Database from "better-sqlite3";
import type { ReaderReply, ReaderRequest } from "./protocol.js";

const file = process.argv[2];
if (!file || !process.send) {
  process.stderr.write("weft admin: read-pool reader: run by SqliteReadPool (a database file argument and an IPC channel)\n");
  process.exit(2);
}
const channel = process.send.bind(process);
// the pool went away (its process ended or closed the channel): nothing to answer any more
const send = (msg: ReaderReply) => {
  if (!process.connected) process.exit(0);
  channel(msg, undefined, undefined, (err: Error | null) => err && process.exit(0));
};

const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma("query_only = ON");
const statements = new Map<string, Database.Statement>();
const MAX_STATEMENTS = 200;

function prepared(sql: string): Database.Statement {
  let stmt = statements.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
    statements.set(sql, stmt);
  }
  return stmt;
}

function run(req: ReaderRequest): unknown {
  const stmt = prepared(req.sql);
  if (!stmt.reader) throw Object.assign(new Error("the read pool only runs statements that return rows"), { code: "SQLITE_READONLY" });
  stmt.raw(req.method !== "objects");
  // blobs cross the channel as Uint8Array; better-sqlite3 binds Buffers
  const params = req.params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
  return req.method === "get" ? stmt.get(...params) : stmt.all(...params);
}

process.on("message", (req: ReaderRequest) => {
  let reply: ReaderReply;
  try {
    reply = { id: req.id, rows: run(req) };
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    reply = { id: req.id, error: { message: String(e?.message ?? err), code: typeof e?.code === "string" ? e.code : undefined } };
  }
  send(reply);
});
process.on("disconnect", () => process.exit(0));
send({ id: 0, ready: true });
