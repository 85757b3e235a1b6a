/**
 * An inline's rows on one change form (Django's formset): loaded with the parent, read from
 * a payload (`<prefix>-<i>-<field>`, `<prefix>-<i>-id`, `<prefix>-<i>-DELETE`,
 * `<prefix>-TOTAL_FORMS`), validated row by row with the child's form rules, and turned into the
 * writes to run in the parent's transaction.
 */
import { asc, eq } from "drizzle-orm";
import type { SessionUser } from "../auth/index.js";
import { qb, type AdminDatabase } from "../query/dialect/index.js";
import { allReads } from "../query/index.js";
import { foreignKeyChoices, relatedLabel, type Choice } from "./choices.js";
import { shownFields } from "./fields.js";
import type { InlineSpec } from "./inline-spec.js";
import { initialValues } from "./present.js";
import type { AutocompleteState } from "./autocomplete.js";
import { validateForm, type FieldErrors, type FormInput } from "./schema.js";

type Row = Record<string, unknown>;

/** One row of an inline: a stored child (`id`) or a new one. */
export interface InlineRow {
  /** the child's primary key as text, or null for a new row */
  id: string | null;
  /** the stored child (existing rows) */
  stored: Row | undefined;
  values: Record<string, string>;
  delete: boolean;
  errors: FieldErrors;
  /** labels of the related objects of the row's foreign keys (as loaded; an edited key drops its label) */
  labels: Map<string, string | undefined>;
  /** the row's comboboxes by field key (inline-autocomplete.ts) */
  ac: Map<string, AutocompleteState>;
}

/** An inline's state in a form. */
export interface Formset {
  is: InlineSpec;
  rows: InlineRow[];
  /** select choices of the child's foreign keys (null: a number input), by field key */
  choices: Map<string, Choice[] | null>;
  /** "Please submit at most 20 order items.", or null */
  error: string | null;
}

/** A child write, run in the parent's transaction (inline-persist.ts). */
export type InlineWrite = { op: "insert"; data: Row; row?: InlineRow } | { op: "update"; id: unknown; data: Row; row?: InlineRow } | { op: "delete"; id: unknown };

/** What the user may do with the child model. */
export interface InlinePerms {
  view: boolean;
  add: boolean;
  change: boolean;
  delete: boolean;
}

/** The user's permissions on the inline's child model. */
export function inlinePerms(is: InlineSpec, user: SessionUser): InlinePerms {
  const a = is.admin;
  return { view: a.has(user, "view"), add: a.has(user, "add"), change: a.has(user, "change"), delete: a.has(user, "delete") && is.canDelete };
}

function blank(is: InlineSpec): InlineRow {
  return { id: null, stored: undefined, values: initialValues(is.spec, "add", undefined), delete: false, errors: {}, labels: new Map(), ac: new Map() };
}

/** The stored children of parent `parentValue` (none on the add form) plus the `extra` blank rows the user may add (within `maxNum`). */
export async function loadFormset(db: AdminDatabase, is: InlineSpec, parentValue: unknown, perms: InlinePerms): Promise<Formset> {
  const stored =
    parentValue === undefined
      ? []
      : ((await qb(db).select().from(is.admin.table).where(eq(is.fkColumn, parentValue)).orderBy(asc(is.spec.pk.column))) as Row[]);
  const rows: InlineRow[] = stored.map((r) => ({ id: String(r[is.spec.pk.key]), stored: r, values: initialValues(is.spec, "change", r), delete: false, errors: {}, labels: new Map(), ac: new Map() }));
  const room = perms.add ? Math.max(0, Math.min(is.extra, is.maxNum - rows.length)) : 0;
  for (let i = 0; i < room; i++) rows.push(blank(is));
  const choices = new Map<string, Choice[] | null>();
  for (const f of shownFields(is.spec)) {
    if (f.kind !== "foreignKey" || !f.fk) continue;
    const c = f.autocomplete ? null : await foreignKeyChoices(db, f.fk);
    choices.set(f.key, c);
    // beyond the select's limit the key is a combobox (inline-autocomplete.ts) or a number input: its object's label shows
    if (c === null) await allReads(rows.map(async (r) => r.stored && r.labels.set(f.key, await relatedLabel(db, f.fk!, r.stored[f.key]))));
  }
  return { is, rows, choices, error: null };
}

