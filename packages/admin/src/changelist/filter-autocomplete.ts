/**
 * Search-as-you-type in the change list's foreign-key filters, as Django admin's autocomplete
 * list filters: a `listFilter` on a foreign key whose related table has more rows than
* `FK_CHOICE_LIMIT` (the change form's threshold, see `FilterView.large`) and whose
 * related ModelAdmin has `searchFields` shows a combobox instead of the first rows as links.
 * It reuses the change form's autocomplete (changeform/autocomplete.ts): the same search
 * (permission-checked: the user needs the view permission on the related model), keyboard
 * (↑/↓ move, Enter or a click picks, Escape closes) and ARIA combobox markup. Picking a row
 * patches the URL to the list filtered on it, every other parameter kept; the chosen row shows
 * above the box with a × that clears the filter.
 *
 * Without JavaScript the box is a GET form: the text arrives as `<field>__search` and
 * {@link readTypedFilters} turns it into `<field>__exact` when one row matches (the row whose
 * label equals the text, else the only result), else the list says why and stays unfiltered
 * on that field.
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { LiveComponent, NotFoundError, on, UnauthorizedError } from "@weft/server";
import type { SessionUser } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { AC_KEY_PAYLOAD, AC_PICK_PAYLOAD, canSearch, closedState, comboboxView, highlighted, listedResult, moveHighlight, resolveTyped, searchAgain, SEARCH_SUFFIX, type AutocompleteState, type AutocompleteView } from "../changeform/autocomplete.js";
import type { ForeignKeyInfo } from "../changeform/fields.js";
import { FORM_PAYLOAD, type FormInput } from "../changeform/schema.js";
import { NOTICE_PARAMS } from "../changeform/notice.js";
import { ChangeListParamError, EMPTY_STATE, type ChangeListQuery, type FilterView } from "../query/index.js";
import type { AdminView } from "../shell/base.js";

/** Text typed in a filter's box without JavaScript that matched no single row, by filter field. */
export type TypedFilters = Readonly<Record<string, { q: string; error: string }>>;

/** The props of one filter's {@link FilterAutocomplete} (strings only: compared shallowly on every list render). */
export interface FilterComboProps {
  /** `fac-<field>` */
  id: string;
  app: string;
  model: string;
  field: string;
  /** "Customer" */
  title: string;
  /** the related model's plural, lower case ("customers") */
  many: string;
  /** the chosen row's key and label, "" when the filter is not on one row */
  selectedValue: string;
  selectedLabel: string;
  /** the list without this filter (the × link; the form's action and hidden inputs) */
  clearHref: string;
  /** the no-JavaScript text that matched no single row, and why */
  typed: string;
  error: string;
}

/** The foreign key a list filter filters on, as the change form's autocomplete sees it. */
export function filterForeignKey(site: AdminSiteLike, query: ChangeListQuery<any, any>, field: string): ForeignKeyInfo | undefined {
  const rel = query.config.listFilter.find((f) => f.field === field && f.kind === "foreignKey")?.relation;
  if (!rel) return undefined;
  const columns = getTableColumns(rel.table) as Record<string, SQLiteColumn>;
  return {
    table: rel.table,
    references: rel.references,
    referencesKey: rel.referencesKey,
    display: rel.displayKey !== undefined ? columns[rel.displayKey] : undefined,
    admin: site.all().find((a) => a.table === rel.table),
  };
}

/**
 * The combobox props of filter `f`, or null when it stays a list of links (not a foreign key,
 * not past the threshold, or the related model is not searchable by `user`).
 */
export function filterCombobox(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, f: FilterView, typed: TypedFilters): FilterComboProps | null {
  if (f.kind !== "foreignKey" || !f.large) return null;
  const fk = filterForeignKey(site, site.query(admin), f.field);
  if (!canSearch(fk, user)) return null;
  const all = f.choices.find((c) => c.lookup === "all");
  const selected = f.choices.find((c) => c.selected && c.lookup === "exact");
  return {
    id: `fac-${f.field}`,
    app: admin.app,
    model: admin.name,
    field: f.field,
    title: f.title,
    many: fk!.admin!.verboseNamePlural.toLowerCase(),
    selectedValue: selected ? new URLSearchParams(selected.query).get(`${f.field}__exact`) ?? "" : "",
    selectedLabel: selected?.label ?? "",
    clearHref: all ? (all.query ? `${admin.url}?${all.query}` : admin.url) : admin.url,
    typed: typed[f.field]?.q ?? "",
    error: typed[f.field]?.error ?? "",
  };
}

/**
 * Resolves the `<field>__search` parameters of a change-list URL (a filter box submitted
 * without JavaScript) into `<field>__exact`: blank text removes the filter; text matching one
 * related row (see changeform's resolveTyped) filters on it; other text is reported in
 * `typed` and leaves the filter off. Parameters of fields that are not foreign-key filters are
 * left for `parseState` to refuse.
 * @returns the parameters to parse, and the texts that did not resolve
 */
export async function readTypedFilters(site: AdminSiteLike, admin: ModelAdmin<any, any>, user: SessionUser, params: URLSearchParams): Promise<{ params: URLSearchParams; typed: TypedFilters }> {
  const out = new URLSearchParams(params);
  const typed: Record<string, { q: string; error: string }> = {};
  const query = site.query(admin);
  for (const [key, q] of params) {
    if (!key.endsWith(SEARCH_SUFFIX)) continue;
    const field = key.slice(0, -SEARCH_SUFFIX.length);
    const fk = filterForeignKey(site, query, field);
    if (!fk) continue;
    out.delete(key);
    out.delete(`${field}__exact`);
    out.delete("p");
    const r = await resolveTyped(site, fk, user, q.slice(0, 200));
    if ("error" in r) typed[field] = { q: q.slice(0, 200), error: canSearch(fk, user) ? r.error : "You don't have permission to search these." };
    else if (r.value !== "") out.set(`${field}__exact`, r.value);
  }
  return { params: out, typed };
}

