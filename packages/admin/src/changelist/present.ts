/**
 * Turns a fetched change-list page into the template's assigns: header links, formatted
 * cells, filter links, the pager, the selection bar and the confirmation panel. Pure: no
 * queries, no permissions (the view decides what the user may see and passes it in).
 */
import { humanize, type ChangeListPage, type ChangeListQuery, type ChangeListRow, type ChangeListState, type ColumnHeader, type FilterView } from "../query/index.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { priorityClass } from "../model/list-priority.js";
import { emptyValueFor } from "../model/empty-value.js";
import { alignOf, columnKinds, formatCell, type Cell, type ColumnKind } from "./cells.js";
import type { Display } from "../model/field-types.js";
import { pageLinks, type PageLink } from "./pagination.js";
import { isSelected, type Selection } from "./selection.js";
import { slotLayout, type SlotEntry, type SlotPosition, type WidgetClass } from "../shell/slots.js";
import type { ListWidgetProps } from "./widget-props.js";
import type { LiveMarks } from "./live.js";
import type { LiveComponentClass } from "@weft/server";
import { dateHierarchyModel, type DateHierarchyModel } from "./date-hierarchy.js";
import type { DateHierarchyView } from "../query/index.js";
import type { EditCell, EditRow, ListEditableModel } from "./list-editable.js";

/** A column header. */
export interface HeaderModel {
  name: string;
  label: string;
  /** link of a click (toggles the sort); undefined: not sortable */
  href: string | undefined;
  sorted: "asc" | "desc" | undefined;
  /** shown when the list is sorted by more than one column */
  priority: number | undefined;
  cls: string;
}

/** A row. */
export interface RowModel {
  pk: string;
  /** the text standing for the row (first link column), for labels and the confirmation */
  repr: string;
  selected: boolean;
  /** the row's classes: `selected`, the live list's highlight (`cl-hl0`/`cl-hl1`) or `cl-gone` (fading out) */
  cls: string;
  /** cells with their column's label (the phone card shows `label: value`); `edit`: the cell's input (`listEditable`) */
  cells: Array<Cell & { label: string; edit?: EditCell }>;
  /** the row's part of the `listEditable` formset, when the user may change it */
  edit?: EditRow;
}

/** A filter of the sidebar with its links. */
export interface FilterModel {
  field: string;
  title: string;
  active: boolean;
  choices: { label: string; selected: boolean; lookup: FilterView["choices"][number]["lookup"]; href: string }[];
  /** a search-as-you-type box instead of the related rows (changelist/filter-autocomplete.ts), or null */
  combobox: FilterCombobox | null;
}

/** A filter's search box: the component class and its props (the view decides, see changelist/filter-autocomplete.ts). */
export interface FilterCombobox {
  cls: LiveComponentClass;
  props: { readonly id: string };
}

/** The "are you sure?" panel of an action waiting for confirmation. */
export interface ConfirmModel {
  action: string;
  label: string;
  /** the question, e.g. "Delete 3 orders?" */
  question: string;
  detail: string;
  count: number;
  sample: string[];
  more: number;
  danger: boolean;
  /** the buttons' words: "Confirm" / "Cancel" ("Yes, I'm sure" / "No, take me back" for delete, as Django's) */
  yes: string;
  no: string;
}

/** The selection bar. */
export interface SelectionModel {
  count: number;
  all: boolean;
  allOnPage: boolean;
  /** offer "Select all N matching" (the whole page is picked and there is more) */
  offerAll: boolean;
  text: string;
  /** the label of the "select all matching" button: "Select all 1,234 orders", or "Select all matching orders (more than 10,000)" when the count was bounded */
  allText: string;
}

/** Everything the change-list template reads. */
export interface ChangeListAssigns {
  title: string;
  /** lower-case names for sentences: "order", "orders" */
  one: string;
  many: string;
  url: string;
  addUrl: string | null;
  /** the "Import CSV" page, or null */
  importUrl: string | null;
  searchable: boolean;
  q: string;
  searchHint: string;
  /** the state's other parameters, as hidden inputs of the search form (works without JavaScript) */
  hidden: [string, string][];
  filtered: boolean;
  total: number;
  fullTotal: number;
  countText: string;
  /** "400,000 total" */
  fullText: string;
  headers: HeaderModel[];
  rows: RowModel[];
  filters: FilterModel[];
  /** the `dateHierarchy` bar, or null */
  dateBar: DateHierarchyModel | null;
  activeFilters: number;
  /** the list with the search kept and every filter removed */
  clearFiltersUrl: string;
  pager: PageLink[];
  page: number;
  pages: number;
  /** "Page 3 of 12", or "Page 3" when the count was bounded (`countLimit`: the last page is unknown) */
  pageOf: string;
  /** checkboxes and the action bar are shown (the user has at least one action) */
  selecting: boolean;
  selection: Selection;
  sel: SelectionModel;
  actions: { name: string; label: string }[];
  confirm: ConfirmModel | null;
  widgets: WidgetClass[];
  widgetProps: { app: string; model: string };
  /** the visible slot widgets by position (above, beside, below the list) */
  slots: Record<SlotPosition, SlotEntry[]>;
  /** the props of each LiveComponent slot widget, by its key */
  componentProps: Record<string, ListWidgetProps>;
  /** the live list's notice, e.g. "3 new orders", or null */
  fresh: string | null;
  /** the `listEditable` formset around the table, or null (see list-editable.ts) */
  editable: ListEditableModel | null;
}

