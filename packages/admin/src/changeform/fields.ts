/**
 * The change form's fields, derived once per ModelAdmin from its drizzle table (column types,
 * nullability, defaults, enums, foreign keys, simple CHECK constraints) and its options
 * (`fields` / `fieldsets`, `readonlyFields`, `labels`, `relations`), as Django's
 * `ModelAdmin.get_form` derives a `ModelForm` from the model.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { ModelAdmin } from "../model/model-admin.js";
import { humanize } from "../query/names.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { Display, FieldType } from "../model/field-types.js";
import { checkBounds, type Bounds } from "./checks.js";
import { WeftAdminError } from "../errors.js";
import { tableInfo } from "../query/dialect/tables.js";
import type { FormWidget } from "../model/form-hooks.js";
import { applyWidget } from "./widgets.js";

/** How a field is edited. */
export type FieldKind =
  | "text" // <input type="text">
  | "textarea" // long text
  | "integer" // <input type="number" step="1">
  | "real" // <input type="number" step="any">
  | "boolean" // checkbox
  | "choice" // text enum → <select>
  | "datetime" // timestamp → <input type="datetime-local"> (in the site's display.timeZone)
  | "foreignKey" // <select> of related rows, or a number input beyond the choice limit
  | "other"; // a type the form cannot edit (JSON, blobs): always shown read-only

/** The foreign key behind a `foreignKey` field. */
export interface ForeignKeyInfo {
  /** the related table */
  table: SQLiteTable;
  /** the referenced column of the related table and its key */
  references: SQLiteColumn;
  referencesKey: string;
  /** the related column labelling a row (the relation's `display`), if declared */
  display: SQLiteColumn | undefined;
  /** the ModelAdmin of the related table, if registered (for links) */
  admin: ModelAdmin<any, any> | undefined;
}

/** One field of the change form. */
export interface FormField {
  /** the column key (property name), e.g. `totalCents`; also the input's `name` */
  key: string;
  column: SQLiteColumn;
  label: string;
  kind: FieldKind;
  /** the column accepts NULL (an empty input means NULL) */
  nullable: boolean;
  /** the column has a default (an empty input on the add form means "use the default") */
  hasDefault: boolean;
  /** named in `readonlyFields`, the primary key, or a kind the form cannot edit */
  readonly: boolean;
  /** the primary key */
  primary: boolean;
  /** for `choice`: the allowed values */
  choices: readonly string[];
  /** for `foreignKey` */
  fk: ForeignKeyInfo | undefined;
  /** for `foreignKey`: listed in `autocompleteFields` (search-as-you-type, never a select) */
  autocomplete: boolean;
  /** bounds from simple CHECK constraints (`total_cents >= 0`) */
  bounds: Bounds;
  /** for `datetime`: how the column stores it */
  timestampMode: "timestamp" | "timestamp_ms" | undefined;
  /** the ModelAdmin's `fieldTypes` entry (money, decimal, percent, boolean), if any */
  type: FieldType | undefined;
  /** the site's locale, currency and time zone */
  display: Display;
  /** the `formfieldOverrides` widget, if any (changeform/widgets.ts) */
  widget?: FormWidget | undefined;
  /** for `choice`: the labels of the choices given with the widget (else the values, humanized) */
  choiceLabels?: ReadonlyMap<string, string> | undefined;
}

/** A titled group of fields (Django's fieldset). */
export interface FormFieldset {
  title: string | null;
  fields: FormField[];
}

/** Everything the change form knows about one model, computed once. */
export interface FormSpec {
  admin: ModelAdmin<any, any>;
  /** `app.name`, as in audit entries */
  model: string;
  pk: FormField;
  fieldsets: FormFieldset[];
  /** every field of the form by key (pk included, even when not shown) */
  byKey: Map<string, FormField>;
  /** every column of the table by key */
  columns: Record<string, SQLiteColumn>;
}

/** `WEFT_ADMIN_ERR_FORM_OPTIONS`: a ModelAdmin's form options do not fit its table. Thrown by `site.register`. */
export class FormOptionsError extends WeftAdminError {
  constructor(admin: ModelAdmin<any, any>, option: string, detail: string) {
    super("WEFT_ADMIN_ERR_FORM_OPTIONS", `weft admin: ModelAdmin(${admin.app}.${admin.name}) ${option}: ${detail}`);
  }
}

/** Column keys whose text is long enough to deserve a textarea. */
const LONG_TEXT = /(^|_|[a-z])(note|notes|description|body|content|comment|comments|message|details|bio|summary|text|address)$/i;