type Assigns = FilterComboProps & {
  /** the combobox's state */
  state: AutocompleteState;
  /** the combobox for the template */
  ac: AutocompleteView;
  /** hidden inputs of the GET form: every parameter of the list but this filter's */
  hidden: [string, string][];
  action: string;
};

/**
 * One foreign-key filter's search box (a LiveComponent of the change list: its events go to it
 * with `lv-target`, so the list's view only renders it). Every event checks the view
 * permission on the list's model again; the search, the related model's.
 */
export class FilterAutocomplete extends LiveComponent<Assigns, FilterComboProps> {
  static template = new URL("../../src/changelist/filter-autocomplete.eta", import.meta.url);

  update(props: FilterComboProps): void {
    const chosenChanged = this.assigns.selectedValue !== props.selectedValue || this.assigns.state === undefined;
    const [action, qs = ""] = props.clearHref.split("?", 2) as [string, string?];
    const state = chosenChanged ? closedState(props.typed, (this.assigns.state?.generation ?? 0)) : this.assigns.state;
    if (props.typed && !chosenChanged) state.q = props.typed;
    this.assign({ ...props, state, action, hidden: [...new URLSearchParams(qs)], ac: comboboxView(`fac_${props.field}`, props.field, state) });
  }

  events = {
    /** The text changed (lv-change on the form, debounced by the client). */
    search: on(FORM_PAYLOAD, async (p) => {
      const ctx = this.allowed();
      const q = textOf(p, this.assigns.field);
      if (!ctx || q === undefined) return;
      if (await searchAgain(ctx.view.site, ctx.fk, ctx.view.user, this.assigns.state, q)) this.show({ error: "" });
    }),
    /** ↑ / ↓ move the highlight, Escape closes the list. */
    key: on(AC_KEY_PAYLOAD, (p) => {
      if (p.field === this.assigns.field && this.allowed() && moveHighlight(this.assigns.state, p.key)) this.show({});
    }),
    /** A listed row clicked: the list filtered on it. */
    pick: on(AC_PICK_PAYLOAD, (p) => {
      const ctx = this.allowed();
      const picked = ctx && p.field === this.assigns.field ? listedResult(this.assigns.state, p.value) : undefined;
      if (ctx && picked) this.go(ctx.query, picked.value);
    }),
    /** Enter (or the Filter button): the highlighted row, else the row the text names. */
    submit: on(FORM_PAYLOAD, async (p) => {
      const ctx = this.allowed();
      if (!ctx) return;
      const chosen = highlighted(this.assigns.state);
      if (chosen) return this.go(ctx.query, chosen.value);
      const q = textOf(p, this.assigns.field) ?? this.assigns.state.q;
      const r = await resolveTyped(ctx.view.site, ctx.fk, ctx.view.user, q.slice(0, 200));
      if ("error" in r) return this.show({ error: r.error });
      this.go(ctx.query, r.value === "" ? null : r.value);
    }),
  };

  /** The list's view, query and this filter's foreign key, or null (permission gone: the list says so on its next event). */
  private allowed(): { view: AdminView; query: ChangeListQuery<any, any>; fk: ForeignKeyInfo } | null {
    const view = this.parent as AdminView;
    try {
      const admin = view.modelAdmin({ app: this.assigns.app, model: this.assigns.model }, "view");
      const query = view.site.query(admin);
      const fk = filterForeignKey(view.site, query, this.assigns.field);
      return fk ? { view, query, fk } : null;
    } catch (err) {
      if (err instanceof UnauthorizedError || err instanceof NotFoundError) return null;
      throw err;
    }
  }

  private show(extra: Partial<Assigns>): void {
    this.assign({ ...extra, ac: comboboxView(`fac_${this.assigns.field}`, this.assigns.field, this.assigns.state) });
  }

  /** Patches the URL to the list filtered on `value` (null: this filter removed), every other parameter kept. */
  private go(query: ChangeListQuery<any, any>, value: string | null): void {
    let state = EMPTY_STATE;
    try {
      // a filter box's text left in the URL by a submit without JavaScript is not part of the state
      const params = new URLSearchParams([...this.ctx.url.searchParams].filter(([k]) => !k.endsWith(SEARCH_SUFFIX)));
      state = query.parseState(params, { ignore: [...NOTICE_PARAMS] });
    } catch (err) {
      if (!(err instanceof ChangeListParamError)) throw err;
    }
    try {
      const next = query.withFilter(state, this.assigns.field, value === null ? null : { lookup: "exact", value });
      const qs = query.toSearchParams(next).toString();
      const url = qs ? `${this.assigns.action}?${qs}` : this.assigns.action;
      this.assigns.state.results = [];
      this.assigns.state.active = -1;
      this.parent.pushPatch(url);
    } catch (err) {
      if (!(err instanceof ChangeListParamError)) throw err;
      this.show({ error: "That choice is not valid." });
    }
  }
}

function textOf(p: FormInput, field: string): string | undefined {
  const v = p[field + SEARCH_SUFFIX];
  return typeof v === "string" ? v : undefined;
}
