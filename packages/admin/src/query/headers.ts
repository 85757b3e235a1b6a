/**
 * The change list's column headers for a state (Django's `result_headers`): what each
 * `listDisplay` column shows above it and where a click on it leads.
 */
import type { ColumnHeader } from "./page.js";
import { defaultSortKeys, toSearchParams, toggleSort, type ChangeListState, type StateRules } from "./state.js";

/**
 * The `listDisplay` headers for a state: label, whether sortable, the current sort position
 * and direction, and the query string of a click (see `toggleSort` in `state.ts`).
 *
 * @param rules - the list's state rules (its resolved config)
 * @param state - a validated state
 * @returns one header per `listDisplay` column, in order
 */
export function columnHeaders(rules: StateRules, state: ChangeListState): ColumnHeader[] {
  const { config } = rules;
  const effective = state.sort.length > 0 ? state.sort : defaultSortKeys(config);
  return config.listDisplay.map((c) => {
    const sortable = config.sortable.has(c.name);
    const at = effective.findIndex((s) => s.field === c.name);
    return {
      name: c.name,
      label: c.label,
      link: config.listDisplayLinks.includes(c.name),
      sortable,
      sorted: at < 0 ? undefined : effective[at]!.desc ? "desc" : "asc",
      sortPriority: at < 0 ? undefined : at + 1,
      toggleQuery: sortable ? toSearchParams(rules, toggleSort(rules, state, c.name)).toString() : undefined,
    };
  });
}
