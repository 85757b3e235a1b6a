/**
 * Search-as-you-type for foreign keys, as Django admin's `autocomplete_fields`: the form shows
 * a text input (`<key>__search`, an ARIA combobox) beside a hidden input holding the key;
 * typing searches the related ModelAdmin's `searchFields` on the server (through its change
 * list query, so the same matching and `getQueryset` scope), ↑/↓ move through the results,
 * Enter or a click picks one, Escape closes the list. Results need the view permission on the
 * related model. Without JavaScript, the typed text is resolved on save (see {@link resolveTyped}).
 *
 * The search, the resolution of typed text, the keyboard and the combobox's view are shared by
 * the change form (changeform/form-relations.ts) and the change list's foreign-key filters
 * (changelist/filter-autocomplete.ts); the combobox's markup is `autocomplete-combobox.eta`.
 */
import { getTableColumns } from "drizzle-orm";
import { JS } from "@weft/server";
import { z } from "zod";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { reprOf } from "../model/repr.js";
import { CHECK_TOO_SLOW, EMPTY_STATE, readsOf, SEARCH_TOO_SLOW, stoppedRead } from "../query/index.js";
import { relatedLabel, type Choice } from "./choices.js";
import type { ForeignKeyInfo, FormField } from "./fields.js";

/** The search input's name suffix: `customerId__search`. */
export const SEARCH_SUFFIX = "__search";
/** `ac_key` (the change form) and the list filters' `key`: a key pressed in an autocomplete's input. */
export const AC_KEY_PAYLOAD = z.object({ field: z.string().max(200), key: z.string().max(40), value: z.string().max(10_000).optional() });
/** `ac_pick` (the change form) and the list filters' `pick`: a listed result clicked. */
export const AC_PICK_PAYLOAD = z.object({ field: z.string().max(200), value: z.string().max(10_000) });
/** Most results listed. */
export const AUTOCOMPLETE_LIMIT = 10;
/** Longest search text read (characters). */
const MAX_QUERY = 100;

/** One autocomplete field's state in a form. */
export interface AutocompleteState {
  /** the text in the search input */
  q: string;
  /** the listed results (empty: the list is closed) */
  results: Choice[];
  /** the highlighted result, -1 for none */
  active: number;
  /** bumped on each pick: the input is rendered afresh (a focused input keeps its text otherwise) */
  generation: number;
  /** the last search outlived the site's budget: {@link SEARCH_TOO_SLOW} under the input (no results), else absent */
  notice?: string;
}

/** A closed state showing `label`. */
export function closedState(label: string, generation = 0): AutocompleteState {
  return { q: label, results: [], active: -1, generation };
}

/**
 * Whether field `f` is edited by autocomplete: listed in `autocompleteFields`, or a foreign key
 * whose related rows are too many for a select (`choices` null) and whose related admin has
 * `searchFields` (else it stays a number input).
 */
export function usesAutocomplete(f: FormField, choices: Choice[] | null | undefined): boolean {
  if (f.kind !== "foreignKey" || !f.fk) return false;
  return f.autocomplete || (choices === null && (f.fk.admin?.options.searchFields?.length ?? 0) > 0);
}

/** Whether `user` may search the related rows of `fk`: its ModelAdmin has `searchFields` and the user the view permission. */
export function canSearch(fk: ForeignKeyInfo | undefined, user: SessionUser): boolean {
  const rel = fk?.admin;
  return !!rel && (rel.options.searchFields?.length ?? 0) > 0 && rel.has(user, "view");
}

/**
 * The related rows matching `q` over the related admin's `searchFields`, at most
 * {@link AUTOCOMPLETE_LIMIT}, labelled by the relation's `display` column (else the related
 * admin's repr). Empty when `q` is blank or the user may not view the related model.
 * @param fk - the foreign key (a form field's `fk`, or a list filter's relation: changelist/filter-autocomplete.ts)
 */
export async function searchRelated(site: AdminSiteLike, fk: ForeignKeyInfo | undefined, user: SessionUser, q: string): Promise<Choice[]> {
  const text = q.trim().slice(0, MAX_QUERY);
  if (!fk || text === "" || !canSearch(fk, user)) return [];
  return searchRows(site, fk, user, text);
}

/** {@link searchRelated}'s statement and labels, for searchable `text`. */
async function searchRows(site: AdminSiteLike, fk: ForeignKeyInfo, user: SessionUser, text: string): Promise<Choice[]> {
  const rel = fk.admin!;
  // the user's statements: charged to their fair share, as the change list's
  const page = await readsOf(user.id, () => site.query(rel).fetchPage({ ...EMPTY_STATE, q: text, ...(rel.options.getQueryset ? { scope: rel.options.getQueryset(user) } : {}) }));
  const columns = getTableColumns(fk.table) as Record<string, SQLiteColumn>;
  const displayKey = fk.display ? Object.keys(columns).find((k) => columns[k] === fk.display) : undefined;
  return page.rows.slice(0, AUTOCOMPLETE_LIMIT).map((r) => {
    const record = r.record as Record<string, unknown>;
    const value = record[fk.referencesKey] ?? r.pk;
    const label = displayKey !== undefined ? record[displayKey] : reprOf(rel, record);
    return { value: String(value), label: label === null || label === undefined ? String(value) : String(label) };
  });
}

/** The outcome of resolving typed text: the key, or an error for the field. */
export type Resolved = { value: string } | { error: string };

/**
 * The related row meant by text typed but not picked (a form saved without JavaScript, or
 * Save pressed mid-search): the result whose label equals the text (case-insensitive), else
 * the only result; blank text clears the field. A search past the site's budget is the field's
 * error {@link SEARCH_TOO_SLOW}.
 */
