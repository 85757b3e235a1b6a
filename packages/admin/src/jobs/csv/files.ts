/**
 * Where export files live: one directory per site (`<exportDir>/<site id>/<job id>.csv`),
 * removed with their job's history (`jobs.retentionDays`).
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
 * Sites on different databases must not share one (the same `id` under the same directory):
 * each site's history pruner removes the files there whose job its own history does not hold.
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

/** Job ids asked of the history per statement by {@link sweepExports}. */
const SWEEP_BATCH = 500;

/**
 * Removes the export files whose job is no longer in the job history (pruned after
 * `jobs.retentionDays`, see `jobhistory/pruner.ts`, which calls this after every prune), so a
 * file lasts as long as its job's page can offer it. A file younger than the job store's
 * `retentionMs` is kept whatever the history says (its job's row may not be written yet).
 * Never throws (a failure is skipped and tried again next round).
 * @param now - the clock (ms epoch; the history's, so a test may move it)
 * @returns how many files it removed
 */
export async function sweepExports(site: AdminSiteLike, now = Date.now()): Promise<number> {
  const dir = exportDir(site);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const byId = new Map<string, string[]>();
  for (const name of names) {
    const id = name.replace(/\.csv(\.part)?$/, "");
    if (isJobId(id)) byId.set(id, [...(byId.get(id) ?? []), name]);
  }
  const ids = [...byId.keys()];
  let removed = 0;
  for (let i = 0; i < ids.length; i += SWEEP_BATCH) {
    let kept: Set<string>;
    try {
      kept = await site.jobHistory.existing(ids.slice(i, i + SWEEP_BATCH));
    } catch {
      continue;
    }
    for (const id of ids.slice(i, i + SWEEP_BATCH)) {
      if (kept.has(id)) continue;
      for (const name of byId.get(id)!) {
        try {
          const file = join(dir, name);
          if (now - (await stat(file)).mtimeMs < site.jobs.retentionMs) continue;
          await rm(file, { force: true });
          removed++;
        } catch {
          /* skipped: tried again next time */
        }
      }
    }
  }
  return removed;
}
