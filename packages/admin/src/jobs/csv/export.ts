/**
 * The built-in "Export selected as CSV" action: a progress job that streams the selected rows,
 * in primary-key order and in batches (keyset pagination: `pk > last ORDER BY pk LIMIT n`, so
 * memory stays flat whatever the row count), to a local temporary file, then stores the finished
 * file in the site's database (`stored.ts`); the job page then links to `<prefix>/jobs/<id>/download`,
 * which any process of the site serves.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { once } from "node:events";
import { and, gt, type SQL } from "drizzle-orm";
import type { JobRecord } from "@weft/server/jobs";
import type { AdminAction } from "../../model/actions.js";
import type { ModelAdmin } from "../../model/model-admin.js";
import type { AdminSiteLike } from "../../model/site-like.js";
import type { ResolvedColumn } from "../../query/index.js";
import { qb } from "../../query/dialect/index.js";
import { withProgress } from "../with-progress.js";
import { BOM, CsvRaw, csvRecord } from "./format.js";
import { formSpec, type FormSpec } from "../../changeform/fields.js";
import { toFormValue } from "../../changeform/coerce.js";
import { deleteExport, exportPartFile, storeExport } from "./stored.js";

/**
 * The progress actions of `admin` a job may run: its `actions`, and the built-in export unless
 * turned off (`exportCsv: false`) or replaced by an action of the same name.
 */
export function progressActionsOf(admin: ModelAdmin<any, any>): readonly AdminAction[] {
  const own = admin.options.actions ?? [];
  if (admin.options.exportCsv === false || own.some((a) => a.name === EXPORT_CSV)) return own;
  return [...own, exportCsvAction(admin)];
}

/** The built-in export action's name. */
export const EXPORT_CSV = "export_csv";

/** Whether `rec` is a finished job of the built-in export (`<app>.<model>.export_csv`, done): one whose file is stored. */
export function isFinishedExport(rec: Pick<JobRecord, "status" | "action">): boolean {
  return rec.status === "done" && rec.action.endsWith(`.${EXPORT_CSV}`);
}
/** Rows read per statement. */
export const EXPORT_BATCH = 1_000;

/** A ModelAdmin's `exportCsv` option: `false` turns the built-in export off. */
export type ExportCsvOptions = Exclude<ModelAdmin<any, any>["options"]["exportCsv"], boolean | undefined>;

/**
 * A column's cell for the file: the value as the change form's input shows it, so that an
 * exported file imports back unchanged — money as "822.45" (`fieldTypes`), dates and times in
 * the site's time zone ("2024-05-01 11:30"), booleans `true` / `false`, a relation as the foreign
 * key's value, text as stored (with the formula guard). A computed column gets `value(row)` with
 * the own columns only ("" if it throws).
 */
function cellOf(c: ResolvedColumn, row: Record<string, unknown>, spec: FormSpec): unknown {
  if (c.kind === "computed") {
    try {
      return c.computed.value(row as never);
    } catch {
      return "";
    }
  }
  const key = c.field.relation ? c.field.relation.columnKey : c.field.key;
  const value = row[key];
  const f = spec.byKey.get(key);
  if (value === null || value === undefined || typeof value === "string" || !f) return value;
  if (f.kind === "boolean") return value === true || value === 1 ? "true" : "false";
  return new CsvRaw(toFormValue(f, value, row));
}

const actions = new WeakMap<ModelAdmin<any, any>, AdminAction>();

/**
 * The export action of `admin` (one per admin): needs only the view permission, asks no
 * confirmation (`changesData: false`), cancellable. Columns: `listDisplay`, labels as the
 * header. Written to a local `.part` file, then stored in the database chunk by chunk, chunk 0
 * last (`stored.ts`), so a download never sees half a file.
 */