export async function resolveTyped(site: AdminSiteLike, fk: ForeignKeyInfo | undefined, user: SessionUser, q: string): Promise<Resolved> {
  if (q.trim() === "") return { value: "" };
  const found = await searchOrNotice(site, fk, user, q);
  if ("notice" in found) return { error: found.notice };
  const results = found.results;
  const exact = results.filter((r) => r.label.toLowerCase() === q.trim().toLowerCase());
  if (exact.length === 1) return { value: exact[0]!.value };
  if (results.length === 1) return { value: results[0]!.value };
  const name = fk?.admin?.verboseNamePlural.toLowerCase() ?? "objects";
  if (results.length === 0) return { error: `No ${name} match “${q.trim()}”.` };
  return { error: `Several ${name} match “${q.trim()}”; pick one from the list or type more.` };
}

/**
 * The related row meant by a combobox's text `q` posted beside the key `current` (a form saved
 * without JavaScript, or mid-search): null when the text still reads as the current row (its
 * label, or the key itself), else {@link resolveTyped}'s outcome. The label is the user's read;
 * past the site's budget the outcome is the error {@link CHECK_TOO_SLOW} (logged).
 */
export async function resolvePosted(site: AdminSiteLike, fk: ForeignKeyInfo, user: SessionUser, q: string, current: string): Promise<Resolved | null> {
  let label = "";
  try {
    label = current === "" ? "" : ((await relatedLabel(site.readsFor(user), fk, current)) ?? "");
  } catch (err) {
    if (!stoppedRead(err, site, "a foreign key's check", user.id)) throw err;
    return { error: CHECK_TOO_SLOW };
  }
  if (q.trim() === label.trim() || q.trim() === current) return null;
  return resolveTyped(site, fk, user, q);
}

/**
 * Moves through the listed results by key, as a WAI-ARIA combobox: ArrowDown / ArrowUp move
 * the highlight (wrapping), Escape closes the list. Returns false for other keys.
 */
export function moveHighlight(s: AutocompleteState, key: string): boolean {
  const n = s.results.length;
  if (key === "Escape") {
    s.results = [];
    s.notice = undefined;
    s.active = -1;
    return true;
  }
  if (n === 0 || (key !== "ArrowDown" && key !== "ArrowUp")) return false;
  s.active = key === "ArrowDown" ? (s.active + 1) % n : (s.active - 1 + n) % n;
  return true;
}

/** An autocomplete combobox, ready for `autocomplete-combobox.eta` (WAI-ARIA combobox with a listbox). */
export interface AutocompleteView {
  /** the search input's name and id (the id changes with each pick, so the input is rendered afresh) */
  name: string;
  inputId: string;
  listId: string;
  q: string;
  open: boolean;
  /** the highlighted option's id, or "" */
  activeId: string;
  options: Array<{ id: string; value: string; label: string; active: boolean }>;
  /** `lv-mounted` of a freshly rendered input: focus it (after a pick), else "" */
  mounted: string;
  /** shown under the input, e.g. {@link SEARCH_TOO_SLOW}; "" for none */
  notice: string;
}

/**
 * The combobox of one autocomplete for the template.
 * @param id - the input's base id (`id_customerId`)
 * @param key - the field key: the input's name is `<key>__search`
 */
export function comboboxView(id: string, key: string, s: AutocompleteState): AutocompleteView {
  const options = s.results.map((r, i) => ({ id: `${id}_opt${i}`, value: r.value, label: r.label, active: i === s.active }));
  return {
    name: key + SEARCH_SUFFIX,
    inputId: s.generation === 0 ? id : `${id}_g${s.generation}`,
    listId: `${id}_listbox`,
    q: s.q,
    open: options.length > 0,
    activeId: options.find((o) => o.active)?.id ?? "",
    options,
    mounted: s.generation === 0 ? "" : String(JS.focus()),
    notice: s.notice ?? "",
  };
}

/**
 * Searches again when the text changed: the results of `q` (none for blank text), nothing
 * highlighted; a search past the site's budget lists nothing and sets the state's `notice`.
 * @returns whether the text changed
 */
export async function searchAgain(site: AdminSiteLike, fk: ForeignKeyInfo | undefined, user: SessionUser, s: AutocompleteState, q: string): Promise<boolean> {
  if (q === s.q) return false;
  s.q = q;
  const found = await searchOrNotice(site, fk, user, q);
  s.results = "results" in found ? found.results : [];
  s.notice = "notice" in found ? found.notice : undefined;
  s.active = -1;
  return true;
}

/** {@link searchRelated}'s results, or {@link SEARCH_TOO_SLOW} when its statement outlived the site's budget (logged). */
async function searchOrNotice(site: AdminSiteLike, fk: ForeignKeyInfo | undefined, user: SessionUser, q: string): Promise<{ results: Choice[] } | { notice: string }> {
  try {
    return { results: await searchRelated(site, fk, user, q) };
  } catch (err) {
    if (!stoppedRead(err, site, "an autocomplete's search", user.id)) throw err;
    return { notice: SEARCH_TOO_SLOW };
  }
}

/** The listed result `value` (a click or Enter picks only what was offered), or undefined. */
export function listedResult(s: AutocompleteState, value: string): Choice | undefined {
  return s.results.find((r) => r.value === value);
}

/** The highlighted result (Enter picks it), or undefined. */
export function highlighted(s: AutocompleteState): Choice | undefined {
  return s.active >= 0 ? s.results[s.active] : undefined;
}
