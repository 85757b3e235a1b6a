/**
 * The dry run of a CSV import: the file parsed, its columns mapped to the model's fields, and
 * every row validated as the change form would validate it (the same coercion and drizzle-zod
 * schema, `validateForm`), without writing anything. The import job then writes the rows the
 * plan found valid.
 */
import { eq, and } from "drizzle-orm";
import type { SessionUser } from "../../auth/index.js";
import { formSpec, writableFields, type FormSpec } from "../../changeform/fields.js";
import { validateForm, type FormInput } from "../../changeform/schema.js";
import { toFormValue } from "../../changeform/coerce.js";
import type { ModelAdmin } from "../../model/model-admin.js";
import type { AdminSiteLike } from "../../model/site-like.js";
import { qb } from "../../query/dialect/index.js";
import { parseCsv } from "./format.js";

/** CSV column index → field key ("" or absent: the column is ignored). */
export type ImportMapping = Record<number, string>;

/** One row the import will write. */
export interface PlannedRow {
  /** the row's line in the file (the header is line 1) */
  line: number;
  /** insert a new row, or update the row matched by the key field */
  mode: "add" | "change";
  /** the matched row's primary key (for `change`) */
  id?: unknown;
  /** the values to write, by field key */
  data: Record<string, unknown>;
}

/** One refused row: its line and what is wrong, field by field ("Price: Enter a number."). */
export interface RowError {
  line: number;
  messages: string[];
}

/** The dry run's outcome. */
export interface ImportPlan {
  headers: string[];
  mapping: ImportMapping;
  /** the field rows are matched on (the primary key or a unique field), or null: every row is new */
  matchOn: string | null;
  rows: PlannedRow[];
  errors: RowError[];
  /** how many rows would be added / changed */
  adds: number;
  changes: number;
}

/** Limits of one import (a file over them is refused whole). */
export const IMPORT_LIMITS = { maxRows: 200_000, maxColumns: 200 } as const;

/** The fields a CSV column may map to: the writable fields of the add form plus the primary key. */
export function importableFields(spec: FormSpec): { key: string; label: string }[] {
  const seen = new Set<string>();
  const out: { key: string; label: string }[] = [];
  for (const f of [spec.pk, ...writableFields(spec, "add"), ...writableFields(spec, "change")]) {
    if (seen.has(f.key)) continue;
    seen.add(f.key);
    out.push({ key: f.key, label: f.label });
  }
  return out;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, "");

/** Each header matched to a field by key or label (case, spaces, `_` and `-` ignored); unmatched columns are ignored. */
export function autoMapping(headers: readonly string[], spec: FormSpec): ImportMapping {
  const fields = importableFields(spec);
  const out: ImportMapping = {};
  const used = new Set<string>();
  headers.forEach((h, i) => {
    const f = fields.find((x) => !used.has(x.key) && (norm(x.key) === norm(h) || norm(x.label) === norm(h)));
    if (f) {
      out[i] = f.key;
      used.add(f.key);
    }
  });
  return out;
}

/** Thrown for a file that cannot be imported at all (bad CSV, no header, too big, bad mapping). Code `WEFT_ADMIN_ERR_IMPORT`. */
export class ImportFileError extends Error {
  readonly code = "WEFT_ADMIN_ERR_IMPORT";
  constructor(message: string) {
    super(message);
    this.name = "ImportFileError";
  }
}

/** What {@link planImport} takes besides the file. */
export interface PlanOptions {
  /** column index → field key; default {@link autoMapping} */
  mapping?: ImportMapping;
  /** match rows on this field to update them (the primary key or a unique column); default: the primary key when it is mapped */
  matchOn?: string | null;
}

/**
 * Parses `text`, maps its columns and validates every row (the dry run). A row whose key value
 * matches an existing row (within the user's `getQueryset`) becomes an update, others inserts;
 * inserts need the add permission, updates the change permission.
 * @throws ImportFileError for malformed CSV, an empty file, more than {@link IMPORT_LIMITS}, a mapping to an unknown field or to one field twice, or a `matchOn` not mapped
 */
