/**
 * How an empty value (NULL, "") reads, as Django admin's `empty_value_display`: per field
 * (`formfieldOverrides[key].emptyValueDisplay`, or a computed column's `emptyValue`, as
 * Django's `@admin.display(empty_value=…)`), else the ModelAdmin's `emptyValueDisplay`, else
 * the site's (`new AdminSite({ emptyValueDisplay })`), else "—".
 */
import type { ModelAdmin } from "./model-admin.js";

/** The default text of an empty value (an em dash; Django's is "-"). */
export const EMPTY_VALUE_DISPLAY = "—";

/**
 * The text of an empty value of `field` in `admin`'s change list and read-only form fields.
 * @param site - the site's `emptyValueDisplay`, if any
 * @param field - a column key or a computed column's name
 * @param computedEmpty - the computed column's own `emptyValue`, if any
 */
export function emptyValueFor(site: { readonly emptyValueDisplay?: string | undefined }, admin: ModelAdmin<any, any>, field: string, computedEmpty?: string): string {
  return computedEmpty ?? admin.options.formfieldOverrides?.[field]?.emptyValueDisplay ?? admin.options.emptyValueDisplay ?? site.emptyValueDisplay ?? EMPTY_VALUE_DISPLAY;
}
