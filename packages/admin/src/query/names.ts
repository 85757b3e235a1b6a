/**
 * Names in the change-list options, made readable: column headers from keys (`humanize`) and
 * the name lists of error messages; plus the identifier rule that relation and computed-column
 * names follow.
 */

/** What a relation name or a computed column's name must look like: a JavaScript identifier. */
export const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Turns a name into a header: `"createdAt"` → `"Created at"`, `"customer.name"` →
 * `"Customer name"`, `"total_cents"` → `"Total cents"`, `"order-item"` → `"Order item"` (Django's
 * `label_for_field` on the field's verbose name, capitalized). Also model names and form labels.
 *
 * @param name - a column key, relation name, related path, model or choice name
 * @returns the human label
 */
export function humanize(name: string): string {
  let label = humanized.get(name);
  if (label !== undefined) return label;
  const words = name
    .replace(/[._-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  label = words.charAt(0).toUpperCase() + words.slice(1);
  // names come from the admins' options and choices (a few hundred); the bound is for any other caller
  if (humanized.size >= 2000) humanized.clear();
  humanized.set(name, label);
  return label;
}

/** The labels made so far: a list-editable choice cell humanizes every choice of every row (two regexes each). */
const humanized = new Map<string, string>();

/** Joins names for an error message, at most 20 of them (then `, …`). */
export function listNames(values: Iterable<string>): string {
  const all = [...values];
  const shown = all.slice(0, 20).join(", ");
  return all.length > 20 ? `${shown}, …` : shown;
}
