/**
 * Where finished CSV exports live: in the site's own database (`weft_export_chunks`, chunks of
 * {@link EXPORT_CHUNK_BYTES} numbered from 0, chunk 0 written last), so any process of the site
 * serves a download, whichever machine ran the job; no directory is shared. A file lasts as long
 * as its job's history (`jobs.retentionDays`): the history pruner's sweep removes the chunks of pruned jobs.
 */
import { open, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, count, eq, gte, lt, max, min, notExists, sql } from "drizzle-orm";
import { adminTablesFor } from "../../auth/tables.js";
import { qb } from "../../query/dialect/index.js";
import type { AdminSiteLike } from "../../model/site-like.js";

/** Bytes per chunk (256 KiB): one statement writes or reads one chunk. */
export const EXPORT_CHUNK_BYTES = 256 * 1024;
/** Chunks one statement of the sweep deletes at most (4 MiB). */
const DELETE_CHUNKS = 16;
/** Jobs whose chunks one round of the sweep looks at. */
const SWEEP_BATCH = 500;

/** Lets the event loop serve what waits (I/O, timers) between two statements. */
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * A local temporary file for the export of job `id` while its rows are written
 * (`<os tmpdir>/weft-export-<id>-<random>.csv.part`; `$TMPDIR` moves it): only the process
 * running the job reads it, and {@link storeExport} removes it.
 */
export function exportPartFile(id: string): string {
  return join(tmpdir(), `weft-export-${id}-${randomBytes(6).toString("hex")}.csv.part`);
}

/**
 * Copies the finished export `file` into the site's database as job `id`'s chunks and removes
 * `file` (copied or not). Each chunk is its own short statement, committed alone, with the event
 * loop served between two; chunk 0 is written **last** and a file counts as stored only once its
 * chunk 0 exists ({@link exportStored}, {@link exportSize}), so a download never sees half a file.
 * Not one transaction: on SQLite its COMMIT would write the whole file to the WAL and checkpoint
 * it in one synchronous call (100–160 ms for 22 MB on the 2-core test machine, against 20–30 ms
 * for the longest chunk statement, the WAL's autocheckpoint of ~4 MB; see docs/benchmarks.md). Chunks the job stored before (a retried job) are deleted first; a failure
 * deletes what it wrote (a crash leaves chunks without chunk 0, never offered, swept with the
 * job's history).
 * @returns the bytes and chunks stored
 * @throws (rejects) the file system's or the database's error (nothing is stored then)
 */
export async function storeExport(site: AdminSiteLike, id: string, file: string): Promise<{ bytes: number; chunks: number }> {
  const t = adminTablesFor(site.db).weftExportChunks;
  const db = qb(site.db);
  const createdAt = new Date(site.jobHistory.now());
  const fh = await open(file, "r");
  try {
    await deleteExport(site, id);
    const first = Buffer.allocUnsafe(EXPORT_CHUNK_BYTES);
    let bytes = (await fh.read(first, 0, EXPORT_CHUNK_BYTES, 0)).bytesRead;
    let seq = 1;
    // one buffer for chunks 1 … n: each insert is awaited (sent) before the next read refills it
    const data = Buffer.allocUnsafe(EXPORT_CHUNK_BYTES);
    try {
      for (let read = bytes; read === EXPORT_CHUNK_BYTES; seq++) {
        read = (await fh.read(data, 0, EXPORT_CHUNK_BYTES, bytes)).bytesRead;
        if (read === 0) break;
        await yieldLoop();
        await db.insert(t).values({ jobId: id, seq, createdAt, data: data.subarray(0, read) });
        bytes += read;
      }
      await yieldLoop();
      await db.insert(t).values({ jobId: id, seq: 0, createdAt, data: first.subarray(0, Math.min(bytes, EXPORT_CHUNK_BYTES)) });
    } catch (err) {
      await deleteExport(site, id, seq).catch(() => undefined);
      throw err;
    }
    return { bytes, chunks: seq };
  } finally {
    await fh.close();
    await rm(file, { force: true });
  }
}

/**
 * Whether job `id`'s export is stored: its chunk 0, written last, exists (one statement reading
 * one chunk's key, not its data).
 * @throws (rejects) the database's error
 */
export async function exportStored(site: AdminSiteLike, id: string): Promise<boolean> {
  const t = adminTablesFor(site.db).weftExportChunks;
  const rows = await qb(site.db).select({ seq: t.seq }).from(t).where(and(eq(t.jobId, id), eq(t.seq, 0))).limit(1);
  return rows.length > 0;
}

