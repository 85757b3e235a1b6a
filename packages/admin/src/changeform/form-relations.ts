/**
 * The change form's foreign keys: each one's select choices (or none past
 * {@link FK_CHOICE_LIMIT}), the label of the chosen related object, and the autocompletes'
 * states with their event handlers (search as the text changes, ↑/↓/Escape, a pick, typed text
 * resolved on save) — the state the form's view (changeform/view.ts) keeps about related rows.
 *
 * Every read is the user's (`site.readsFor(user)`: off the event loop, under the site's budget,
 * charged to their fair share). {@link FormRelations.load} lets a read past the budget through
 * (the form is not shown: a select missing options, or a combobox missing its label, would drop
 * a value on save); the checks of a save or a pick turn it into the field's error
 * {@link CHECK_TOO_SLOW} (nothing saved, the input kept).
 */
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { foreignKeyChoices, relatedLabel, type Choice } from "./choices.js";
import { closedState, listedResult, moveHighlight, resolveTyped, searchAgain, SEARCH_SUFFIX, usesAutocomplete, type AutocompleteState } from "./autocomplete.js";
import { shownFields, writableFields, type FormField, type FormSpec } from "./fields.js";
import type { FieldErrors, FormInput } from "./schema.js";
import { INVALID_CHOICE } from "./fk-check.js";
import { CHECK_TOO_SLOW, stoppedRead } from "../query/index.js";

export class FormRelations {
  /** select choices by field key (null: too many, an autocomplete or a number input) */
  readonly choices = new Map<string, Choice[] | null>();
  /** the chosen related object's label by field key (undefined: none, or no such row) */
  readonly labels = new Map<string, string | undefined>();
  /** the autocompleted foreign keys' states, by field key */
  readonly ac = new Map<string, AutocompleteState>();

  constructor(
    private readonly site: AdminSiteLike,
    private readonly user: SessionUser,
  ) {}

  /** the user's reads: off the event loop, under the budget, charged to their share */
  private get reads() {
    return this.site.readsFor(this.user);
  }

  /**
   * Loads the choices (once per field) and the labels of the shown foreign keys, and closes
   * every autocomplete on its chosen object's label.
   * @throws QueryTimeoutError (`WEFT_ADMIN_ERR_QUERY_TIMEOUT`) when a read outlived the site's budget: show no form
   * @param writable - the foreign keys the user may edit (their form values are labelled; the others' stored values)
   */
  async load(spec: FormSpec, writable: readonly FormField[], values: Record<string, string>, row: Record<string, unknown> | undefined): Promise<void> {
    for (const f of shownFields(spec)) {
      if (f.kind !== "foreignKey" || !f.fk) continue;
      const w = writable.includes(f);
      if (w && !this.choices.has(f.key)) this.choices.set(f.key, f.autocomplete ? null : await foreignKeyChoices(this.reads, f.fk));
      await this.updateLabel(spec, f.key, w ? values[f.key] : row?.[f.key]);
      if (w && usesAutocomplete(f, this.choices.get(f.key))) this.ac.set(f.key, closedState(this.labels.get(f.key) ?? "", this.ac.get(f.key)?.generation));
    }
  }

  /**
   * The label of the related object chosen in foreign-key field `key` (one statement unless it is among the choices).
   * @throws QueryTimeoutError when the statement outlived the site's budget (see {@link checkLabel})
   */
  async updateLabel(spec: FormSpec, key: string, value: unknown): Promise<void> {
    const f = spec.byKey.get(key);
    if (!f?.fk) return;
    if (value === null || value === undefined || value === "") return void this.labels.set(key, undefined);
    const choice = this.choices.get(key)?.find((c) => c.value === String(value));
    this.labels.set(key, choice ? choice.label : await relatedLabel(this.reads, f.fk, value));
  }

