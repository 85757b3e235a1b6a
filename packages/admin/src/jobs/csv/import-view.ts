/**
 * "Import CSV", `<prefix>/<app>/<model>/import/` (add or change permission): upload a file
 * (LiveView uploads), map its columns to fields (auto-matched by name or label, editable),
 * check it (the dry run: every refused row with its line and reasons), then import: a
 * cancellable progress job; the browser goes to its page.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { NotFoundError, on, UnauthorizedError, type Params } from "@weft/server";
import { JobQuotaError } from "@weft/server/jobs";
import { formSpec } from "../../changeform/fields.js";
import { crumbsFor, type Crumb } from "../../changeform/page.js";
import type { ModelAdmin } from "../../model/model-admin.js";
import { AdminView } from "../../shell/base.js";
import { jobUrl } from "../refs.js";
import { tooManyOfYourJobs } from "../with-progress.js";
import { autoMapping, importableFields, ImportFileError, planImport, type ImportMapping, type ImportPlan } from "./import-plan.js";
import { startImport } from "./import-job.js";
import { parseCsv } from "./format.js";

/** Largest file accepted (bytes). */
export const IMPORT_MAX_BYTES = 20_000_000;
/** Refused rows listed on the page (all are counted). */
const ERRORS_SHOWN = 200;

/** The page's assigns. */
export interface ImportAssigns {
  crumbs: Crumb[];
  title: string;
  listUrl: string;
  step: "upload" | "map" | "checked";
  fileName: string;
  headers: string[];
  sample: string[];
  fields: { key: string; label: string }[];
  mapping: ImportMapping;
  matchOn: string;
  error: string | null;
  summary: { rows: number; adds: number; changes: number; refused: number } | null;
  errors: { line: number; messages: string[] }[];
}

const MapForm = z.record(z.string().max(200), z.string().max(200));

export class ImportView extends AdminView<ImportAssigns> {
  static template = new URL("../../../src/jobs/csv/import.eta", import.meta.url);
  static title = "Import CSV";

  private admin!: ModelAdmin<any, any>;
  private text = "";
  private plan: ImportPlan | undefined;

  mount(params: Params): ImportAssigns {
    this.admin = this.checked(params);
    this.allowUpload("csv", { accept: [".csv", "text/csv"], maxEntries: 1, maxFileSize: IMPORT_MAX_BYTES });
    const a = this.admin;
    return {
      crumbs: crumbsFor(this.site, a, { last: "Import CSV" }),
      title: `Import ${a.verboseNamePlural.toLowerCase()} from CSV`,
      listUrl: a.url,
      step: "upload",
      fileName: "",
      headers: [],
      sample: [],
      fields: importableFields(formSpec(this.site, a)),
      mapping: {},
      matchOn: "",
      error: null,
      summary: null,
      errors: [],
    };
  }

  /** The admin, when the user may add or change its rows (checked on mount and every event). */
  private checked(params: Params | { app?: unknown; model?: unknown }): ModelAdmin<any, any> {
    const admin = this.modelAdmin(params, "view");
    if (admin.options.importCsv === false) throw new NotFoundError("import is off");
    if (!admin.has(this.user, "add") && !admin.has(this.user, "change")) throw new UnauthorizedError(`import ${admin.name}`);
    return admin;
  }

  private recheck(): void {
    this.checked({ app: this.admin.app, model: this.admin.name });
  }

  /** The mapping and key field from the map form's fields (`col_<i>`, `match_on`). */
  private readForm(form: Record<string, string>): { mapping: ImportMapping; matchOn: string } {
    const mapping: ImportMapping = {};
    this.assigns.headers.forEach((_, i) => {
      const v = form[`col_${i}`];
      if (v) mapping[i] = v;
    });
    return { mapping, matchOn: form.match_on ?? "" };
  }

  events = {
    validate: () => {},
    read: async () => {
      this.recheck();
      const [file] = await this.consumeUploadedEntries("csv", async (entry, path) => ({ name: entry.name, text: await readFile(path, "utf8") }));
      if (!file) return this.assign({ error: "Choose a CSV file first." });
      let headers: string[] = [];
      let sample: string[] = [];
      try {
        const recs = parseCsv(file.text.slice(0, 200_000));
        headers = recs[0] ?? [];
        sample = recs[1] ?? [];
      } catch (err) {
        return this.assign({ error: `The file is not valid CSV (${(err as Error).message}).` });
      }
      if (headers.length === 0) return this.assign({ error: "The file is empty: the first line must name the columns." });
      this.text = file.text;
      this.plan = undefined;
      const mapping = autoMapping(headers, formSpec(this.site, this.admin));
      const pk = formSpec(this.site, this.admin).pk.key;
      this.assign({ step: "map", fileName: file.name, headers, sample, mapping, matchOn: Object.values(mapping).includes(pk) ? pk : "", error: null, summary: null, errors: [] });
    },
    check: on(MapForm, async (form) => {
      this.recheck();
      const { mapping, matchOn } = this.readForm(form);
      this.assign({ mapping, matchOn });
      try {
        this.plan = await planImport(this.site, this.admin, this.user, this.text, { mapping, matchOn: matchOn || null });
      } catch (err) {
        if (!(err instanceof ImportFileError)) throw err;
        this.plan = undefined;
        return this.assign({ step: "map", error: err.message, summary: null, errors: [] });
      }
      const p = this.plan;
      this.assign({
        step: "checked",
        error: null,
        summary: { rows: p.rows.length + p.errors.length, adds: p.adds, changes: p.changes, refused: p.errors.length },
        errors: p.errors.slice(0, ERRORS_SHOWN),
      });
    }),
    run: async () => {
      this.recheck();
      if (!this.plan || this.plan.rows.length === 0) return this.assign({ error: "Nothing to import: check the file first." });
      try {
        const id = await startImport(this.site, this.admin, this.user, this.plan, { fileName: this.assigns.fileName });
        this.redirect(jobUrl(this.site, id));
      } catch (err) {
        if (err instanceof JobQuotaError) return this.putFlash("error", tooManyOfYourJobs(err, "Import CSV"));
        throw err;
      }
    },
  };
}