/**
 * The size of job `id`'s stored export, in one statement (the engine reads each chunk's length,
 * not its data), or undefined when it is not stored (no chunk 0: none, or still being written).
 * @throws (rejects) the database's error
 */
export async function exportSize(site: AdminSiteLike, id: string): Promise<{ bytes: number; chunks: number } | undefined> {
  const t = adminTablesFor(site.db).weftExportChunks;
  const [row] = await qb(site.db)
    .select({ chunks: count(), first: min(t.seq), bytes: sql<number | string | null>`sum(length(${t.data}))` })
    .from(t)
    .where(eq(t.jobId, id));
  const chunks = Number(row?.chunks ?? 0);
  // chunk 0 is written last: without it the file is still being written (or was cut short)
  return chunks > 0 && row!.first === 0 ? { bytes: Number(row!.bytes ?? 0), chunks } : undefined;
}

/**
 * The chunks 0 … `chunks` - 1 of job `id`'s stored export, in order, one statement per chunk
 * with the event loop served between two (memory holds one chunk at a time).
 * @throws (rejects, while iterating) the database's error, or an Error when a chunk is missing (swept meanwhile)
 */
export async function* readExport(site: AdminSiteLike, id: string, chunks: number): AsyncGenerator<Buffer> {
  const t = adminTablesFor(site.db).weftExportChunks;
  for (let seq = 0; seq < chunks; seq++) {
    if (seq > 0) await yieldLoop();
    const [row] = await qb(site.db).select({ data: t.data }).from(t).where(and(eq(t.jobId, id), eq(t.seq, seq))).limit(1);
    if (!row) throw new Error(`weft admin: chunk ${seq} of export ${id} is gone`);
    yield row.data;
  }
}

/**
 * Deletes job `id`'s stored export, {@link DELETE_CHUNKS} chunks per statement with the event
 * loop served between them, from chunk 0 (so the file stops counting as stored at the first
 * statement) to `last` (default: asks for the last one).
 * @throws (rejects) the database's error (the chunks not yet deleted stay)
 */
export async function deleteExport(site: AdminSiteLike, id: string, last?: number): Promise<void> {
  const t = adminTablesFor(site.db).weftExportChunks;
  const db = qb(site.db);
  const end = last ?? Number((await db.select({ last: max(t.seq) }).from(t).where(eq(t.jobId, id)))[0]?.last ?? -1);
  for (let from = 0; from <= end; from += DELETE_CHUNKS) {
    await db.delete(t).where(and(eq(t.jobId, id), gte(t.seq, from), lt(t.seq, from + DELETE_CHUNKS)));
    await yieldLoop();
  }
}

/**
 * Removes the stored exports whose job is no longer in the job history (pruned after
 * `jobs.retentionDays`, see `jobhistory/pruner.ts`, which calls this after every prune), so a
 * file lasts as long as its job's page can offer it. An export stored less than the job store's
 * `retentionMs` before `now` is kept whatever the history says (its job's row may not be written
 * yet). Deletes as {@link deleteExport} does. Never throws (a failure is skipped
 * and tried again next round).
 * @param now - the clock (ms epoch; the history's, so a test may move it)
 * @returns how many exports it removed
 */
export async function sweepExports(site: AdminSiteLike, now = Date.now()): Promise<number> {
  const { weftExportChunks: t, weftJobs: jobs } = adminTablesFor(site.db);
  const db = qb(site.db);
  const cutoff = new Date(now - site.jobs.retentionMs);
  // all chunks of an export share its createdAt (one storeExport wrote them; a retry deletes the earlier ones first)
  const orphaned = and(lt(t.createdAt, cutoff), notExists(db.select({ one: sql`1` }).from(jobs).where(eq(jobs.id, t.jobId))));
  let removed = 0;
  for (;;) {
    let orphans: { id: string; last: number | null }[];
    try {
      orphans = await db.select({ id: t.jobId, last: max(t.seq) }).from(t).where(orphaned).groupBy(t.jobId).limit(SWEEP_BATCH);
    } catch {
      return removed; // tried again next round
    }
    let round = 0;
    for (const { id, last } of orphans) {
      try {
        await deleteExport(site, id, Number(last ?? 0));
        round++;
      } catch {
        /* skipped: tried again next round */
      }
    }
    removed += round;
    if (orphans.length < SWEEP_BATCH || round === 0) return removed;
  }
}
