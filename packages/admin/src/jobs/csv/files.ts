/**
 * Where export files live: one directory per site (`<exportDir>/<site id>/<job id>.csv`),
 * removed with their job's retention.
 */
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isJobId } from "@weft/server/jobs";
import type { AdminSiteLike } from "../../model/site-like.js";

let root = process.env.WEFT_EXPORT_DIR || join(tmpdir(), "weft-exports");

/**
 * Sets the directory export files are written under (default `$WEFT_EXPORT_DIR`, else
 * `<os tmpdir>/weft-exports`); each site writes in its own sub-directory named by its id.
 * With several workers it must be a directory they all share, as the download may land on any.
 */
export function setExportDir(dir: string): void {
  root = dir;
}

/** The site's export directory. */
export function exportDir(site: Pick<AdminSiteLike, "id">): string {
  return join(root, site.id.replace(/[^A-Za-z0-9_-]/g, "_"));
}

/** The finished CSV file of job `id` (it exists only once the export is done). */
export function exportFile(site: Pick<AdminSiteLike, "id">, id: string): string {
  return join(exportDir(site), `${id}.csv`);
}

/** Creates the site's export directory if missing; returns it. */
export async function ensureExportDir(site: Pick<AdminSiteLike, "id">): Promise<string> {
  const dir = exportDir(site);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Removes the export files whose job record is gone (expired after the store's retention, or
 * evicted) and that are older than the retention: called when an export starts and on every
 * download, so files never outlive their job by much. Never throws (a failure is skipped).
 */
export async function sweepExports(site: AdminSiteLike, now = Date.now()): Promise<number> {
  const dir = exportDir(site);
  let removed = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const id = name.replace(/\.csv(\.part)?$/, "");
    if (!isJobId(id)) continue;
    try {
      const file = join(dir, name);
      if (now - (await stat(file)).mtimeMs < site.jobs.retentionMs) continue;
      if (await site.jobs.read(id)) continue;
      await rm(file, { force: true });
      removed++;
    } catch {
      /* skipped: tried again next time */
    }
  }
  return removed;
}
