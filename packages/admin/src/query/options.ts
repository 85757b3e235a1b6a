/**
 * The typed change-list options of a ModelAdmin — the camelCase of Django admin's
 * `list_display`, `list_display_links`, `search_fields`, `list_filter`, `ordering`,
 * `sortable_by`, `list_per_page` — plus `relations`, which declares the joins that Django
 * infers from foreign keys. Types only: `resolveChangeListOptions` (`resolve.ts`) checks them
 * against the drizzle table once, at construction, and turns every name into a column the
 * query builder can use (`resolved.ts`).
 */
import type { SQL } from "drizzle-orm";
import type { AnyTable, AnyColumn } from "./dialect/index.js";
import type { SearchIndexKind } from "./search-index.js";

/** The property names (not SQL names) of a drizzle table's columns, e.g. `"createdAt"`. */
export type ColumnKey<T extends AnyTable> = Extract<keyof T["_"]["columns"], string>;

/**
 * One join the change list may use, declared under a name (`relations.customer`). The
 * admin's table holds `column`, which references `references` (default: the primary key) of
 * `table`. Related rows are always reached through `LEFT JOIN`s (rows whose foreign key is
 * null or dangling stay in the list), or through `IN (SELECT …)` subqueries when searching.
 * Mirrors what Django derives from a `ForeignKey` for `list_display = ("customer__name",)`,
 * `list_select_related` and `search_fields = ("customer__email",)`.
 */
export interface RelationOptions<TRel extends AnyTable = AnyTable> {
  /** The foreign-key column of the admin's own table, e.g. `orders.customerId`. */
  column: AnyColumn;
  /** The related table, e.g. `customers`. */
  table: TRel;
  /** The column of `table` that `column` references; default: `table`'s primary key. */
  references?: AnyColumn;
  /**
   * The related column that stands for a related row (Django's `__str__`): shown for the
   * bare relation name in `listDisplay` (`"customer"`), searched for `"customer"` in
   * `searchFields`, and used as the label of foreign-key filter choices.
   */
  display?: AnyColumn;
  /**
   * Every row has its related row (a NOT NULL foreign key the database enforces), so sorting by
   * a related column may use an `INNER JOIN` that walks the related table's index instead of
   * sorting the whole table (400,000 orders by customer name: ~40 ms → well under 1 ms). Default:
   * true when `column` is NOT NULL, declared with `.references()` to `table`, and the connection
   * enforces foreign keys (`PRAGMA foreign_keys = ON`); `false` keeps `LEFT JOIN`s.
   */
  required?: boolean;
}

/** The `relations` option: relation name → its join. */
export type Relations = Record<string, RelationOptions>;

/** No relations: what `R` is when an admin declares none, so every name must be an own column. */
export type NoRelations = Record<never, RelationOptions>;

/**
 * A related path: a relation name (meaning its `display` column) or `"relation.column"`
 * with a column key of the related table, e.g. `"customer"` or `"customer.email"`.
 */
export type RelatedPath<R extends Relations> = {
  [K in keyof R & string]: K | `${K}.${ColumnKey<R[K]["table"]>}`;
}[keyof R & string];

/** A field the change list can show, search, or sort on: an own column key or a related path. */
export type FieldPath<T extends AnyTable, R extends Relations> = ColumnKey<T> | RelatedPath<R>;

/**
 * What a computed column's `value` receives: the row's own columns under their keys
 * (`record.totalCents`), plus every related path named in `listDisplay` or in a computed
 * column's `fields` (`record["customer.name"]`; `null` when the related row is missing).
 */
export type ChangeListRecord = Record<string, unknown>;

/**
 * A computed `listDisplay` column, Django's callable / `@admin.display` in `list_display`.
 * `value` runs in process on each row of the page (never a query per row: whatever it needs
 * must be in the record — list related paths in `fields`).
 */
export interface ComputedColumn<T extends AnyTable = AnyTable, R extends Relations = Relations> {
  /** Unique among `listDisplay` names; used in `sort=` and `sortableBy`. */
  name: string;
  /** Column header (Django's `@admin.display(description=…)`). */
  label: string;
  /** Computes the cell value from the row's record. Must not throw for null related values. */
  value(record: ChangeListRecord): unknown;
  /** Makes the column sortable by this field (Django's `@admin.display(ordering=…)`). */
  ordering?: FieldPath<T, R>;
  /** Related paths `value` reads, added to the record (own columns are always present). */
  fields?: readonly FieldPath<T, R>[];
  /** How an empty value (null, undefined, "") reads in this column (Django's `@admin.display(empty_value=…)`); over the ModelAdmin's and the site's `emptyValueDisplay`. */
  emptyValue?: string;
}

