/**
 * A change form's inlines (Django's `inlines` formsets) as one object the view drives: loads
 * them with the parent, reads them from each payload, validates them with the parent's save,
 * writes them in its transaction and presents them to the template. A row's foreign key over a
 * large related table is the change form's autocomplete combobox (inline-autocomplete.ts).
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
import type { FieldErrors, FormInput } from "./schema.js";
import { comboboxView, type AutocompleteState } from "./autocomplete.js";
import { shownFields } from "./fields.js";
import { foreignKeyErrors } from "./fk-check.js";
import { highlightedRow, keyRow, pickRow, resolveRows, rowCombos, searchRows } from "./inline-autocomplete.js";

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
  /** the combobox texts of the last {@link resolve} that named no row, by inline and row index */
  private typed = new Map<Formset, Map<number, FieldErrors>>();

  constructor(
    private readonly site: AdminSiteLike,
    private readonly admin: ModelAdmin<any, any>,
    private readonly user: SessionUser,
  ) {}

  /**
   * Loads the children of the parent row (undefined on the add form); inlines the user may not
   * view are left out. The user's reads (`site.readsFor(user)`: off the event loop, under the
   * budget, charged to their share).
   * @throws QueryTimeoutError (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`) when a read outlived the site's budget: show no form
   */
  async load(parent: Record<string, unknown> | undefined): Promise<void> {
    this.sets = [];
    for (const is of inlineSpecs(this.site, this.admin)) {
      const perms = inlinePerms(is, this.user);
      if (!perms.view) continue;
      this.sets.push({ fs: await loadFormset(this.site.readsFor(this.user), is, parent?.[is.parentKey], perms), perms });
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

  /**
   * Validates every inline; false when a row has errors (shown on the rows). A written foreign key
   * must name a row the user may see (fk-check.ts); a combobox's text that named no row (see
   * {@link resolve}) is an error of its row. Keeps the writes for {@link write}.
   */
  async validate(): Promise<boolean> {
    this.pending = [];
    let ok = true;
    for (const { fs, perms } of this.sets) {
      const writes = validateFormset(fs, perms);
      const bad = await this.rowErrors(fs, writes ?? []);
      if (writes && !bad) this.pending.push({ fs, writes });
      else ok = false;
    }
    this.typed.clear();
    return ok;
  }

  /** Adds the typed-text and foreign-key errors to the rows of `fs`. @returns whether any row has one */
  private async rowErrors(fs: Formset, writes: readonly InlineWrite[]): Promise<boolean> {
    let bad = false;
    for (const [i, e] of this.typed.get(fs) ?? []) {
      const r = fs.rows[i];
      if (r) r.errors = { ...r.errors, ...e };
      bad ||= r !== undefined;
    }
    for (const w of writes) {
      if (w.op === "delete" || !w.row) continue;
      const e = await foreignKeyErrors(this.site, this.user, shownFields(fs.is.spec), w.data, w.row.stored);
      if (Object.keys(e).length === 0) continue;
      w.row.errors = { ...e, ...w.row.errors };
      bad = true;
    }
    return bad;
  }

  /** Save: each row's combobox text typed but not picked, resolved to its key in the payload (errors kept for {@link validate}). */
  async resolve(p: FormInput): Promise<FormInput> {
    this.typed.clear();
    for (const { fs } of this.sets) {
      const r = await resolveRows(this.site, this.user, fs, p);
      p = r.p;
      if (r.errors.size > 0) this.typed.set(fs, r.errors);
    }
    return p;
  }

  /** `lv-change`: searches again in the rows' comboboxes whose text changed. */
  async search(p: FormInput): Promise<void> {
    for (const { fs } of this.sets) await searchRows(this.site, this.user, fs, p);
  }

  /** `ac_key` on a row's combobox (`orderitem-0-productId`). @returns whether anything changed */
  key(name: string, key: string): boolean {
    return this.sets.some(({ fs }) => keyRow(fs, name, key));
  }

  /** `ac_pick` on a row's combobox: the listed row becomes the row's key. @returns whether it was picked */
  pick(name: string, value: string): boolean {
    return this.sets.some(({ fs, perms }) => (perms.add || perms.change) && pickRow(fs, name, value));
  }

  /** The first row combobox with a highlighted result (Enter picks it instead of saving). */
  highlighted(): { name: string; value: string } | undefined {
    for (const { fs } of this.sets) {
      const h = highlightedRow(fs);
      if (h) return h;
    }
    return undefined;
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
      const combos = rowCombos(fs);
      const rows = fs.rows.map((r, i): InlineRowView => {
        const rowEditable = editable && (r.id === null ? perms.add : perms.change);
        const ac = combos.get(r) ?? new Map<string, AutocompleteState>();
        const [set] = presentFieldsets(fs.is.spec, { mode: r.id === null ? "add" : "change", editable: rowEditable, values: r.values, row: r.stored, errors: r.errors, fkChoices: fs.choices, fkLabels: r.labels, autocomplete: ac, user: this.user });
        // the row's inputs (and a combobox's) are named after the row: `orderitem-0-productId`
        const fields = (set?.fields ?? []).map((f) => {
          const name = `${pre}-${i}-${f.key}`;
          const s = f.ac && ac.get(f.key);
          return { ...f, key: name, id: `id_${name}`, ac: s ? comboboxView(`id_${name}`, name, s) : f.ac };
        });
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
