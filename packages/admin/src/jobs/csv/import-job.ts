/**
 * The import itself: a cancellable progress job that writes the rows a dry run found valid,
 * each insert or update in its own transaction with its audit entry (the change form's
 * `insertObject` / `updateObject`), checking for cancellation between rows.
 */
import { runJob } from "@weft/server/jobs";
import type { Logger } from "@weft/server";
import type { SessionUser } from "../../auth/index.js";
import { formSpec } from "../../changeform/fields.js";
import { insertObject, updateObject, type WriteContext } from "../../changeform/persist.js";
import { forgetFullCount } from "../../changelist/totals.js";
import type { ModelAdmin } from "../../model/model-admin.js";
import type { AdminSiteLike } from "../../model/site-like.js";
import { jobActionRef } from "../refs.js";
import type { ImportPlan } from "./import-plan.js";

/** The import job's action name (the job's `action` is `<app>.<model>.import_csv`). */
export const IMPORT_CSV = "import_csv";
/** Rows between two progress updates and log lines. */
const BATCH = 500;
const SILENT: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** Options of {@link startImport}. */
export interface ImportJobOptions {
  /** the uploaded file's name, for the job's description */
  fileName?: string;
  /** awaited before each row is written (`index` from 0): throttling, or a test holding the job at a known row */
  beforeRow?: (index: number) => Promise<void> | void;
}

/**
 * Starts the import of `plan`'s valid rows as a job of `user`'s (the per-user caps of the job
 * store apply) and returns its id; the browser goes to `<prefix>/jobs/<id>/`. A row that fails
 * when written (a unique constraint hit since the dry run, a row deleted meanwhile) is logged
 * with its line and skipped; the others go on. Cancel stops between two rows: rows written so
 * far stay written (and audited).
 * @throws JobQuotaError, JobLimitError, ChannelLayerUnavailableError as `runJob` (nothing is written)
 */
export async function startImport(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, plan: ImportPlan, opts: ImportJobOptions = {}): Promise<string> {
  const fileName = opts.fileName ?? "CSV file";
  const spec = formSpec(site, admin);
  const ctx: WriteContext = { db: site.db, spec, userId: user.id, scope: admin.options.getQueryset?.(user) };
  const total = plan.rows.length;
  const log = site.jobLog ?? SILENT;
  return runJob(
    site.jobs,
    {
      owner: String(user.id),
      ownerName: user.username,
      action: jobActionRef(admin, IMPORT_CSV),
      description: `Import ${total.toLocaleString("en-US")} ${admin.verboseNamePlural.toLowerCase()} from ${fileName.slice(0, 200)} (${plan.adds} new, ${plan.changes} changed; ${plan.errors.length} rows refused by the dry run)`,
      cancellable: true,
      total,
      logger: log,
    },
    async (progress) => {
      let added = 0;
      let changed = 0;
      let failed = 0;
      try {
        for (let i = 0; i < total; i++) {
          await opts.beforeRow?.(i);
          if (progress.cancelled) break;
          const row = plan.rows[i]!;
          try {
            if (row.mode === "add") {
              await insertObject(ctx, row.data);
              added++;
            } else if (await updateObject(ctx, row.id, row.data)) changed++;
            else throw new Error("the row is gone");
          } catch (err) {
            failed++;
            progress.log(`Line ${row.line}: not written (${(err as Error).message.slice(0, 200)})`);
          }
          if ((i + 1) % BATCH === 0 || i + 1 === total) progress.update({ current: i + 1, message: `${added} added, ${changed} changed, ${failed} failed` });
        }
      } finally {
        forgetFullCount(site.query(admin));
        for (const a of site.all()) site.query(a).invalidateChoices();
      }
      progress.update({ message: `${added} added, ${changed} changed, ${failed} failed` });
    },
  );
}
