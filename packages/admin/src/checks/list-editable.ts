import { getTableColumns } from "drizzle-orm";
import type { ModelAdmin } from "../model/model-admin.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { CheckMessage } from "./index.js";

/** drizzle data types the change list can edit in a cell (JSON, blobs, … cannot) */
const EDITABLE_TYPES = new Set(["string", "number", "boolean", "date"]);

/**
 * `weft.E005`: an entry of a ModelAdmin's `listEditable` that cannot be edited in the change
 * list, as Django's admin.E121–E125 checks of `list_editable`: it must be a `listDisplay` column
 * of the model's own table (not a related path, not a computed column), not a link to the change
 * form (in `listDisplayLinks`, or the first column when `listDisplayLinks` is not set), not the
 * primary key, not in `readonlyFields`, a field of the change form (`fields` / `fieldsets` when
 * set), and of a type a form can edit. A foreign key may be named by its column (`customerId`)
 * or by the relation `listDisplay` shows (`customer`): the cell is the change form's select or
 * autocomplete (changelist/list-editable-fk.ts).
 *
 * @param site - the admin site, with every model registered
 * @returns one error per bad entry
 */
export function listEditableErrors(site: AdminSiteLike): CheckMessage[] {
  const out: CheckMessage[] = [];
  for (const admin of site.all() as ModelAdmin<any, any>[]) {
    const keys = admin.options.listEditable;
    if (keys === undefined) continue;
    const obj = `ModelAdmin(${admin.app}.${admin.name})`;
    const fail = (i: number, problem: string, hint: string) =>
      out.push({ id: "weft.E005", level: "error", obj, message: `listEditable[${i}] ${problem}`, hint });
    if (!Array.isArray(keys)) {
      out.push({ id: "weft.E005", level: "error", obj, message: "listEditable is not a list of column keys.", hint: 'Write listEditable: ["status"].' });
      continue;
    }
    const config = site.query(admin).config;
    const columns = getTableColumns(admin.table) as Record<string, { primary: boolean; dataType: string }>;
    const o = admin.options;
    const formKeys = o.fieldsets && o.fieldsets.length > 0 ? o.fieldsets.flatMap(([, f]) => f) : o.fields;
    const fkKeys = new Set([...config.relations.values()].map((r) => r.columnKey));
    const seen = new Set<string>();
    keys.forEach((key: unknown, i) => {
      const name = JSON.stringify(key);
      const at = config.listDisplay.findIndex((c) => c.name === key);
      const col = at < 0 ? undefined : config.listDisplay[at];
      if (typeof key !== "string" || col === undefined) return fail(i, `refers to ${name}, which is not in listDisplay.`, "List the column in listDisplay too, as Django requires for list_editable.");
      if (seen.has(key)) return fail(i, `lists ${name} twice.`, "List each column once.");
      seen.add(key);
      // a relation shown by its name (`customer`) edits its own key column (`customerId`)
      const relation = config.relations.get(key);
      const own = relation && col.kind === "field" && col.field.relation?.name === key ? relation.columnKey : key;
      if (col.kind !== "field" || (col.field.relation && own === key) || !(own in columns)) return fail(i, `refers to ${name}, which is not a column of the model's own table (a computed column or a related path).`, "Only the model's own columns can be edited in the list.");
      if (config.listDisplayLinks.includes(key)) {
        return fail(
          i,
          o.listDisplayLinks === undefined ? `refers to the first field in listDisplay (${name}), which links to the change form and cannot be edited unless listDisplayLinks is set.` : `refers to ${name}, which is in both listEditable and listDisplayLinks.`,
          "Set listDisplayLinks to another column (or null), or edit another column.",
        );
      }
      if (columns[own]!.primary) return fail(i, `refers to the primary key ${name}.`, "The primary key cannot be edited.");
      if ((o.readonlyFields ?? []).includes(own)) return fail(i, `refers to ${name}, which is in readonlyFields.`, "Remove it from readonlyFields or from listEditable.");
      if (formKeys && !formKeys.includes(own)) return fail(i, `refers to ${name}, which is not a field of the change form (fields / fieldsets).`, "Add it to fields (or a fieldset): the list edits it with the change form's field.");
      if (fkKeys.has(own)) return;
      if (!EDITABLE_TYPES.has(columns[key].dataType)) return fail(i, `refers to ${name}, a ${columns[key].dataType} column, which a form cannot edit.`, "Only text, number, boolean and date columns can be edited in the list.");
    });
  }
  return out;
}