export async function planImport(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, text: string, opts: PlanOptions = {}): Promise<ImportPlan> {
  const spec = formSpec(site, admin);
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new ImportFileError(`The file is not valid CSV (${(err as Error).message}).`);
  }
  const headers = records.shift();
  if (!headers || headers.length === 0) throw new ImportFileError("The file is empty: the first line must name the columns.");
  if (headers.length > IMPORT_LIMITS.maxColumns) throw new ImportFileError(`The file has ${headers.length} columns; at most ${IMPORT_LIMITS.maxColumns} are accepted.`);
  if (records.length > IMPORT_LIMITS.maxRows) throw new ImportFileError(`The file has ${records.length} rows; at most ${IMPORT_LIMITS.maxRows.toLocaleString("en-US")} are accepted per import.`);
  const mapping = opts.mapping ?? autoMapping(headers, spec);
  const allowed = new Set(importableFields(spec).map((f) => f.key));
  const mapped = new Set<string>();
  for (const [col, key] of Object.entries(mapping)) {
    if (!key) continue;
    if (!allowed.has(key)) throw new ImportFileError(`Column ${Number(col) + 1} is mapped to "${key}", which is not a field that can be imported.`);
    if (mapped.has(key)) throw new ImportFileError(`Two columns are mapped to "${key}".`);
    mapped.add(key);
  }
  const matchOn = opts.matchOn === undefined ? (mapped.has(spec.pk.key) ? spec.pk.key : null) : opts.matchOn;
  if (matchOn !== null && !mapped.has(matchOn)) throw new ImportFileError(`Rows are matched on "${matchOn}", but no column is mapped to it.`);
  const matchField = matchOn === null ? undefined : spec.byKey.get(matchOn);
  if (matchOn !== null && !matchField) throw new ImportFileError(`"${matchOn}" is not a field of ${admin.verboseNamePlural}.`);
  const scope = admin.options.getQueryset?.(user);
  const mayAdd = admin.has(user, "add");
  const mayChange = admin.has(user, "change");
  const db = qb(site.db);
  const plan: ImportPlan = { headers, mapping, matchOn, rows: [], errors: [], adds: 0, changes: 0 };
  const labelOf = (key: string) => spec.byKey.get(key)?.label ?? key;

  for (let r = 0; r < records.length; r++) {
    const rec = records[r]!;
    const line = r + 2;
    if (rec.length !== headers.length) {
      plan.errors.push({ line, messages: [`The row has ${rec.length} fields; the header has ${headers.length}.`] });
      continue;
    }
    const input: FormInput = {};
    for (const [col, key] of Object.entries(mapping)) if (key) input[key] = rec[Number(col)];
    let current: Record<string, unknown> | undefined;
    if (matchField && input[matchField.key] !== undefined && input[matchField.key] !== "") {
      const probe = validateForm(spec, "add", { [matchField.key]: input[matchField.key] } as FormInput);
      const raw = matchField.primary ? coerceKey(matchField, String(input[matchField.key])) : probe.data[matchField.key];
      if (raw !== undefined) {
        const cond = and(eq(matchField.column, raw), scope);
        current = ((await db.select().from(admin.table).where(cond!).limit(1)) as Record<string, unknown>[])[0];
      }
    }
    const mode = current ? "change" : "add";
    if (mode === "add" && !mayAdd) {
      plan.errors.push({ line, messages: ["You may not add rows: this row matches no existing one."] });
      continue;
    }
    if (mode === "change" && !mayChange) {
      plan.errors.push({ line, messages: ["You may not change existing rows."] });
      continue;
    }
    // an update sends the stored value of every unmapped field, so only mapped fields change
    if (current) for (const f of writableFields(spec, "change")) if (input[f.key] === undefined) input[f.key] = toFormValue(f, current[f.key], current);
    const { data, errors } = validateForm(spec, mode, input, current);
    const messages = Object.entries(errors).map(([key, errs]) => `${labelOf(key)}: ${errs.join(" ")}`);
    if (messages.length > 0) {
      plan.errors.push({ line, messages });
      continue;
    }
    if (mode === "add" && input[spec.pk.key] !== undefined && input[spec.pk.key] !== "") data[spec.pk.key] = coerceKey(spec.pk, String(input[spec.pk.key]));
    plan.rows.push(mode === "change" ? { line, mode, id: current![spec.pk.key], data } : { line, mode, data });
    if (mode === "add") plan.adds++;
    else plan.changes++;
  }
  return plan;
}

/** A key typed as its column: numbers for integer keys, the text otherwise. */
function coerceKey(f: { column: { dataType: string } }, s: string): unknown {
  if (f.column.dataType === "number") {
    const n = Number(s);
    return Number.isInteger(n) ? n : undefined;
  }
  return s;
}
