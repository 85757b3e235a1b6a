/**
 * The change-list data layer of the admin: options, URL state, page queries.
 */
export { FK_CHOICE_LIMIT, type FilterChoiceView, type FilterView } from "./choices.js";
export { ChangeListQuery, type ChangeListPage, type ChangeListQueryOptions, type ColumnHeader } from "./changelist.js";
export { dateRange } from "./conditions.js";
export { type DateDrill } from "./date-hierarchy.js";
export { type DateHierarchyHints, type DateHierarchyLink, type DateHierarchyView } from "./date-hierarchy-bar.js";
export { type ChangeListRow } from "./rows.js";
export {
  DATE_RANGES,
  EMPTY_STATE,
  type ChangeListState,
  type DateRangeName,
  type FilterSelection,
  type ParseStateOptions,
  type SortKey,
} from "./state.js";
export { ChangeListOptionsError, ChangeListParamError } from "./errors.js";
export { humanize } from "./names.js";
export {
  type ChangeListOptions,
  type ChangeListRecord,
  type ColumnKey,
  type ComputedColumn,
  type FieldPath,
  type FilterChoiceOption,
  type ListDisplayItem,
  type ListFilterClass,
  type ListFilterContext,
  type ListFilterItem,
  type ListFilterKind,
  type ListFilterSpec,
  type NoRelations,
  type OrderingItem,
  type RelatedPath,
  type RelationOptions,
  type Relations,
  type SearchFieldItem,
} from "./options.js";
export { resolveChangeListOptions } from "./resolve.js";
export {
  type ResolvedChangeList,
  type ResolvedColumn,
  type ResolvedField,
  type ResolvedFilter,
  type ResolvedRelation,
  type ResolvedSearchField,
  type ResolvedSort,
} from "./resolved.js";
export { escapeLike, splitSearchTerms, LIKE_ESCAPE } from "./search.js";
export { countStatements, type StatementCounter } from "./stats.js";
export {
  DEFAULT_QUERY_TIMEOUT_MS,
  QUERY_TOO_SLOW,
  HISTORY_TOO_SLOW,
  RELATED_TOO_SLOW,
  SEARCH_TOO_SLOW,
  FORM_TOO_SLOW,
  SAVE_TOO_SLOW,
  FORM_TOO_SLOW_KEPT,
  CHECK_TOO_SLOW,
  QueryTimeoutError,
  allReads,
  isQueryTimeout,
  pgBudget,
  queryBudget,
  queryTimeoutOf,
  stoppedRead,
  type BudgetLog,
} from "./budget.js";
export { FairShare, readsOf, currentReader, type FairShareOption, type FairShareOptions } from "./fair-share/index.js";
export { PG_READ_OPTIONS, SqliteReadPool, siteReads, type ReadPoolOption, type SiteReads, type SqliteReadPoolOptions } from "./read-pool/index.js";
export { dialectOf, withTransaction, type AdminDatabase, type AnyColumn, type AnyTable, type DbOrTx, type Dialect, type QueryBuilder } from "./dialect/index.js";
export type { ListWidgetProps } from "./list-widget-props.js";
