/**
 * Foreign keys in `listEditable` cells (as Django admin's `list_editable` with a `ForeignKey`):
 * a cell edits the key with the change form's widget for it — a select while the related table
 * has at most `FK_CHOICE_LIMIT` rows (decided once per list view, as the change form decides
 * once per form), else the change form's autocomplete combobox (changeform/autocomplete.ts:
 * the same search over the related admin's `searchFields`, permission-checked and scoped by
 * its `getQueryset`, ↑/↓/Escape, a click or Enter picks), else (no `searchFields`) a text box
 * for the key with the related row's label beside it.
 *
 * A listEditable entry may name the relation shown in `listDisplay` (`"customer"`, whose own
 * column is `customerId`) or the key column itself; the formset's inputs use the column key
 * (`form-3-customerId`, the combobox's text `form-3-customerId__search`).
 *
 * Without JavaScript the combobox is a text box posted with the form: text that differs from
 * the chosen row's label is resolved on save as the change form resolves it (resolveTyped).
 * The key's server-side check (the row exists and is visible to the user) is
 * changeform/fk-check.ts, run by the save (list-editable-save.ts).
 */
import type { SessionUser } from "../auth/index.js";
import { closedState, listedResult, moveHighlight, resolvePosted, searchAgain, usesAutocomplete, type AutocompleteState } from "../changeform/autocomplete.js";
import { foreignKeyChoices, type Choice } from "../changeform/choices.js";
import type { FormField } from "../changeform/fields.js";
import type { FieldErrors } from "../changeform/schema.js";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";

/** The form key a `listEditable` column edits: a relation's own column (`customer` → `customerId`), else the column's key. */
export function formKeyOf(site: AdminSiteLike, admin: ModelAdmin<any, any>, column: string): string {
  return site.query(admin).config.relations.get(column)?.columnKey ?? column;
}

/** The form keys of the ModelAdmin's `listEditable` entries. */
export function editableFormKeys(site: AdminSiteLike, admin: ModelAdmin<any, any>): string[] {
  return (admin.options.listEditable ?? []).map((k: string) => formKeyOf(site, admin, k));
}

/** One cell's combobox: its state and the key it shows. */
interface CellCombo {
  state: AutocompleteState;
  value: string;
}

const cellKey = (pk: string, key: string) => `${pk}\n${key}`;

/** The foreign-key cells of one change list: select choices by field, the cells' comboboxes. */
export class ListRelated {
  /** select choices by form key (null: too many, a combobox or a key input) */
  readonly choices = new Map<string, Choice[] | null>();
  /** each combobox cell's state, by row and field */
  private readonly combos = new Map<string, CellCombo>();
  /** a cell input's name (`form-3-customerId`) → its row and field, as last rendered */
  readonly cells = new Map<string, { pk: string; key: string }>();

  /**
   * Decides select or not for each foreign key of `fields` (one statement per field, once per
   * view), through `user`'s reads (`site.readsFor(user)`: off the event loop, under the budget,
   * charged to their share).
   * @throws QueryTimeoutError (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`) past the budget: the list says its read was too slow
   */
  async load(site: AdminSiteLike, user: SessionUser, fields: readonly FormField[]): Promise<void> {
    for (const f of fields) {
      if (f.kind !== "foreignKey" || !f.fk || this.choices.has(f.key)) continue;
      this.choices.set(f.key, f.autocomplete ? null : await foreignKeyChoices(site.readsFor(user), f.fk));
    }
  }

  /**
   * The combobox state of cell (`pk`, `f`) showing key `value`, or undefined when the cell is
   * not a combobox. A state is kept while the cell shows the same key; another key (saved,
   * changed live) closes it on `label`.
   */
  combo(pk: string, f: FormField, value: string, label: string): AutocompleteState | undefined {
    if (!usesAutocomplete(f, this.choices.get(f.key))) return undefined;
    const k = cellKey(pk, f.key);
    const had = this.combos.get(k);
    if (had && had.value === value) return had.state;
    const state = closedState(label, had?.state.generation ?? 0);
    this.combos.set(k, { state, value });
    return state;
  }

  /** The combobox of the cell named `name` (`form-3-customerId`), with its row and field. */
  comboOf(name: string): ({ pk: string; key: string } & CellCombo) | undefined {
    const cell = this.cells.get(name);
    const c = cell && this.combos.get(cellKey(cell.pk, cell.key));
    return cell && c ? { ...cell, ...c } : undefined;
  }

  /** The combobox of row `pk`'s field `key`, if shown. */
  comboAt(pk: string, key: string): CellCombo | undefined {
    return this.combos.get(cellKey(pk, key));
  }

  /** `list_ac_key`: ↑ / ↓ move the highlight, Escape closes. @returns whether anything changed */
  key(name: string, key: string): boolean {
    const c = this.comboOf(name);
    return !!c && moveHighlight(c.state, key);
  }

  /**
   * `list_ac_pick` (or Enter on a highlighted result): the listed result `value` is chosen; the
   * combobox closes on its label (rendered afresh, focused).
   * @returns the row, field and key chosen, or undefined (no such cell or result)
   */
  pick(name: string, value: string): { pk: string; key: string; value: string } | undefined {
    const c = this.comboOf(name);
    const picked = c && listedResult(c.state, value);
    if (!c || !picked) return undefined;
    this.combos.set(cellKey(c.pk, c.key), { state: closedState(picked.label, c.state.generation + 1), value: picked.value });
    return { pk: c.pk, key: c.key, value: picked.value };
  }

  /** The cell name of the first combobox with a highlighted result, and that result's key (Enter picks it). */
  highlighted(): { name: string; value: string } | undefined {
    for (const [name, cell] of this.cells) {
      const s = this.combos.get(cellKey(cell.pk, cell.key))?.state;
      if (s && s.active >= 0 && s.results[s.active]) return { name, value: s.results[s.active]!.value };
    }
    return undefined;
  }

  /** Searches again in row `pk`'s combobox `key` when its text changed. @returns whether it changed */
  async search(site: AdminSiteLike, f: FormField, user: SessionUser, pk: string, q: string): Promise<boolean> {
    const c = this.combos.get(cellKey(pk, f.key));
    return !!c && (await searchAgain(site, f.fk, user, c.state, q));
  }

  /** Forgets the comboboxes (the rows were saved, discarded or left). */
  clear(): void {
    this.combos.clear();
    this.cells.clear();
  }
}

/**
 * A row's combobox texts posted with the form (`<key>__search`, typed without JavaScript or
 * saved mid-search): each text that differs from the label of the key posted beside it is
 * resolved to a related row (resolveTyped) and written into `values`; blank text clears the key.
 * @returns the texts that name no single row, as field errors
 */
export async function resolveSearches(site: AdminSiteLike, user: SessionUser, fields: readonly FormField[], search: Readonly<Record<string, string>>, values: Record<string, string | string[] | undefined>): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  for (const f of fields) {
    const q = search[f.key];
    if (q === undefined || f.kind !== "foreignKey" || !f.fk) continue;
    const raw = values[f.key];
    const r = await resolvePosted(site, f.fk, user, q, Array.isArray(raw) ? (raw[raw.length - 1] ?? "") : (raw ?? ""));
    if (r === null) continue;
    if ("value" in r) values[f.key] = r.value;
    else errors[f.key] = [r.error];
  }
  return errors;
}