/** What {@link present} needs. */
export interface PresentInput {
  admin: ModelAdmin<any, any>;
  query: ChangeListQuery<any, any>;
  state: ChangeListState;
  page: ChangeListPage;
  headers: ColumnHeader[];
  filters: FilterView[];
  /** the `dateHierarchy` bar (null or absent: none) */
  dateBar?: DateHierarchyView | null;
  fullTotal: number;
  /** `fullTotal` is the engine's estimate (`estimateTotalAbove`): "about 4,000,000 total" */
  fullEstimated?: boolean;
  selection: Selection;
  actions: { name: string; label: string }[];
  confirm: ConfirmModel | null;
  addAllowed: boolean;
  /** whether to offer "Import CSV" (the ModelAdmin's `importCsv` and the add or change permission) */
  importAllowed?: boolean;
  widgets: WidgetClass[];
  /** the props of the LiveComponent slot widgets, by key (see widget-props.ts) */
  componentProps?: Record<string, ListWidgetProps>;
  /** the site's locale, currency and time zone */
  display: Display;
  /** a foreign-key filter's search box, or null for its links (see changelist/filter-autocomplete.ts) */
  filterCombobox?: (f: FilterView) => FilterCombobox | null;
  /** the site's `emptyValueDisplay` (Django's `AdminSite.empty_value_display`), if set */
  emptyValueDisplay?: string | undefined;
  /** the live list's marks (none on the HTTP render) */
  live?: LiveMarks;
}

const kindsCache = new WeakMap<ChangeListQuery<any, any>, Map<string, ColumnKind>>();

/** `1,234` */
export const fmt = (n: number): string => n.toLocaleString("en-US");

/** "1 order" / "3 orders" */
export function counted(n: number, admin: ModelAdmin<any, any>): string {
  return `${fmt(n)} ${n === 1 ? admin.verboseName.toLowerCase() : admin.verboseNamePlural.toLowerCase()}`;
}

/** The URL of the change list in `state` (an absolute path; the bare list has no `?`). */
export function listUrl(admin: ModelAdmin<any, any>, query: ChangeListQuery<any, any>, state: ChangeListState): string {
  return withQuery(admin.url, query.toSearchParams(state).toString());
}

function withQuery(path: string, qs: string): string {
  return qs ? `${path}?${qs}` : path;
}

/** The text standing for a row: its first link column, else its first column. */
export function reprOf(query: ChangeListQuery<any, any>, row: ChangeListRow): string {
  const name = query.config.listDisplayLinks[0] ?? query.config.listDisplay[0].name;
  const v = row.values[name];
  return v === null || v === undefined || v === "" ? String(row.pk) : v instanceof Date ? v.toISOString() : String(v);
}

function withClass(a: string, b: string): string {
  return a && b ? `${a} ${b}` : a || b;
}

