/**
 * The change list's `dateHierarchy` bar as the template reads it (Django admin's
 * `date_hierarchy`): links back up ("‹ All dates", "‹ 2024"), the period shown, and the periods
 * under it with their row counts. Pure: the query layer counted the rows (`dateHierarchyBar`).
 */
import type { ChangeListState, DateHierarchyView } from "../query/index.js";

/** One link of the bar. */
export interface DateLinkModel {
  label: string;
  href: string;
  /** the row count, e.g. "1,204", or "10,000+" past `countLimit` (choices only; absent when not counted: a search past `countLimit`) */
  count?: string;
}

/** The bar, or null when the admin has no `dateHierarchy`. */
export interface DateHierarchyModel {
  field: string;
  back: DateLinkModel[];
  current: string | null;
  choices: DateLinkModel[];
}

/** The template's model of a bar, links as absolute paths under `url` (the change list's). */
export function dateHierarchyModel(url: string, bar: DateHierarchyView | null): DateHierarchyModel | null {
  if (!bar) return null;
  const href = (q: string) => (q ? `${url}?${q}` : url);
  return {
    field: bar.field,
    back: bar.back.map((b) => ({ label: b.label, href: href(b.query) })),
    current: bar.current,
    choices: bar.choices.map((c) => ({ label: c.label, href: href(c.query), ...(c.count === null ? {} : { count: `${c.count.toLocaleString("en-US")}${c.capped ? "+" : ""}` }) })),
  };
}

/** Whether two states have the same `dateHierarchy` period. */
export function sameDate(a: ChangeListState, b: ChangeListState): boolean {
  return JSON.stringify(a.date ?? null) === JSON.stringify(b.date ?? null);
}
