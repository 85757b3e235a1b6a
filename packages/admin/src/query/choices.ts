/**
 * The filter sidebar of a change list (Django's `FieldListFilter.choices`): each
 * `listFilter` entry's choices for a state, with foreign-key choices loaded from the related
 * table and cached, and the labels of selected related rows outside the list.
 */
import { asc, eq, getTableColumns, inArray, or } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AnyDb, Builder, Exec } from "./db.js";
import type { ResolvedFilter } from "./resolved.js";
import { DATE_RANGES, toSearchParams, withFilter, type ChangeListState, type FilterSelection, type StateRules } from "./state.js";

/** One choice of a filter, ready for the sidebar. */
export interface FilterChoiceView {
  readonly label: string;
  readonly selected: boolean;
  /** What it applies: "all" (the filter removed), or the lookup of its selection. */
  readonly lookup: "all" | FilterSelection["lookup"];
  /** The query string (without `?`) of the current state with this choice applied, page reset. */
  readonly query: string;
}

/**
 * Most related rows a foreign key lists as choices: past it the change form searches as you type
 * (changeform/autocomplete.ts) and so does a foreign-key list filter (`FilterView.large`).
 */
export const FK_CHOICE_LIMIT = 200;

/** A `listFilter` entry with its choices for the current state (Django's `FieldListFilter.choices`). */
export interface FilterView {
  readonly field: string;
  readonly title: string;
  readonly kind: ResolvedFilter["kind"];
  /**
   * A foreign-key filter over more related rows than {@link FK_CHOICE_LIMIT} (and the filter's
   * `limit`): the change list offers a search-as-you-type box rather than the first `limit` rows.
   */
  readonly large?: boolean;
  /** First "All", then the values, then "Unknown"/"No date"/"Has date" for nullable columns. */
  readonly choices: readonly FilterChoiceView[];
}

const LABEL_CACHE_MAX = 256;

interface CachedChoices {
  at: number;
  /** more related rows than FK_CHOICE_LIMIT (and the filter's limit) */
  large: boolean;
  choices: { value: string; label: string }[];
  values: Set<string>;
}

