/**
 * The built-in "Export selected as CSV" action: a progress job that streams the selected rows,
 * in primary-key order and in batches (keyset pagination: `pk > last ORDER BY pk LIMIT n`, so
 * memory stays flat whatever the row count), to `<export dir>/<job id>.csv`; the job page then
 * links to `<prefix>/jobs/<id>/download`.
 */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { and, gt } from "drizzle-orm";
import type { AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ResolvedColumn } from "../query/index.js";
import { qb } from "../query/dialect/index.js";
import { withProgress } from "../jobs/with-progress.js";
import { BOM, CsvRaw, csvRecord } from "./format.js";
import { formSpec, type FormSpec } from "../changeform/fields.js";
import { toFormValue } from "../changeform/coerce.js";
import { ensureExportDir, exportFile, sweepExports } from "./files.js";

/** The built-in export action's name. */
export const EXPORT_CSV = "export_csv";
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
 * header. Written to a `.part` file renamed when complete, so a download never sees half a file.
 */
export function exportCsvAction(admin: ModelAdmin<any, any>): AdminAction {
  let action = actions.get(admin);
  if (action) return action;
  const opts: ExportCsvOptions = typeof admin.options.exportCsv === "object" ? admin.options.exportCsv : {};
  action = withProgress(
    { name: EXPORT_CSV, label: "Export selected as CSV", permissions: [admin.perm("view")], changesData: false },
    async (ctx, selection, progress) => {
      await exportRows(ctx.site, ctx.admin, selection.where, ctx.jobId, progress, opts);
    },
  );
  actions.set(admin, action);
  return action;
}

/** What {@link exportRows} reports to (a `Progress`). */
interface ExportProgress {
  readonly cancelled: boolean;
  update(p: { current?: number; total?: number; message?: string }): void;
}

/**
 * Streams the rows of `admin` matching `where` to the job's file, batch by batch, honouring
 * back-pressure and cancellation (a cancelled export leaves no file).
 * @returns how many rows were written
 */
export async function exportRows(
  site: AdminSiteLike,
  admin: ModelAdmin<any, any>,
  where: ReturnType<typeof and>,
  jobId: string,
  progress: ExportProgress,
  opts: ExportCsvOptions = {},
): Promise<number> {
  await ensureExportDir(site);
  void sweepExports(site);
  const query = site.query(admin);
  const { pk, table, listDisplay } = query.config;
  const spec = formSpec(site, admin);
  const file = exportFile(site, jobId);
  const part = `${file}.part`;
  const out = createWriteStream(part, { encoding: "utf8" });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const n = Math.max(1, Math.floor(opts.batchSize ?? EXPORT_BATCH));
  const db = qb(site.db);
  let written = 0;
  try {
    await write((opts.bom ?? true ? BOM : "") + csvRecord(listDisplay.map((c) => c.label)));
    let last: unknown = undefined;
    for (;;) {
      if (progress.cancelled) break;
      const cond = last === undefined ? where : and(where, gt(pk.column, last));
      let q = db.select().from(table).$dynamic();
      if (cond) q = q.where(cond);
      const rows = (await q.orderBy(pk.column).limit(n)) as Record<string, unknown>[];
      if (rows.length === 0) break;
      let chunk = "";
      for (const row of rows) chunk += csvRecord(listDisplay.map((c) => cellOf(c, row, spec)));
      await write(chunk);
      written += rows.length;
      last = rows[rows.length - 1]![pk.key];
      progress.update({ current: written, message: `Exported ${written} rows` });
      if (rows.length < n) break;
    }
    out.end();
    await once(out, "finish");
    if (progress.cancelled) {
      await rm(part, { force: true });
      return written;
    }
    await rename(part, file);
    progress.update({ current: written, total: written, message: `Exported ${written} rows: the file is ready to download` });
    return written;
  } catch (err) {
    out.destroy();
    await rm(part, { force: true });
    throw err;
  }
}