export function exportCsvAction(admin: ModelAdmin<any, any>): AdminAction {
  let action = actions.get(admin);
  if (action) return action;
  const opts: ExportCsvOptions = typeof admin.options.exportCsv === "object" ? admin.options.exportCsv : {};
  action = withProgress(
    { name: EXPORT_CSV, label: "Export selected as CSV", permissions: [admin.perm("view")], changesData: false },
    async (ctx, selection, progress) => {
      // the keys pinned at the click (in key order): read back 1,000 at a time
      await exportRows(ctx.site, ctx.admin, { keys: await selection.ids() }, ctx.jobId, progress, opts);
    },
  );
  actions.set(admin, action);
  return action;
}

/**
 * The rows to export: those matching `where` (read by keyset: `pk > last ORDER BY pk LIMIT n`),
 * or the primary keys `keys` in key order (read `pk IN (n keys)` at a time).
 */
export type ExportSource = { readonly where: SQL | undefined } | { readonly keys: readonly unknown[] };

/** What {@link exportRows} reports to (a `Progress`). */
interface ExportProgress {
  readonly cancelled: boolean;
  update(p: { current?: number; total?: number; message?: string }): void;
}

/**
 * Streams the rows of `admin` matching `where` to a local temporary file, batch by batch,
 * honouring back-pressure and cancellation, then stores it as job `jobId`'s export in the site's
 * database (`weft_export_chunks`, see `stored.ts`) and removes the local file. A cancelled or
 * failed export stores nothing and leaves no file.
 * @returns how many rows were written
 * @throws (rejects) the database's or the file system's error
 */
export async function exportRows(
  site: AdminSiteLike,
  admin: ModelAdmin<any, any>,
  source: ExportSource,
  jobId: string,
  progress: ExportProgress,
  opts: ExportCsvOptions = {},
): Promise<number> {
  const query = site.query(admin);
  const { pk, table, listDisplay } = query.config;
  const spec = formSpec(site, admin);
  const part = exportPartFile(jobId);
  const out = createWriteStream(part, { encoding: "utf8" });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const n = Math.max(1, Math.floor(opts.batchSize ?? EXPORT_BATCH));
  const db = qb(site.db);
  let written = 0;
  let offset = 0; // next key to read, with `keys`
  try {
    await write((opts.bom ?? true ? BOM : "") + csvRecord(listDisplay.map((c) => c.label)));
    let last: unknown = undefined;
    for (;;) {
      if (progress.cancelled) break;
      let cond: SQL | undefined;
      if ("keys" in source) {
        const keys = source.keys.slice(offset, offset + n);
        if (keys.length === 0) break;
        cond = query.dialect.inList(pk.column, keys);
        offset += keys.length;
      } else cond = last === undefined ? source.where : and(source.where, gt(pk.column, last));
      let q = db.select().from(table).$dynamic();
      if (cond) q = q.where(cond);
      const rows = (await q.orderBy(pk.column).limit(n)) as Record<string, unknown>[];
      // (with keys, a row deleted since the click is skipped)
      if (!("keys" in source) && rows.length === 0) break;
      let chunk = "";
      for (const row of rows) chunk += csvRecord(listDisplay.map((c) => cellOf(c, row, spec)));
      if (chunk) await write(chunk);
      written += rows.length;
      if (rows.length > 0) last = rows[rows.length - 1]![pk.key];
      progress.update({ current: written, message: `Exported ${written} rows` });
      if (!("keys" in source) && rows.length < n) break;
    }
    out.end();
    await once(out, "finish");
    if (progress.cancelled) {
      await rm(part, { force: true });
      return written;
    }
    await storeExport(site, jobId, part);
    // cancelled while being stored: the job ends cancelled, and its file is never offered
    if (progress.cancelled) {
      await deleteExport(site, jobId);
      return written;
    }
    progress.update({ current: written, total: written, message: `Exported ${written} rows: the file is ready to download` });
    return written;
  } catch (err) {
    out.destroy();
    await rm(part, { force: true });
    throw err;
  }
}
