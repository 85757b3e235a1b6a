/**
 * A change form's inlines (Django's `inlines` formsets) as one object the view drives: loads
 * them with the parent, reads them from each payload, validates them with the parent's save,
 * writes them in its transaction and presents them to the template.
 */
import type { SessionUser } from "../auth/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { QueryBuilder } from "../query/dialect/index.js";
import { addRow, inlinePerms, loadFormset, readFormset, validateFormset, type Formset, type InlinePerms, type InlineWrite } from "./formset.js";
import { writeInline } from "./inline-persist.js";
import { inlineSpecs } from "./inline-spec.js";
import type { Written } from "./persist.js";
import { presentFieldsets, type FieldView } from "./present.js";
import type { FormInput } from "./schema.js";

/** One inline row, ready for the template. */
export interface InlineRowView {
  /** hidden inputs: `<prefix>-<i>-id` */
  idName: string;
  id: string;
  fields: FieldView[];
  /** the Delete checkbox's name, or "" when the row cannot be deleted */
  deleteName: string;
  deleteChecked: boolean;
  /** "Order item 3" / "New order item", for the row's accessible name */
  caption: string;
}

/** One inline, ready for the template. */
export interface InlineView {
  prefix: string;
  title: string;
  totalName: string;
  total: number;
  headers: string[];
  rows: InlineRowView[];
  /** the "Add another …" button's text, or "" when the user may not add or the inline is full */
  addLabel: string;
  error: string | null;
}

/** The inlines of one change form. */
export class InlineForms {
  private sets: Array<{ fs: Formset; perms: InlinePerms }> = [];
  private pending: Array<{ fs: Formset; writes: InlineWrite[] }> = [];

  constructor(
    private readonly site: AdminSiteLike,
    private readonly admin: ModelAdmin<any, any>,
    private readonly user: SessionUser,
  ) {}

  /** Loads the children of the parent row (undefined on the add form); inlines the user may not view are left out. */
  async load(parent: Record<string, unknown> | undefined): Promise<void> {
    this.sets = [];
    for (const is of inlineSpecs(this.site, this.admin)) {
      const perms = inlinePerms(is, this.user);
      if (!perms.view) continue;
      this.sets.push({ fs: await loadFormset(this.site.db, is, parent?.[is.parentKey], perms), perms });
    }
  }

  /** Reads the rows' values from a form payload. */
  read(p: FormInput): void {
    for (const { fs, perms } of this.sets) readFormset(fs, p, perms.add);
  }

  /** "Add another": a blank row in inline `prefix`. */
  add(prefix: string): boolean {
    const s = this.sets.find((x) => x.fs.is.prefix === prefix);
    return s !== undefined && s.perms.add && addRow(s.fs);
  }

  /** Validates every inline; false when a row has errors (shown on the rows). Keeps the writes for {@link write}. */
  validate(): boolean {
    this.pending = [];
    let ok = true;
    for (const { fs, perms } of this.sets) {
      const writes = validateFormset(fs, perms);
      if (writes) this.pending.push({ fs, writes });
      else ok = false;
    }
    return ok;
  }

  /** The validated writes, in the parent's transaction (persist.ts `AlsoWrite`). */
  readonly write = async (tx: QueryBuilder, parent: Written): Promise<void> => {
    for (const { fs, writes } of this.pending) await writeInline(tx, fs.is, writes, parent, this.user.id);
  };

  /** The inlines for the template. */
  present(editable: boolean): InlineView[] {
    return this.sets.map(({ fs, perms }) => {
      const pre = fs.is.prefix;
      const name = fs.is.admin.verboseName;
      const rows = fs.rows.map((r, i): InlineRowView => {
        const rowEditable = editable && (r.id === null ? perms.add : perms.change);
        const [set] = presentFieldsets(fs.is.spec, { mode: r.id === null ? "add" : "change", editable: rowEditable, values: r.values, row: r.stored, errors: r.errors, fkChoices: fs.choices, fkLabels: r.labels, autocomplete: new Map(), user: this.user });
        const fields = (set?.fields ?? []).map((f) => ({ ...f, key: `${pre}-${i}-${f.key}`, id: `id_${pre}-${i}-${f.key}` }));
        return {
          idName: `${pre}-${i}-id`,
          id: r.id ?? "",
          fields,
          deleteName: editable && r.id !== null && perms.delete ? `${pre}-${i}-DELETE` : "",
          deleteChecked: r.delete,
          caption: r.id === null ? `New ${name.toLowerCase()}` : `${name} ${r.id}`,
        };
      });
      return {
        prefix: pre,
        title: fs.is.admin.verboseNamePlural,
        totalName: `${pre}-TOTAL_FORMS`,
        total: rows.length,
        headers: fs.is.spec.fieldsets[0]!.fields.map((f) => f.label),
        rows,
        addLabel: editable && perms.add && fs.rows.length < fs.is.maxNum ? `Add another ${name.toLowerCase()}` : "",
        error: fs.error,
      };
    });
  }
}