function kindOf(column: SQLiteColumn, key: string): FieldKind {
  const c = column as SQLiteColumn & { enumValues?: readonly string[]; mode?: string };
  // by drizzle's dataType, so that SQLite's and PostgreSQL's column classes read alike
  switch (column.dataType) {
    case "string":
      if (c.enumValues && c.enumValues.length > 0) return "choice";
      return LONG_TEXT.test(key) ? "textarea" : "text";
    case "number":
      // SQLiteInteger, PgInteger, PgSmallInt, PgSerial, PgBigInt53… vs SQLiteReal, PgReal, PgDoublePrecision
      return /Int|Serial/.test(column.columnType) ? "integer" : "real";
    case "boolean":
      return "boolean";
    case "date":
      return "datetime";
    default:
      return "other";
  }
}

/** `totalCents` → "Total cents", `id` → "ID", a foreign key `customerId` → "Customer". */
function labelOf(key: string, foreignKey: boolean): string {
  if (key.toLowerCase() === "id") return "ID";
  if (foreignKey && /.Id$/.test(key)) return humanize(key.slice(0, -2));
  return humanize(key);
}

const specs = new WeakMap<ModelAdmin<any, any>, FormSpec>();

/**
 * The form spec of `admin` (computed on first use, then cached).
 * @throws FormOptionsError when `fields` / `fieldsets` / `readonlyFields` name an unknown
 *   column, a field is listed twice, or the table has no single-column primary key
 */
export function formSpec(site: AdminSiteLike, admin: ModelAdmin<any, any>): FormSpec {
  let spec = specs.get(admin);
  if (!spec) specs.set(admin, (spec = buildSpec(site, admin)));
  return spec;
}

function buildSpec(site: AdminSiteLike, admin: ModelAdmin<any, any>): FormSpec {
  const table = admin.table as SQLiteTable;
  const columns = getTableColumns(table) as Record<string, SQLiteColumn>;
  const keyOf = new Map<SQLiteColumn, string>(Object.entries(columns).map(([k, c]) => [c, k]));
  const o = admin.options;
  const pks = Object.entries(columns).filter(([, c]) => c.primary);
  if (pks.length !== 1 || tableInfo(table).primaryKeys.length > 0) {
    throw new FormOptionsError(admin, "table", `${getTableName(table)} needs exactly one primary-key column`);
  }
  const pkKey = pks[0][0];
  const labels = (o.labels ?? {}) as Record<string, string>;
  const readonly = new Set<string>(o.readonlyFields ?? []);
  for (const k of readonly) if (!(k in columns)) throw new FormOptionsError(admin, "readonlyFields", `"${k}" is not a column of ${getTableName(table)}`);

  // foreign keys: the table's references, labelled through the declared relations
  const relations = site.query(admin).config.relations;
  const fks = new Map<string, ForeignKeyInfo & { relationName?: string }>();
  for (const fk of tableInfo(table).foreignKeys) {
    const ref = fk.reference();
    if (ref.columns.length !== 1) continue;
    const key = keyOf.get(ref.columns[0]);
    if (!key) continue;
    const relColumns = getTableColumns(ref.foreignTable) as Record<string, SQLiteColumn>;
    const referencesKey = Object.entries(relColumns).find(([, c]) => c === ref.foreignColumns[0])?.[0];
    if (!referencesKey) continue;
    const rel = [...relations.values()].find((r) => r.columnKey === key);
    fks.set(key, {
      table: ref.foreignTable,
      references: ref.foreignColumns[0],
      referencesKey,
      display: rel?.displayKey ? relColumns[rel.displayKey] : undefined,
      admin: site.all().find((a) => a.table === ref.foreignTable),
      relationName: rel?.name,
    });
  }

  for (const k of o.autocompleteFields ?? []) {
    const fk = fks.get(k);
    if (!fk) throw new FormOptionsError(admin, "autocompleteFields", `"${k}" is not a foreign-key column of ${getTableName(table)}`);
    if (!fk.admin || fk.admin.options.searchFields === undefined || fk.admin.options.searchFields.length === 0) {
      throw new FormOptionsError(admin, "autocompleteFields", `"${k}": the related table ${getTableName(fk.table)} needs a registered ModelAdmin with searchFields`);
    }
  }
  const autocomplete = new Set<string>(o.autocompleteFields ?? []);

  const bounds = checkBounds(table, keyOf);
  const byKey = new Map<string, FormField>();
  const field = (key: string): FormField => {
    let f = byKey.get(key);
    if (f) return f;
    const column = columns[key];
    const fk = fks.get(key);
    let kind = kindOf(column, key);
    if (fk && (kind === "integer" || kind === "text")) kind = "foreignKey";
    const type = o.fieldTypes?.[key];
    if (type?.type === "boolean" && kind === "integer") kind = "boolean";
    // formfieldOverrides: the widget (Django's `formfield_overrides`), checked against the column
    const override = o.formfieldOverrides?.[key];
    const w = override?.widget ? applyWidget(column, kind, override) : undefined;
    if (w && "error" in w) throw new FormOptionsError(admin, `formfieldOverrides.${key}.widget`, w.error);
    if (w) kind = w.kind;
    const c = column as SQLiteColumn & { enumValues?: readonly string[]; mode?: string };
    const label = labels[key] ?? (fk?.relationName ? labels[fk.relationName] ?? humanize(fk.relationName) : labelOf(key, fk !== undefined));
    f = {
      key,
      column,
      label,
      kind,
      nullable: !column.notNull,
      hasDefault: column.hasDefault || column.defaultFn !== undefined,
      readonly: readonly.has(key) || column.primary || kind === "other",
      primary: column.primary,
      choices: kind === "choice" ? [...(w?.choices ?? c.enumValues ?? [])] : [],
      fk: kind === "foreignKey" ? fk : undefined,
      autocomplete: kind === "foreignKey" && autocomplete.has(key),
      bounds: bounds.get(key) ?? {},
      timestampMode: kind === "datetime" ? (c.mode === "timestamp" ? "timestamp" : "timestamp_ms") : undefined,
      type,
      display: site.display,
      widget: w?.widget,
      choiceLabels: w?.choiceLabels,
    };
    byKey.set(key, f);
    return f;
  };

  const seen = new Set<string>();
  const take = (option: string, keys: readonly string[]): FormField[] =>
    keys.map((k) => {
      if (!(k in columns)) throw new FormOptionsError(admin, option, `"${k}" is not a column of ${getTableName(table)}`);
      if (seen.has(k)) throw new FormOptionsError(admin, option, `"${k}" is listed twice`);
      seen.add(k);
      return field(k);
    });

  let fieldsets: FormFieldset[];
  if (o.fieldsets && o.fieldsets.length > 0) {
    fieldsets = o.fieldsets.map(([title, keys]) => ({ title, fields: take("fieldsets", keys) }));
  } else {
    const keys = o.fields ?? Object.keys(columns).filter((k) => k !== pkKey);
    fieldsets = [{ title: null, fields: take("fields", keys) }];
  }
  const pk = field(pkKey);
  return { admin, model: `${admin.app}.${admin.name}`, pk, fieldsets, byKey, columns };
}

