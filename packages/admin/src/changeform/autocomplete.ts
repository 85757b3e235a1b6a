/**
 * Search-as-you-type for foreign keys, as Django admin's `autocomplete_fields`: the form shows
 * a text input (`<key>__search`, an ARIA combobox) beside a hidden input holding the key;
 * typing searches the related ModelAdmin's `searchFields` on the server (through its change
 * list query, so the same matching and `getQueryset` scope), ↑/↓ move through the results,
 * Enter or a click picks one, Escape closes the list. Results need the view permission on the
 * related model. Without JavaScript, the typed text is resolved on save (see {@link resolveTyped}).
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { reprOf } from "../model/repr.js";
import { EMPTY_STATE } from "../query/index.js";
import type { Choice } from "./choices.js";
import type { FormField } from "./fields.js";

/** The search input's name suffix: `customerId__search`. */
export const SEARCH_SUFFIX = "__search";
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

/**
 * The related rows matching `q` over the related admin's `searchFields`, at most
 * {@link AUTOCOMPLETE_LIMIT}, labelled by the relation's `display` column (else the related
 * admin's repr). Empty when `q` is blank or the user may not view the related model.
 */
export async function searchRelated(site: AdminSiteLike, f: FormField, user: SessionUser, q: string): Promise<Choice[]> {
  const rel = f.fk?.admin;
  const text = q.trim().slice(0, MAX_QUERY);
  if (!f.fk || !rel || text === "" || !rel.has(user, "view") || (rel.options.searchFields?.length ?? 0) === 0) return [];
  const page = await site.query(rel).fetchPage({ ...EMPTY_STATE, q: text });
  const columns = getTableColumns(f.fk.table) as Record<string, SQLiteColumn>;
  const displayKey = f.fk.display ? Object.keys(columns).find((k) => columns[k] === f.fk!.display) : undefined;
  return page.rows.slice(0, AUTOCOMPLETE_LIMIT).map((r) => {
    const record = r.record as Record<string, unknown>;
    const value = record[f.fk!.referencesKey] ?? r.pk;
    const label = displayKey !== undefined ? record[displayKey] : reprOf(rel, record);
    return { value: String(value), label: label === null || label === undefined ? String(value) : String(label) };
  });
}

/** The outcome of resolving typed text: the key, or an error for the field. */
export type Resolved = { value: string } | { error: string };

/**
 * The related row meant by text typed but not picked (a form saved without JavaScript, or
 * Save pressed mid-search): the result whose label equals the text (case-insensitive), else
 * the only result; blank text clears the field.
 */
export async function resolveTyped(site: AdminSiteLike, f: FormField, user: SessionUser, q: string): Promise<Resolved> {
  if (q.trim() === "") return { value: "" };
  const results = await searchRelated(site, f, user, q);
  const exact = results.filter((r) => r.label.toLowerCase() === q.trim().toLowerCase());
  if (exact.length === 1) return { value: exact[0]!.value };
  if (results.length === 1) return { value: results[0]!.value };
  const name = f.fk?.admin?.verboseNamePlural.toLowerCase() ?? "objects";
  if (results.length === 0) return { error: `No ${name} match “${q.trim()}”.` };
  return { error: `Several ${name} match “${q.trim()}”; pick one from the list or type more.` };
}

/**
 * Moves through the listed results by key, as a WAI-ARIA combobox: ArrowDown / ArrowUp move
 * the highlight (wrapping), Escape closes the list. Returns false for other keys.
 */
export function moveHighlight(s: AutocompleteState, key: string): boolean {
  const n = s.results.length;
  if (key === "Escape") {
    s.results = [];
    s.active = -1;
    return true;
  }
  if (n === 0 || (key !== "ArrowDown" && key !== "ArrowUp")) return false;
  s.active = key === "ArrowDown" ? (s.active + 1) % n : (s.active - 1 + n) % n;
  return true;
}
