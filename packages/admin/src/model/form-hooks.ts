/**
 * The change form's hooks, as Django admin's `save_model`, `delete_model`, `ModelForm.clean`,
 * `get_readonly_fields` and `has_change_permission(request, obj)`: business rules a ModelAdmin
 * adds without touching the admin's code. Declared in the ModelAdmin options; run by the
 * change form (changeform/view.ts) and its writes (changeform/persist.ts).
 */
import type { SessionUser } from "../auth/index.js";
import type { QueryBuilder } from "../query/dialect/index.js";

type Row = Record<string, unknown>;

/** What `saveModel` gets besides the object: the write's transaction and the default write. */
export interface SaveModelContext {
  /** the transaction the write and its audit entry run in: write other rows through it */
  tx: QueryBuilder;
  /** the acting user, or null (a write from code) */
  user: SessionUser | null;
  /** the row as stored before this save (change), or null (add) */
  before: Row | null;
  /** the default write: INSERT (add) or UPDATE of the changed columns (change) of `obj`; returns the stored row */
  save(obj: Row): Promise<Row>;
}

/** What `deleteModel` gets besides the object. */
export interface DeleteModelContext {
  tx: QueryBuilder;
  user: SessionUser | null;
  /** the default write: DELETE of the object */
  delete(): Promise<void>;
}

/** What `clean` gets besides the values. */
export interface CleanContext {
  user: SessionUser;
  /** the stored object (change form), or null (add form) */
  obj: Row | null;
  change: boolean;
}

/** What `clean` returns: errors by field key and errors of the whole form (Django's non-field errors). */
export interface CleanResult {
  fieldErrors?: Record<string, string | string[]>;
  formErrors?: string[];
}

/** One field's validator: an error message, or undefined when the value is fine. */
export type FieldValidator = (value: unknown, values: Row) => string | undefined;

/**
 * An input of the change form (Django's form widgets): `text` / `textarea` (text columns),
 * `select` / `radio` (fixed `choices`, text or number columns), `checkbox` (boolean or integer
 * columns, stored 1 / 0), `date` (a timestamp column at midnight in the site's zone, or a text
 * column holding `YYYY-MM-DD`), `datetime-local` (timestamps), `number` (number columns, or text
 * holding a number), `email`, `url` (http / https) and `color` (`#rrggbb`) on text columns.
 */
export type FormWidget = "text" | "textarea" | "select" | "radio" | "checkbox" | "date" | "datetime-local" | "number" | "email" | "url" | "color";

/** How one field is validated and edited (Django's `formfield_overrides`, by column key). */
export interface FormfieldOverride {
  validators?: readonly FieldValidator[];
  /**
   * the input instead of the one derived from the column (see {@link FormWidget}); checked
   * against the column at registration (`WEFT_ADMIN_ERR_FORM_OPTIONS`), and every submitted
   * value on the server: a value outside the choices, a malformed email, URL, date or colour is
   * refused with a field error
   * @example { size: { widget: "radio", choices: [{ value: 1, label: "Small" }, { value: 2, label: "Large" }] } }
   */
  widget?: FormWidget;
  /** for `select` / `radio`: the allowed values (stored as given; a number column stores numbers), optionally labelled; default: the column's enum */
  choices?: readonly (string | number | { value: string | number; label: string })[];
  /** how this field reads when empty, in the change list and read-only form fields (Django's `@admin.display(empty_value=…)`); over the ModelAdmin's and the site's `emptyValueDisplay` */
  emptyValueDisplay?: string;
}

/** The hooks of the ModelAdmin options (all optional). */
export interface FormHookOptions {
  /**
   * Django's `save_model(request, obj, form, change)`: replaces the write of the add / change
   * form. `obj` holds the validated values (change: over the stored row); call `ctx.save(obj)`
   * for the default write (after stamping fields, say) or write through `ctx.tx` and return
   * the stored row. Runs in the transaction of the audit entry: a throw writes nothing.
   */
  saveModel?(ctx: SaveModelContext, obj: Row, change: boolean): Promise<Row>;
  /** Django's `delete_model(request, obj)`: replaces the DELETE (`ctx.delete()` is the default), in the audit entry's transaction. */
  deleteModel?(ctx: DeleteModelContext, obj: Row): Promise<void>;
  /**
   * Django's `ModelForm.clean()`: checks the form as a whole. `values` are the validated
   * values over the stored row. Runs live (on change) and on save; any error refuses the save.
   */
  clean?(values: Row, ctx: CleanContext): CleanResult | undefined | void | Promise<CleanResult | undefined | void>;
  /** Django's `formfield_overrides`, by column key: extra validators and the widget */
  formfieldOverrides?: Readonly<Record<string, FormfieldOverride>>;
  /** Django's `get_readonly_fields(request, obj)`: extra read-only fields for `user` on `obj` (null: add form), added to `readonlyFields` */
  getReadonlyFields?(user: SessionUser, obj: Row | null): readonly string[];
  /**
   * Django's `ModelAdmin.empty_value_display`: how empty values read in the change list and
   * read-only form fields of this model, over the site's `emptyValueDisplay` (default "—";
   * Django's is "-"); a field's own (`formfieldOverrides[key].emptyValueDisplay`) wins
   */
  emptyValueDisplay?: string;
}