  /**
   * {@link updateLabel} for a save's or a pick's check: true when it ran, false when its
   * statement outlived the site's budget (logged; the label is dropped: the key is unchecked).
   */
  async checkLabel(spec: FormSpec, key: string, value: unknown): Promise<boolean> {
    try {
      await this.updateLabel(spec, key, value);
      return true;
    } catch (err) {
      if (!stoppedRead(err, this.site, "a foreign key's check", this.user.id)) throw err;
      this.labels.delete(key);
      return false;
    }
  }

  /**
   * Checks that each written foreign key (in `data`, validated) names a related object the user
   * may choose: otherwise its field's error is {@link INVALID_CHOICE}, or {@link CHECK_TOO_SLOW}
   * when the check outlived the site's budget, and its value leaves `data` (nothing is written).
   */
  async checkChosen(spec: FormSpec, mode: "add" | "change", values: Record<string, string>, data: Record<string, unknown>, errors: FieldErrors): Promise<void> {
    for (const f of writableFields(spec, mode)) {
      if (f.kind !== "foreignKey") continue;
      const checked = await this.checkLabel(spec, f.key, values[f.key]);
      const v = data[f.key];
      if (v === null || v === undefined || errors[f.key]) continue;
      if (!checked || this.labels.get(f.key) === undefined) {
        errors[f.key] = [checked ? INVALID_CHOICE : CHECK_TOO_SLOW];
        delete data[f.key];
      }
    }
  }

  /** `lv-change`: searches again for each autocomplete whose text changed; blank text clears the field in `values`. */
  async search(spec: FormSpec, p: FormInput, values: Record<string, string>): Promise<void> {
    for (const [key, s] of this.ac) {
      const q = p[key + SEARCH_SUFFIX];
      if (typeof q !== "string" || !(await searchAgain(this.site, spec.byKey.get(key)?.fk, this.user, s, q))) continue;
      if (q.trim() === "") values[key] = "";
    }
  }

  /**
   * Save: the payload with each autocomplete's typed-but-not-picked text resolved to a key
   * (see resolveTyped), and an error for each text that names no single related row (or
   * {@link CHECK_TOO_SLOW} when the current row's label could not be read in time).
   */
  async resolve(spec: FormSpec, mode: "add" | "change", p: FormInput, values: Record<string, string>): Promise<{ p: FormInput; errors: Record<string, string> }> {
    const out: FormInput = { ...p };
    const errors: Record<string, string> = {};
    for (const f of writableFields(spec, mode)) {
      if (!usesAutocomplete(f, this.choices.get(f.key))) continue;
      const q = p[f.key + SEARCH_SUFFIX];
      if (typeof q !== "string") continue;
      const current = typeof p[f.key] === "string" ? String(p[f.key]) : (values[f.key] ?? "");
      let label = current === "" ? "" : this.labels.get(f.key);
      if (label === undefined) {
        if (!(await this.checkLabel(spec, f.key, current))) {
          errors[f.key] = CHECK_TOO_SLOW;
          continue;
        }
        label = this.labels.get(f.key) ?? "";
      }
      if (q.trim() === label.trim()) continue;
      const r = await resolveTyped(this.site, f.fk, this.user, q);
      if ("value" in r) out[f.key] = r.value;
      else errors[f.key] = r.error;
    }
    return { p: out, errors };
  }

  /** `ac_key`: ↑ / ↓ move the highlight, Escape closes the list. @returns whether anything changed */
  key(field: string, key: string): boolean {
    const s = this.ac.get(field);
    return !!s && moveHighlight(s, key);
  }

  /**
   * `ac_pick`: the listed result `value` is chosen; the list closes on its label.
   * @returns the key to store in the field, or undefined (no such autocomplete or result)
   */
  pick(field: string, value: string): string | undefined {
    const s = this.ac.get(field);
    const picked = s && listedResult(s, value);
    if (!s || !picked) return undefined;
    // the label as listed (the form's check reads the row's own when it checks the key)
    this.labels.set(field, picked.label);
    this.ac.set(field, closedState(picked.label, s.generation + 1));
    return picked.value;
  }
}
