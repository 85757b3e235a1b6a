/**
 * An inline's form, derived once per parent ModelAdmin: the child's ModelAdmin and form spec
 * narrowed to the inline's `fields`, the child column keyed to the parent, and the limits.
 */
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { ModelAdmin } from "../model/model-admin.js";
import type { InlineAdmin } from "../model/inline.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { tableInfo } from "../query/dialect/tables.js";
import { formSpec, FormOptionsError, type FormSpec } from "./fields.js";

/** One inline of a change form, resolved. */
export interface InlineSpec {
  inline: InlineAdmin;
  /** the child's ModelAdmin (permissions, labels, audit model) */
  admin: ModelAdmin<any, any>;
  /** the child's form spec, its one fieldset being the inline's fields */
  spec: FormSpec;
  /** the child column referencing the parent, and the parent column it references */
  fkKey: string;
  fkColumn: SQLiteColumn;
  parentKey: string;
  /** the inputs' name prefix (`orderitem` → `orderitem-0-quantity`), as Django's formset prefix */
  prefix: string;
  extra: number;
  maxNum: number;
  canDelete: boolean;
}

const cache = new WeakMap<ModelAdmin<any, any>, InlineSpec[]>();

/**
 * The inlines of `parent` (computed on first use, then cached).
 * @throws FormOptionsError when an inline's table is not registered, has no (or several, without
 *   `fkName`) foreign key to the parent, or its `fields` name an unknown column
 */
export function inlineSpecs(site: AdminSiteLike, parent: ModelAdmin<any, any>): InlineSpec[] {
  let out = cache.get(parent);
  if (!out) cache.set(parent, (out = (parent.options.inlines ?? []).map((i) => resolve(site, parent, i))));
  return out;
}

function resolve(site: AdminSiteLike, parent: ModelAdmin<any, any>, inline: InlineAdmin): InlineSpec {
  const admin = site.all().find((a) => a.table === inline.table);
  const name = getTableName(inline.table as never);
  if (!admin) throw new FormOptionsError(parent, "inlines", `${name} must be registered with the site`);
  const columns = getTableColumns(inline.table as never) as Record<string, SQLiteColumn>;
  const parentColumns = getTableColumns(parent.table) as Record<string, SQLiteColumn>;
  const keys = tableInfo(inline.table).foreignKeys.flatMap((fk) => {
    const ref = fk.reference();
    if (ref.foreignTable !== parent.table || ref.columns.length !== 1) return [];
    const key = Object.keys(columns).find((k) => columns[k] === ref.columns[0])!;
    const parentKey = Object.keys(parentColumns).find((k) => parentColumns[k] === ref.foreignColumns[0])!;
    return [{ key, parentKey }];
  });
  const o = inline.options;
  const fk = o.fkName ? keys.find((k) => k.key === o.fkName) : keys.length === 1 ? keys[0] : undefined;
  if (!fk) throw new FormOptionsError(parent, "inlines", `${name} needs ${o.fkName ? `a foreign key "${o.fkName}"` : "exactly one foreign key"} to ${getTableName(parent.table)} (else set fkName)`);
  const child = formSpec(site, admin);
  const fieldKeys = o.fields ?? Object.keys(columns).filter((k) => k !== child.pk.key && k !== fk.key);
  const fields = fieldKeys.map((k) => {
    const f = child.byKey.get(k);
    if (!f || k === fk.key) throw new FormOptionsError(parent, "inlines", `"${k}" is not a field of ${name}'s form`);
    return f;
  });
  const spec: FormSpec = { ...child, fieldsets: [{ title: null, fields }] };
  return {
    inline,
    admin,
    spec,
    fkKey: fk.key,
    fkColumn: columns[fk.key]!,
    parentKey: fk.parentKey,
    prefix: admin.name,
    extra: Math.max(0, o.extra ?? 1),
    maxNum: o.maxNum ?? Number.POSITIVE_INFINITY,
    canDelete: o.canDelete ?? true,
  };
}
