/**
 * Autocomplete in inlines: an inline row's foreign key over a related table too large for a
 * select (more than `FK_CHOICE_LIMIT` rows) whose related ModelAdmin has `searchFields` — or a
 * key in the child admin's `autocompleteFields` — is the change form's combobox
 * (autocomplete.ts: the same search, permission-checked and scoped by the related admin's
 * `getQueryset`, ↑/↓/Escape, a click or Enter picks). The inputs are named after the row
 * (`orderitem-0-productId`, its text `orderitem-0-productId__search`); the change form's
 * `ac_key` / `ac_pick` events reach a row's combobox by that name.
 *
 * Without JavaScript the combobox is a text box posted with the form: text that differs from
 * the chosen row's label is resolved on save as the change form resolves it (resolveTyped).
 */
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { closedState, highlighted, listedResult, moveHighlight, resolvePosted, searchAgain, SEARCH_SUFFIX, usesAutocomplete, type AutocompleteState } from "./autocomplete.js";
import { shownFields, type FormField } from "./fields.js";
import type { Formset, InlineRow } from "./formset.js";
import type { FieldErrors, FormInput } from "./schema.js";

/** The foreign keys of inline `fs` edited by a combobox. */
function comboFields(fs: Formset): FormField[] {
  return shownFields(fs.is.spec).filter((f) => usesAutocomplete(f, fs.choices.get(f.key)));
}

/** The comboboxes of each row of `fs`, by field key: a row's combobox opens closed on its chosen row's label. */
export function rowCombos(fs: Formset): Map<InlineRow, Map<string, AutocompleteState>> {
  const out = new Map<InlineRow, Map<string, AutocompleteState>>();
  const fields = comboFields(fs);
  for (const r of fs.rows) {
    for (const f of fields) if (!r.ac.has(f.key)) r.ac.set(f.key, closedState(r.labels.get(f.key) ?? (r.values[f.key] ?? "")));
    out.set(r, r.ac);
  }
  return out;
}

/** The row and field of input name `name` (`orderitem-3-productId`) in `fs`, if it is a combobox. */
function cellOf(fs: Formset, name: string): { row: InlineRow; key: string; s: AutocompleteState } | undefined {
  const pre = `${fs.is.prefix}-`;
  if (!name.startsWith(pre)) return undefined;
  const m = /^(\d{1,4})-(.+)$/.exec(name.slice(pre.length));
  const row = m ? fs.rows[Number(m[1])] : undefined;
  const s = row?.ac.get(m![2]!);
  return row && s ? { row, key: m![2]!, s } : undefined;
}

/** `lv-change`: searches again in every row's combobox whose text changed (blank text clears the key). @returns whether any did */
export async function searchRows(site: AdminSiteLike, user: SessionUser, fs: Formset, p: FormInput): Promise<boolean> {
  let changed = false;
  rowCombos(fs);
  for (const f of comboFields(fs)) {
    for (const [i, r] of fs.rows.entries()) {
      const q = p[`${fs.is.prefix}-${i}-${f.key}${SEARCH_SUFFIX}`];
      const s = r.ac.get(f.key);
      if (typeof q !== "string" || !s || !(await searchAgain(site, f.fk, user, s, q))) continue;
      changed = true;
      if (q.trim() === "") r.values[f.key] = "";
    }
  }
  return changed;
}

/** `ac_key` on a row's combobox: ↑ / ↓ move the highlight, Escape closes. @returns whether anything changed */
export function keyRow(fs: Formset, name: string, key: string): boolean {
  const c = cellOf(fs, name);
  return !!c && moveHighlight(c.s, key);
}

/** `ac_pick` on a row's combobox: the listed result `value` becomes the row's key; the list closes on its label. @returns whether it was picked */
export function pickRow(fs: Formset, name: string, value: string): boolean {
  const c = cellOf(fs, name);
  const picked = c && listedResult(c.s, value);
  if (!c || !picked) return false;
  c.row.values[c.key] = picked.value;
  c.row.labels.set(c.key, picked.label);
  c.row.ac.set(c.key, closedState(picked.label, c.s.generation + 1));
  return true;
}

/** The first row combobox of `fs` with a highlighted result (Enter picks it), as its input name and the result's key. */
export function highlightedRow(fs: Formset): { name: string; value: string } | undefined {
  for (const [i, r] of fs.rows.entries()) {
    for (const [key, s] of r.ac) {
      const h = highlighted(s);
      if (h) return { name: `${fs.is.prefix}-${i}-${key}`, value: h.value };
    }
  }
  return undefined;
}

/**
 * Save: each row's combobox text (`<prefix>-<i>-<key>__search`) that differs from the label of
 * the key posted beside it is resolved to a related row and written into the payload.
 * @returns the payload, and the texts that name no single row as field errors by row index
 */
export async function resolveRows(site: AdminSiteLike, user: SessionUser, fs: Formset, p: FormInput): Promise<{ p: FormInput; errors: Map<number, FieldErrors> }> {
  const out: FormInput = { ...p };
  const errors = new Map<number, FieldErrors>();
  const fields = comboFields(fs);
  const total = Math.min(Number(p[`${fs.is.prefix}-TOTAL_FORMS`]) || 0, 1000);
  for (let i = 0; i < total; i++) {
    for (const f of fields) {
      const name = `${fs.is.prefix}-${i}-${f.key}`;
      const q = p[name + SEARCH_SUFFIX];
      if (typeof q !== "string") continue;
      const r = await resolvePosted(site, f.fk!, user, q, typeof p[name] === "string" ? (p[name] as string) : "");
      if (r === null) continue;
      if ("value" in r) out[name] = r.value;
      else errors.set(i, { ...errors.get(i), [f.key]: [r.error] });
    }
  }
  return { p: out, errors };
}