/** Adds a blank row (the "Add another" button), within `maxNum`; false when full. */
export function addRow(fs: Formset): boolean {
  if (fs.rows.length >= fs.is.maxNum) return false;
  fs.rows.push(blank(fs.is));
  return true;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

/**
 * Reads the rows' values from a payload. Existing rows are matched by their `id` input (a
 * crafted id that is not one of the parent's children is ignored); new rows beyond the ones
 * shown are added up to `TOTAL_FORMS` and `maxNum`.
 */
export function readFormset(fs: Formset, p: FormInput, canAdd: boolean): void {
  const pre = fs.is.prefix;
  const total = Math.min(Number(one(p[`${pre}-TOTAL_FORMS`]) ?? fs.rows.length) || 0, 1000);
  const byId = new Map(fs.rows.filter((r) => r.id !== null).map((r) => [r.id!, r]));
  const next: InlineRow[] = fs.rows.filter((r) => r.id !== null);
  const fresh = fs.rows.filter((r) => r.id === null);
  for (let i = 0; i < total; i++) {
    const id = one(p[`${pre}-${i}-id`]) ?? "";
    const row = id !== "" ? byId.get(id) : fresh.shift() ?? (canAdd && next.length < fs.is.maxNum ? blank(fs.is) : undefined);
    if (!row) continue;
    if (row.id === null && !next.includes(row)) next.push(row);
    for (const f of shownFields(fs.is.spec)) {
      const v = one(p[`${pre}-${i}-${f.key}`]);
      const next = v ?? (f.kind === "boolean" ? "" : row.values[f.key] ?? "");
      if (next !== row.values[f.key]) row.labels.delete(f.key);
      row.values[f.key] = next;
    }
    row.delete = one(p[`${pre}-${i}-DELETE`]) !== undefined;
  }
  fs.rows = next;
}

/** A new row the user left as offered (Django skips an unchanged extra form). */
function untouched(fs: Formset, r: InlineRow): boolean {
  const initial = blank(fs.is).values;
  return r.id === null && Object.entries(r.values).every(([k, v]) => v === (initial[k] ?? ""));
}

/**
 * Validates every row with the child's form rules and returns the writes, as Django's
 * `formset.is_valid()` + `save(commit=False)`: unchanged blank rows are skipped, rows marked
 * Delete are deleted without validation, rows the user may not write are left as stored.
 * @returns the writes, or null when a row has errors (they are on the rows)
 */
export function validateFormset(fs: Formset, perms: InlinePerms): InlineWrite[] | null {
  const writes: InlineWrite[] = [];
  let bad = false;
  fs.error = null;
  for (const r of fs.rows) {
    r.errors = {};
    if (r.id !== null && r.delete && perms.delete) {
      writes.push({ op: "delete", id: r.stored![fs.is.spec.pk.key] });
      continue;
    }
    if (untouched(fs, r) || (r.id === null ? !perms.add : !perms.change)) continue;
    const mode = r.id === null ? "add" : "change";
    const { data, errors } = validateForm(fs.is.spec, mode, r.values, r.stored);
    if (Object.keys(errors).length > 0) {
      r.errors = errors;
      bad = true;
    } else writes.push(r.id === null ? { op: "insert", data, row: r } : { op: "update", id: r.stored![fs.is.spec.pk.key], data, row: r });
  }
  const kept = fs.rows.filter((r) => r.id !== null && !(r.delete && perms.delete)).length + writes.filter((w) => w.op === "insert").length;
  if (kept > fs.is.maxNum) {
    fs.error = `Please submit at most ${fs.is.maxNum} ${fs.is.admin.verboseNamePlural.toLowerCase()}.`;
    bad = true;
  }
  return bad ? null : writes;
}
