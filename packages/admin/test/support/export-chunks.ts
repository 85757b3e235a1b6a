// A CSV export's file written straight to `weft_export_chunks`, for tests of the download, the
// job page and the sweep that do not run an export job.
import { and, eq } from "drizzle-orm";
import { adminTablesFor } from "../../src/auth/tables.js";
import { qb, type AdminDatabase } from "../../src/query/dialect/index.js";

/** Stores `text` as job `id`'s export in chunks of `chunkBytes` (default 4), created at `createdAt` (ms epoch). */
export async function putExport(db: AdminDatabase, id: string, text: string, createdAt = Date.now(), chunkBytes = 4): Promise<void> {
  const t = adminTablesFor(db).weftExportChunks;
  const bytes = Buffer.from(text);
  const rows = [];
  for (let seq = 0; seq * chunkBytes < bytes.length || seq === 0; seq++) {
    rows.push({ jobId: id, seq, createdAt: new Date(createdAt), data: bytes.subarray(seq * chunkBytes, (seq + 1) * chunkBytes) });
  }
  await qb(db).insert(t).values(rows);
}

/** How many chunks of job `id`'s export the database holds. */
export async function chunksOf(db: AdminDatabase, id: string): Promise<number> {
  const t = adminTablesFor(db).weftExportChunks;
  return (await qb(db).select({ seq: t.seq }).from(t).where(and(eq(t.jobId, id)))).length;
}