function labelOf(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** One admin's filter sidebar, with its foreign-key choice and label caches. */
export class FilterChoices {
  private readonly fkChoices = new Map<string, CachedChoices>();
  private readonly fkLabels = new Map<string, string>();

  /**
   * @param db - the database the related tables are read from
   * @param rules - the admin's allow-lists (for the query string of each choice)
   * @param exec - runs (and counts) a statement
   * @param choicesTtlMs - how long loaded foreign-key choices stay cached, in ms (0 = no cache)
   */
  constructor(
    private readonly db: AnyDb,
    private readonly rules: StateRules,
    private readonly exec: Exec,
    private readonly choicesTtlMs: number,
  ) {}

  /**
   * The filter sidebar for a state (Django's `FieldListFilter.choices`): per `listFilter`
   * entry, "All", its choices and, for nullable columns, the empty/non-empty choices; each with
   * whether it is selected and the query string that applies it.
   *
   * Foreign-key choices are the first `limit` related rows ordered by the display column
   * (then key), loaded with one statement and cached for `choicesTtlMs`; a selected related
   * row outside that list is added (fetched in the same statement when the list is loaded,
   * else with one statement, its label cached). So at most one statement per foreign-key
   * filter per call, and none once cached.
   *
   * @param state - a validated state
   * @returns one `FilterView` per `listFilter` entry, in order
   */
  async forState(state: ChangeListState): Promise<FilterView[]> {
    const out: FilterView[] = [];
    for (const f of this.rules.config.listFilter) {
      const current = state.filters[f.field];
      const query = (sel: FilterSelection | null) => toSearchParams(this.rules, withFilter(this.rules, state, f.field, sel)).toString();
      const choices: FilterChoiceView[] = [{ label: "All", selected: !current, lookup: "all", query: query(null) }];
      let large = false;
      const exact = (value: string, label: string) =>
        choices.push({ label, selected: current?.lookup === "exact" && current.value === value, lookup: "exact", query: query({ lookup: "exact", value }) });
      switch (f.kind) {
        case "boolean":
        case "choices":
        case "custom":
          for (const c of f.choices) exact(c.value, c.label);
          break;
        case "foreignKey": {
          const fk = await this.foreignKey(f, current?.lookup === "exact" ? current.value : undefined);
          large = fk.large;
          for (const c of fk.choices) exact(c.value, c.label);
          break;
        }
        case "dateRange":
          for (const r of DATE_RANGES) {
            choices.push({ label: r.label, selected: current?.lookup === "range" && current.value === r.value, lookup: "range", query: query({ lookup: "range", value: r.value }) });
          }
          break;
      }
      if (f.nullable) {
        const isnull = (value: boolean, label: string) =>
          choices.push({ label, selected: current?.lookup === "isnull" && current.value === value, lookup: "isnull", query: query({ lookup: "isnull", value }) });
        if (f.kind === "dateRange") {
          isnull(true, "No date");
          isnull(false, "Has date");
        } else isnull(true, f.kind === "boolean" ? "Unknown" : "(None)");
      }
      out.push({ field: f.field, title: f.title, kind: f.kind, choices, ...(f.kind === "foreignKey" ? { large } : {}) });
    }
    return out;
  }

  /** Drops cached foreign-key choices (after related rows were added, renamed or deleted). */
  invalidate(): void {
    this.fkChoices.clear();
    this.fkLabels.clear();
  }

  private async foreignKey(f: ResolvedFilter, selected: string | undefined): Promise<{ choices: { value: string; label: string }[]; large: boolean }> {
    const rel = f.relation!;
    const relColumns = getTableColumns(rel.table) as Record<string, SQLiteColumn>;
    const ref = rel.references;
    const display = rel.displayKey !== undefined ? relColumns[rel.displayKey] : ref;
    const numeric = ref.dataType === "number";
    const selValue = selected === undefined ? undefined : numeric ? Number(selected) : selected;
    const labelKey = (v: string) => `${f.field}\u0000${v}`;
    let cached = this.fkChoices.get(f.field);
    const fresh = cached && this.choicesTtlMs > 0 && Date.now() - cached.at < this.choicesTtlMs;
    if (!fresh) {
      // one statement reads the first `n` related rows: the choices are the first `limit` of
      // them, and `n` of them say the table is too large for a list (see FilterView.large)
      const n = Math.max(f.limit, FK_CHOICE_LIMIT) + 1;
      const top = (this.db as Builder).select({ k: ref }).from(rel.table).orderBy(asc(display), asc(ref)).limit(n);
      const where = selValue === undefined ? inArray(ref, top) : or(inArray(ref, top), eq(ref, selValue));
      const q = (this.db as Builder).select({ k: ref, label: display }).from(rel.table).where(where).orderBy(asc(display), asc(ref));
      const rows = await this.exec<{ k: unknown; label: unknown }>(q);
      let list = rows.map((r) => ({ value: String(r.k), label: labelOf(r.label) }));
      // more rows than `n` ⇒ the selected row is outside the first n (see the TSDoc above)
      if (list.length > n && selected !== undefined) {
        const extra = list.find((c) => c.value === selected);
        list = list.filter((c) => c.value !== selected);
        if (extra) this.rememberLabel(labelKey(selected), extra.label);
      }
      const large = list.length > n - 1;
      // a selected row past the first `limit` keeps its label (no statement to read it again)
      const past = selected === undefined ? -1 : list.findIndex((c) => c.value === selected);
      if (past >= f.limit) this.rememberLabel(labelKey(selected!), list[past]!.label);
      list = list.slice(0, f.limit);
      cached = { at: Date.now(), large, choices: list, values: new Set(list.map((c) => c.value)) };
      this.fkChoices.set(f.field, cached);
    }
    const out = [...cached!.choices];
    if (selected !== undefined && !cached!.values.has(selected)) {
      let label = this.fkLabels.get(labelKey(selected));
      if (label === undefined) {
        const q = (this.db as Builder).select({ label: display }).from(rel.table).where(eq(ref, selValue)).limit(1);
        const row = (await this.exec<{ label: unknown }>(q))[0];
        label = row ? labelOf(row.label) : `${selected} (missing)`;
        this.rememberLabel(labelKey(selected), label);
      }
      out.push({ value: selected, label });
    }
    return { choices: out, large: cached!.large };
  }

  private rememberLabel(key: string, label: string): void {
    if (this.fkLabels.size >= LABEL_CACHE_MAX) this.fkLabels.delete(this.fkLabels.keys().next().value!);
    this.fkLabels.set(key, label);
  }
}