/** One `listDisplay` entry: a field path or a computed column. */
export type ListDisplayItem<T extends AnyTable = AnyTable, R extends Relations = Relations> =
  | FieldPath<T, R>
  | ComputedColumn<T, R>;

/**
 * How a `listFilter` entry filters, Django's list filter classes:
 * - `boolean` — `BooleanFieldListFilter`: `field__exact=1|0` (and `field__isnull=1` if nullable);
 * - `choices` — `ChoicesFieldListFilter` / `AllValuesFieldListFilter` with a fixed list:
 *   `field__exact=<value>` for a value among the choices;
 * - `foreignKey` — `RelatedFieldListFilter`: `field__exact=<related key>`, choices loaded from
 *   the related table (at most `limit` of them, ordered by the display column);
 * - `dateRange` — `DateFieldListFilter`: `field__range=today|past_7_days|this_month|this_year`
 *   (and `field__isnull=1|0` — "No date" / "Has date" — if nullable).
 */
export type ListFilterKind = "boolean" | "choices" | "foreignKey" | "dateRange" | "custom";

/** What a custom list filter's `lookups` and `queryset` receive. */
export interface ListFilterContext {
  /** The admin's name (`adminName`), e.g. `"OrderAdmin"`. */
  readonly adminName: string;
  /** The current time (the change list's injected clock); `undefined` when `lookups` runs at construction. */
  readonly now: Date | undefined;
  /** The site's IANA time zone (`site.display.timeZone`), if any. */
  readonly timeZone: string | undefined;
}

/**
 * A custom `listFilter` entry, as Django admin's `SimpleListFilter`: a sidebar section titled
 * `title` whose choices are `lookups(ctx)` and whose selected value filters the list through
 * `queryset(ctx, value)`. The URL parameter is the bare `parameterName` (`?big=1`), allow-listed
 * like built-in filters: a value outside `lookups` is refused with `ChangeListParamError`.
 * `lookups` runs once, when the admin is built (so it must not query: the page stays at two
 * statements); `queryset` runs per statement and returns a drizzle condition over the admin's
 * own table (no joins; use an `IN (SELECT …)` subquery for related rows), or `undefined` for
 * "no filtering" (as Django's `queryset` returning `None`).
 */
export interface ListFilterClass {
  /** Django's `SimpleListFilter.title`: the sidebar heading. */
  readonly title: string;
  /** Django's `SimpleListFilter.parameter_name`: the URL parameter, `[A-Za-z][A-Za-z0-9_]*`,
   *  not `q`/`o`/`sort`/`p`, without `__`, unique among the filters. */
  readonly parameterName: string;
  /** Django's `SimpleListFilter.lookups`: the choices as `[value, label]`, values unique. */
  lookups(ctx: ListFilterContext): readonly (readonly [string, string])[];
  /** Django's `SimpleListFilter.queryset`: the condition for a chosen value (one of `lookups`). */
  queryset(ctx: ListFilterContext, value: string): SQL | undefined;
}

/** One explicit filter choice. */
export interface FilterChoiceOption {
  /** The value as it appears in the URL (`status__exact=<value>`) and in the column. */
  value: string | number;
  /** What the filter sidebar shows. */
  label: string;
}

/** A `listFilter` entry spelled out, for a title, explicit choices, or a choice limit. */
export interface ListFilterSpec<T extends AnyTable = AnyTable, R extends Relations = Relations> {
  /** An own column key, or a relation name (meaning its foreign-key column). */
  field: ColumnKey<T> | (keyof R & string);
  /** Default: inferred — the column of a relation → `foreignKey`, boolean mode → `boolean`,
   *  timestamp mode → `dateRange`, a text enum or explicit `choices` → `choices`. */
  kind?: ListFilterKind;
  /** Sidebar title (Django: "By <verbose name>"); default: the humanized field name. */
  title?: string;
  /** For `choices`: the allowed values; default: the text column's `enum`. */
  choices?: readonly (string | number | FilterChoiceOption)[];
  /** For `foreignKey`: at most this many choices are loaded (default 100, max 10,000). */
  limit?: number;
}

/** One `listFilter` entry: a field name (kind inferred) or a spec. */
export type ListFilterItem<T extends AnyTable = AnyTable, R extends Relations = Relations> =
  | ColumnKey<T>
  | (keyof R & string)
  | ListFilterSpec<T, R>
  | ListFilterClass;

/** A `searchFields` entry: a field path, optionally prefixed `^` (starts with) or `=` (exact). */
export type SearchFieldItem<T extends AnyTable, R extends Relations> =
  | FieldPath<T, R>
  | `^${FieldPath<T, R>}`
  | `=${FieldPath<T, R>}`;

/** An `ordering` entry: a field path, optionally prefixed `-` for descending. */
export type OrderingItem<T extends AnyTable, R extends Relations> = FieldPath<T, R> | `-${FieldPath<T, R>}`;