/** Every field shown in the form, in order. */
export function shownFields(spec: FormSpec): FormField[] {
  return spec.fieldsets.flatMap((fs) => fs.fields);
}

/**
 * The fields a form in `mode` may write. Readonly fields, the primary key and unsupported
 * kinds are never among them — with one exception on the add form: a readonly column the
 * INSERT cannot do without (NOT NULL, no default; e.g. an order number) is editable there,
 * as Django admins commonly do with `get_readonly_fields(obj=None)`. A primary key that is
 * not an integer (no rowid to generate it) is writable on the add form too.
 */
export function writableFields(spec: FormSpec, mode: "add" | "change"): FormField[] {
  const out = shownFields(spec).filter((f) => !f.readonly || (mode === "add" && requiredForInsert(f)));
  if (mode === "add" && spec.pk.kind !== "integer" && !out.includes(spec.pk)) out.unshift(spec.pk);
  return out;
}

/** A column an INSERT must give a value for. */
export function requiredForInsert(f: FormField): boolean {
  return !f.nullable && !f.hasDefault && !f.primary && f.kind !== "other";
}

/** Whether the form marks the field as required in `mode`. */
export function isRequired(f: FormField, mode: "add" | "change"): boolean {
  if (f.kind === "boolean") return false;
  return mode === "add" ? requiredForInsert(f) || (f.primary && f.kind !== "integer") : !f.nullable;
}

/**
 * `spec` with the fields `keys` made read-only too (the ModelAdmin's `getReadonlyFields(user, obj)`),
 * or `spec` itself when there are none.
 * @throws FormOptionsError when a key is not a column of the table
 */
export function withReadonly(spec: FormSpec, keys: readonly string[]): FormSpec {
  const extra = keys.filter((k) => !spec.byKey.get(k)?.readonly);
  if (extra.length === 0) return spec;
  for (const k of extra) if (!spec.byKey.has(k)) throw new FormOptionsError(spec.admin, "getReadonlyFields", `"${k}" is not a field of the form`);
  const byKey = new Map([...spec.byKey].map(([k, f]) => [k, extra.includes(k) ? { ...f, readonly: true } : f]));
  const fieldsets = spec.fieldsets.map((fs) => ({ ...fs, fields: fs.fields.map((f) => byKey.get(f.key)!) }));
  return { ...spec, pk: byKey.get(spec.pk.key)!, fieldsets, byKey };
}