/** Builds the assigns of the change-list template. */
export function present(input: PresentInput): ChangeListAssigns {
  const { admin, query, state, page, selection } = input;
  let kinds = kindsCache.get(query);
  if (!kinds) kindsCache.set(query, (kinds = columnKinds(query.config, admin.options.fieldTypes)));
  const links = new Set(query.config.listDisplayLinks);
  const filtered = state.q !== "" || Object.keys(state.filters).length > 0 || state.date !== undefined;
  const priority = admin.options.listDisplayPriority;
  const multiSort = input.headers.filter((h) => h.sortPriority !== undefined).length > 1;

  const headers: HeaderModel[] = input.headers.map((h) => ({
    name: h.name,
    label: h.label,
    href: h.toggleQuery === undefined ? undefined : withQuery(admin.url, h.toggleQuery),
    sorted: h.sorted,
    priority: multiSort ? h.sortPriority : undefined,
    cls: withClass(alignOf(kinds!.get(h.name)), priorityClass(priority?.[h.name])),
  }));

  const live = input.live;
  const rows: RowModel[] = page.rows.map((r) => {
    const pk = String(r.pk);
    const selected = isSelected(selection, pk);
    const mark = live?.gone.has(pk) ? "cl-gone" : (live?.flash.get(pk) ?? "");
    return {
      pk,
      repr: reprOf(query, r),
      selected,
      cls: withClass(selected ? "selected" : "", mark),
      cells: query.config.listDisplay.map((c, i) => {
        const type = c.kind === "field" && !c.field.relation ? admin.options.fieldTypes?.[c.field.key] : undefined;
        const raw = formatCell(r.values[c.name], kinds!.get(c.name)!, { type, display: input.display, row: r.record });
        // Django's empty_value_display: per field, per ModelAdmin, per site (default "—")
        const formatted = raw.empty ? { ...raw, text: emptyValueFor({ emptyValueDisplay: input.emptyValueDisplay }, admin, c.kind === "field" && !c.field.relation ? c.field.key : c.name, c.kind === "computed" ? c.computed.emptyValue : undefined) } : raw;
        // the label of the phone card's "label: value" pair; the first column is the card's title
        const cell = { ...formatted, cls: withClass(formatted.cls, i === 0 ? "cl-title" : priorityClass(priority?.[c.name])), label: c.label };
        return links.has(c.name) ? { ...cell, href: admin.objectUrl(r.pk) } : cell;
      }),
    };
  });

  const filters: FilterModel[] = input.filters.map((f) => ({
    field: f.field,
    title: f.title,
    active: state.filters[f.field] !== undefined,
    choices: f.choices.map((c) => ({ label: c.label, selected: c.selected, lookup: c.lookup, href: withQuery(admin.url, c.query) })),
    combobox: input.filterCombobox?.(f) ?? null,
  }));

  const pageState = (n: number) => ({ ...state, page: n });
  const pagePks = rows.map((r) => r.pk);
  const many = admin.verboseNamePlural.toLowerCase();
  const all = selection.mode === "all";
  const picked = selection.mode === "ids" ? selection.ids.size : page.total;
  const allOnPage = pagePks.length > 0 && pagePks.every((pk) => isSelected(selection, pk));
  const sel: SelectionModel = {
    count: picked,
    all,
    allOnPage,
    offerAll: !all && allOnPage && page.total > pagePks.length,
    text: !all ? `${fmt(picked)} of ${fmt(pagePks.length)} selected` : page.capped ? `All matching ${many} selected (more than ${fmt(page.total)})` : `All ${page.estimated ? "about " : ""}${counted(page.total, admin)} selected`,
    allText: page.capped ? `Select all matching ${many} (more than ${fmt(page.total)})` : `Select all ${counted(page.total, admin)}`,
  };

  // the search form carries the rest of the state for browsers without JavaScript
  const hidden = [...query.toSearchParams({ ...state, q: "", page: 1 })] as [string, string][];

  return {
    title: admin.verboseNamePlural,
    one: admin.verboseName.toLowerCase(),
    many: admin.verboseNamePlural.toLowerCase(),
    url: admin.url,
    addUrl: input.addAllowed ? `${admin.url}add/` : null,
    importUrl: input.importAllowed ? `${admin.url}import/` : null,
    searchable: query.config.searchFields.length > 0,
    q: state.q,
    searchHint: query.config.searchFields.map((s) => query.config.listDisplay.find((c) => c.name === s.field.path)?.label ?? humanize(s.field.path)).join(", "),
    hidden,
    filtered,
    total: page.total,
    fullTotal: input.fullTotal,
    fullText: `${input.fullEstimated ? "about " : ""}${fmt(input.fullTotal)} total`,
    countText: page.capped ? `more than ${counted(page.total, admin)}` : filtered ? `${fmt(page.total)} ${page.total === 1 ? "result" : "results"}` : `${page.estimated ? "about " : ""}${counted(page.total, admin)}`,
    headers,
    rows,
    filters,
    dateBar: dateHierarchyModel(admin.url, input.dateBar ?? null),
    activeFilters: filters.filter((f) => f.active).length,
    clearFiltersUrl: listUrl(admin, query, { ...state, filters: {}, page: 1 }),
    pager: pageLinks(page.page, page.pages, (n) => listUrl(admin, query, pageState(n)), page.capped),
    page: page.page,
    pages: page.pages,
    pageOf: page.capped ? `Page ${fmt(page.page)}` : `Page ${fmt(page.page)} of ${fmt(page.pages)}`,
    selecting: input.actions.length > 0,
    selection,
    sel,
    actions: input.actions,
    confirm: input.confirm,
    widgets: input.widgets,
    widgetProps: { app: admin.app, model: admin.name },
    slots: slotLayout(input.widgets),
    componentProps: input.componentProps ?? {},
    fresh: freshText(admin, live),
    editable: null,
  };
}

/** "3 new orders" / "1 new order" / "New orders" (more than counted), or null. */
function freshText(admin: ModelAdmin<any, any>, live: LiveMarks | undefined): string | null {
  if (!live || (live.newCount === 0 && !live.more)) return null;
  if (live.more) return `New ${admin.verboseNamePlural.toLowerCase()}`;
  return `${fmt(live.newCount)} new ${live.newCount === 1 ? admin.verboseName.toLowerCase() : admin.verboseNamePlural.toLowerCase()}`;
}