/**
 * The change-list options of a ModelAdmin over drizzle table `T` with relations `R`.
 * Every name is checked against the table by `resolveChangeListOptions`.
 */
export interface ChangeListOptions<T extends AnyTable = AnyTable, R extends Relations = Relations> {
  /** Name used in error messages, e.g. `"OrderAdmin"`; default `ModelAdmin(<table name>)`. */
  adminName?: string;
  /** Declared joins, by relation name. See {@link RelationOptions}. */
  relations?: R;
  /**
   * Django's `list_display`: the columns of the list, in order. Own column keys
   * (`"number"`), related paths (`"customer.name"`, or `"customer"` for its display column),
   * computed columns. Default: every own column, in declaration order.
   */
  listDisplay?: readonly ListDisplayItem<NoInfer<T>, NoInfer<R>>[];
  /** Django's `list_display_links`: the `listDisplay` names that link to the change form.
   *  Default: the first column; `null` or `[]`: none. */
  listDisplayLinks?: readonly string[] | null;
  /**
   * Django's `search_fields`: the fields `q` searches. Prefix `^` = starts with, `=` =
   * exact (case-insensitive for ASCII, as SQLite's LIKE), none = contains. Default: none
   * (and a non-empty `q` is refused).
   */
  searchFields?: readonly SearchFieldItem<NoInfer<T>, NoInfer<R>>[];
  /**
   * As Django admin's `search_fields`, backed by an index: `"trigram"` gives every searched text
   * column (own or related) a trigram index, created by `migrateSearchIndexes` / `weft migrate`.
   * SQLite: an FTS5 table with the `trigram` tokenizer kept in sync by triggers; words of 3+
   * characters are looked up in it (`MATCH`) and the rows found checked with the same `LIKE`, so
   * results are those of the plain search; shorter words use `LIKE` alone. PostgreSQL: a
   * `pg_trgm` GIN index that serves the `ILIKE` directly. Default: none (`LIKE` scans).
   * SQLite needs integer primary keys on the searched tables.
   */
  searchIndex?: SearchIndexKind;
  /**
   * Estimated totals for very large tables, as Django's `show_full_result_count = False` spares
   * the full count: when the list is unfiltered (no search, filter or scope) and the engine's
   * estimate of the table's rows is at least this many, the estimate is shown ("about
   * 4,000,000") instead of an exact `count(*)`. SQLite: `sqlite_stat1` (from `ANALYZE`; exact
   * when absent); PostgreSQL: `pg_class.reltuples`. Default: always exact.
   */
  estimateTotalAbove?: number;
  /**
   * Bounded counts for searched and filtered lists, in the spirit of Django's
   * `show_full_result_count = False`: a search or filter counts at most this many matching rows
   * (`select count(*) from (select 1 … limit N+1)`), and when more match the list says "more
   * than 10,000 orders" and its pager has previous / next but no last page. Deep pages count a
   * little further (to the end of the page asked for), so a page that exists is always shown.
   * "Select all matching" still acts on every match: the action counts them exactly first.
   * An integer >= 1; `null`: always count exactly. Default 10,000.
   */
  countLimit?: number | null;
  /** Django's `list_filter`: own columns (or relation names) to filter on, or custom filters
   *  ({@link ListFilterClass}, Django's `SimpleListFilter`). See {@link ListFilterKind}. */
  listFilter?: readonly ListFilterItem<NoInfer<T>, NoInfer<R>>[];
  /**
   * As Django admin's `date_hierarchy`: a date/timestamp column key (e.g. `"createdAt"`) whose
   * drill-down bar sits above the list — the years with rows, then a year's months, then a
   * month's days — each link keeping the search, filters and sort. URL parameters
   * `<field>__year`, `<field>__month`, `<field>__day`; periods are bounded by midnights in the
   * site's `display.timeZone` and filter with `col >= start and col < end` (index-friendly).
   * Default: none. A column that is not a date is a `ChangeListOptionsError` at registration.
   */
  dateHierarchy?: ColumnKey<NoInfer<T>>;
  /** Django's `ordering`: the default sort, `-` prefix = descending. Default `["-<pk>"]`, as Django. */
  ordering?: readonly OrderingItem<NoInfer<T>, NoInfer<R>>[];
  /**
   * Django's `sortable_by`: what `sort=` / `o=` may name — field paths (displayed or not) and
   * computed columns that have an `ordering`. Default: the `listDisplay` fields (related ones
   * included) and the computed columns with an `ordering`.
   */
  sortableBy?: readonly string[];
  /** Django's `list_per_page`: rows per page, 1…10,000. Default 100. */
  listPerPage?: number;
  /** Header/title overrides by `listDisplay` name or filter field (Django's `verbose_name`). */
  labels?: Readonly<Record<string, string>>;
}
