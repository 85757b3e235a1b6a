/**
 * How the change list shows a value: booleans as ✓/✗, dates formatted, empty as "—",
 * status-like enum values as badges, numbers right-aligned. Produces plain data for the
 * template (which escapes it), never HTML.
 */
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ResolvedChangeList, ResolvedColumn } from "../query/index.js";
import { formatTyped, type Display, type FieldType } from "../model/field-types.js";

/** What a column holds, decided once per admin from its drizzle column. */
export type ColumnKind = "text" | "number" | "boolean" | "date" | "enum" | "computed";

/** One cell, ready for the template. */
export interface Cell {
  /** what to print (already formatted; the template escapes it) */
  text: string;
  /** CSS class of the `<td>` (`num` right-aligns) */
  cls: string;
  /** `yes` / `no` for booleans (shown as an icon with `text` as its label) */
  bool?: "yes" | "no";
  /** badge colour for status-like values: `ok`, `warning`, `danger`, `info` or `""` (neutral) */
  badge?: string;
  /** machine-readable date (`<time datetime>`) */
  datetime?: string;
  /** true for null / empty values (shown as "—") */
  empty?: boolean;
  /** the change-form URL when the column is in `listDisplayLinks` */
  href?: string;
}

/** Status words and the badge colour they get (admin.css: badge-ok / -warning / -danger / -info). */
const BADGES: Record<string, string> = {
  ok: "ok", paid: "ok", delivered: "ok", done: "ok", complete: "ok", completed: "ok", active: "ok", approved: "ok",
  resolved: "ok", success: "ok", succeeded: "ok", published: "ok", enabled: "ok", closed: "ok", yes: "ok",
  pending: "warning", open: "warning", processing: "warning", waiting: "warning", on_hold: "warning", hold: "warning",
  draft: "warning", review: "warning", in_review: "warning", high: "warning", partial: "warning", expiring: "warning",
  cancelled: "danger", canceled: "danger", refunded: "danger", failed: "danger", rejected: "danger", error: "danger",
  overdue: "danger", urgent: "danger", critical: "danger", blocked: "danger", disabled: "danger", lost: "danger",
  shipped: "info", new: "info", sent: "info", in_progress: "info", scheduled: "info", running: "info", queued: "info",
};

/** The badge colour of a status-like value (`""`: a neutral badge). */
export function badgeFor(value: string): string {
  const key = value.toLowerCase().replace(/[\s-]+/g, "_");
  // own keys only: a cell reading "constructor" is not a badge colour
  return Object.hasOwn(BADGES, key) ? BADGES[key] : "";
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * `15 Jun 2025, 14:05` in the site's time zone and locale (default: en-GB, UTC).
 * @param display - the site's display settings (`site.display`)
 */
export function formatDate(d: Date, display?: Pick<Display, "locale" | "timeZone">): string {
  const locale = display?.locale ?? "en-GB";
  const timeZone = display?.timeZone ?? "UTC";
  const key = `${locale}|${timeZone}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone })));
  return f.format(d);
}

/** A column's field type and what formatting it needs: the site's settings and the row. */
export interface Typed {
  type: FieldType | undefined;
  display: Display;
  row?: Readonly<Record<string, unknown>>;
}

function kindOfColumn(column: SQLiteColumn): ColumnKind {
  if (column.dataType === "date") return "date";
  if (column.dataType === "boolean") return "boolean";
  const enumValues = (column as { enumValues?: readonly string[] }).enumValues;
  if (enumValues && enumValues.length > 0) return "enum";
  if (column.dataType === "number" || column.dataType === "bigint") return "number";
  return "text";
}

/**
 * The kind of each `listDisplay` column, by name.
 * @param types - the ModelAdmin's `fieldTypes`: a boolean type makes a 0/1 column "boolean", the others "number"
 */
export function columnKinds(config: ResolvedChangeList, types: Readonly<Record<string, FieldType>> = {}): Map<string, ColumnKind> {
  const kind = (c: ResolvedColumn): ColumnKind => {
    if (c.kind === "computed") return "computed";
    const t = c.field.relation ? undefined : types[c.field.key];
    return t ? (t.type === "boolean" ? "boolean" : "number") : kindOfColumn(c.field.column);
  };
  return new Map(config.listDisplay.map((c: ResolvedColumn) => [c.name, kind(c)]));
}

/**
 * Formats one value for a column of `kind`. Computed columns are formatted by the value's
 * run-time type (a boolean gets the icons, a Date is formatted, …). A column with a field type
 * (`fieldTypes`) reads as that type says ("€822.45", "12.5%", ✓ / ✗).
 *
 * @param typed - the column's field type, the site's display settings and the row
 */
export function formatCell(value: unknown, kind: ColumnKind, typed?: Typed): Cell {
  if (value === null || value === undefined || value === "") return { text: "—", cls: "empty", empty: true };
  const type = typed?.type;
  if (type?.type === "boolean") value = value === true || value === 1 || value === "1";
  else if (type) return { text: formatTyped(type, value, typed!.row, typed!.display), cls: "num" };
  if (typeof value === "boolean") return value ? { text: "Yes", cls: "bool", bool: "yes" } : { text: "No", cls: "bool", bool: "no" };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return { text: "—", cls: "empty", empty: true };
    return { text: formatDate(value, typed?.display), cls: "date", datetime: value.toISOString() };
  }
  if (kind === "enum") return { text: String(value).replace(/_/g, " "), cls: "", badge: badgeFor(String(value)) };
  if (typeof value === "number" || typeof value === "bigint") return { text: String(value), cls: "num" };
  return { text: typeof value === "object" ? JSON.stringify(value) : String(value), cls: "" };
}

/** The header/cell alignment class of a column kind. */
export function alignOf(kind: ColumnKind | undefined): string {
  return kind === "number" ? "num" : "";
}
