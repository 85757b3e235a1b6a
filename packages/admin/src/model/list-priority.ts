/**
 * Column priorities of the change list (`listDisplayPriority`): which columns give way on
 * narrower screens, by CSS classes only (changelist.css), as Filament's `visibleFrom`.
 */
import { adminError } from "../errors.js";

/** `1` always shown, `2` hidden under 1024 px (kept in phone cards), `3` hidden under 1440 px and in cards. */
export type ListPriority = 1 | 2 | 3;

/**
 * Checks a ModelAdmin's `listDisplayPriority` against its `listDisplay` names.
 * @param where - names the ModelAdmin in messages, e.g. `ModelAdmin(shop.order)`
 * @param priority - the option (undefined: every column priority 1)
 * @param names - the `listDisplay` names, in order (the first is the card title)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_LIST_PRIORITY` when a key is not in `listDisplay`, a
 *   value is not 1, 2 or 3, or the first column is given more than 1
 */
export function checkListPriority(where: string, priority: unknown, names: readonly string[]): void {
  if (priority === undefined) return;
  const bad = (detail: string) => adminError("WEFT_ADMIN_ERR_LIST_PRIORITY", `weft admin: ${where} listDisplayPriority${detail}`);
  if (priority === null || typeof priority !== "object" || Array.isArray(priority)) throw bad(` must be an object of listDisplay name → 1, 2 or 3, such as { email: 2 }`);
  for (const [name, p] of Object.entries(priority)) {
    if (!names.includes(name)) throw bad(`.${name}: "${name}" is not in listDisplay (${names.join(", ")})`);
    if (p !== 1 && p !== 2 && p !== 3) throw bad(`.${name}: ${JSON.stringify(p)} is not 1 (always shown), 2 or 3`);
    if (name === names[0] && p !== 1) throw bad(`.${name}: the first column is the row's link and its card title on phones, so it is always shown (1)`);
  }
}

/** The CSS class of a column of priority `p` (`""` for 1). */
export function priorityClass(p: ListPriority | undefined): string {
  return p === 2 || p === 3 ? `cl-p${p}` : "";
}
