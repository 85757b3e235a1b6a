/**
 * The change-list configuration after `resolveChangeListOptions` (`resolve.ts`) has checked a
 * ModelAdmin's options: every name turned into a column, relation or sort the query builder
 * uses directly. Types only; read-only.
 */
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { ComputedColumn, ListFilterClass, ListFilterKind } from "./options.js";
import type { TrigramIndexSpec } from "./search-index.js";
import type { ResolvedDateHierarchy } from "./date-hierarchy.js";

/** A relation after resolution: its columns and the table alias it is joined under. */
export interface ResolvedRelation {
  /** The relation name, e.g. `"customer"`. */
  readonly name: string;
  /** The own foreign-key column and its key. */
  readonly column: SQLiteColumn;
  readonly columnKey: string;
  /** The related table (unaliased) and the referenced column and its key. */
  readonly table: SQLiteTable;
  readonly references: SQLiteColumn;
  readonly referencesKey: string;
  /** The display column key of the related table, if any. */
  readonly displayKey: string | undefined;
  /** The related table under a private alias, as used in joins. */
  readonly aliased: SQLiteTable;
  /** `true`/`false` as declared; `undefined`: inner-joinable if the connection enforces foreign keys and the key is a NOT NULL `.references()` to the table. */
  readonly required: boolean | undefined;
  /** Whether the column is NOT NULL and declared as a foreign key to the related table. */
  readonly declaredForeignKey: boolean;
}

/** A field path after resolution. */
export interface ResolvedField {
  /** The path as written (`"customer"` stays `"customer"`). */
  readonly path: string;
  /** The column key in its table (`"name"` for `"customer.name"` and for `"customer"`). */
  readonly key: string;
  /** The unaliased column (type information, driver mapping). */
  readonly column: SQLiteColumn;
  /** Set for related paths. */
  readonly relation: ResolvedRelation | undefined;
}

/** A `listDisplay` column after resolution. */
export type ResolvedColumn =
  | { readonly kind: "field"; readonly name: string; readonly label: string; readonly field: ResolvedField }
  | {
      readonly kind: "computed";
      readonly name: string;
      readonly label: string;
      readonly computed: ComputedColumn;
      readonly ordering: ResolvedField | undefined;
    };

/** A `searchFields` entry after resolution. */
export interface ResolvedSearchField {
  readonly field: ResolvedField;
  /** `contains` (no prefix), `startsWith` (`^`), `exact` (`=`). */
  readonly match: "contains" | "startsWith" | "exact";
  /** With `searchIndex: "trigram"`, for text columns: the index's name and its table's key. */
  readonly index?: { readonly name: string; readonly key: SQLiteColumn };
}

/** A `listFilter` entry after resolution. */
export interface ResolvedFilter {
  /** The own column key; URL parameters are `<field>__exact`, `<field>__range`, `<field>__isnull`. */
  readonly field: string;
  readonly column: SQLiteColumn;
  readonly kind: ListFilterKind;
  readonly title: string;
  /** Whether the column is nullable (then `<field>__isnull=1|0` is accepted too). */
  readonly nullable: boolean;
  /** For `choices` and `boolean`: the allowed values (URL spelling) and labels. */
  readonly choices: readonly { readonly value: string; readonly label: string }[];
  /** For `foreignKey`: the relation the choices come from. */
  readonly relation: ResolvedRelation | undefined;
  /** For `foreignKey`: how many choices are loaded at most. */
  readonly limit: number;
  /** For `custom`: the filter object (`field` is its `parameterName`, `column` the primary key, unused). */
  readonly custom?: ListFilterClass;
}

/** A sort field after resolution: what a `sort=` name orders by. */
export interface ResolvedSort {
  /** The name used in `sort=` (a field path or a computed column name). */
  readonly name: string;
  readonly field: ResolvedField;
}

/** The whole change-list configuration, checked and resolved; read-only. */
export interface ResolvedChangeList {
  readonly adminName: string;
  readonly table: SQLiteTable;
  readonly tableName: string;
  /** Every own column by key. */
  readonly columns: Readonly<Record<string, SQLiteColumn>>;
  readonly pk: { readonly key: string; readonly column: SQLiteColumn };
  readonly relations: ReadonlyMap<string, ResolvedRelation>;
  readonly listDisplay: readonly ResolvedColumn[];
  readonly listDisplayLinks: readonly string[];
  readonly searchFields: readonly ResolvedSearchField[];
  /** The trigram indexes `searchIndex: "trigram"` needs (created by `migrateSearchIndexes`); empty without it. */
  readonly searchIndexes: readonly TrigramIndexSpec[];
  /** `estimateTotalAbove`: unfiltered totals at or above it come from the engine's estimate; undefined: always exact. */
  readonly estimateTotalAbove: number | undefined;
  /** `countLimit`: searched and filtered lists count at most this many matches; undefined: always exact. */
  readonly countLimit: number | undefined;
  readonly listFilter: readonly ResolvedFilter[];
  /** `dateHierarchy`: the drill-down column, if any. */
  readonly dateHierarchy: ResolvedDateHierarchy | undefined;
  /** Default order (without the primary-key tiebreak). */
  readonly ordering: readonly { readonly field: ResolvedField; readonly desc: boolean }[];
  /** Allowed sort names → what they order by. */
  readonly sortable: ReadonlyMap<string, ResolvedSort>;
  readonly listPerPage: number;
  /** Related fields every page selects (from `listDisplay` and computed `fields`), by path. */
  readonly relatedSelect: ReadonlyMap<string, ResolvedField>;
}
