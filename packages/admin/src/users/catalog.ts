/**
 * The permission pickers' catalogue: every registered model's four permissions
 * (`app.view_model`, `add_`, `change_`, `delete_`), grouped by app and model, as Django admin's
 * `FilteredSelectMultiple` of `auth.Permission`; grants outside it (e.g. a page's own
 * permission) are listed under "Other" so that saving a form never loses them.
 */
import type { AdminSiteLike } from "../model/site-like.js";

/** One checkbox of a permission picker. */
export interface PermissionChoice {
  perm: string;
  /** "view", "add", "change", "delete" or the full string */
  label: string;
  checked: boolean;
  /** the groups granting it to the user being edited (read-only: "via Shop managers"), or none */
  via?: string[];
}

/** A model's (or "Other"'s) row of checkboxes. */
export interface PermissionGroup {
  /** e.g. "shop › Orders" */
  label: string;
  choices: PermissionChoice[];
}

const ACTIONS = ["view", "add", "change", "delete"] as const;

/**
 * @param site - the site (its registered models)
 * @param held - the permissions granted (directly) to the user or group being edited
 * @param via - a user's permissions held through groups, with the groups' names (shown read-only beside the boxes)
 * @returns the picker's groups, in registration order, "Other" last when it has entries
 */
export function permissionCatalog(site: Pick<AdminSiteLike, "all">, held: ReadonlySet<string>, via: ReadonlyMap<string, string[]> = new Map()): PermissionGroup[] {
  const known = new Set<string>();
  const groups: PermissionGroup[] = site.all().map((m) => ({
    label: `${m.app} › ${m.verboseNamePlural}`,
    choices: ACTIONS.map((a) => {
      const perm = m.perm(a);
      known.add(perm);
      return { perm, label: a, checked: held.has(perm), ...(via.has(perm) ? { via: via.get(perm)! } : {}) };
    }),
  }));
  const other = [...new Set([...held, ...via.keys()])].filter((p) => !known.has(p)).sort();
  if (other.length) groups.push({ label: "Other", choices: other.map((perm) => ({ perm, label: perm, checked: held.has(perm), ...(via.has(perm) ? { via: via.get(perm)! } : {}) })) });
  return groups;
}

/**
 * The checked keys of a submitted picker form: fields named `<prefix><value>` whose value is
 * truthy (a checkbox sends "on"; an unchecked one is absent).
 * @returns the values, without the prefix
 */
export function checkedKeys(payload: Record<string, unknown>, prefix: string): Set<string> {
  const out = new Set<string>();
  for (const [k, v] of Object.entries(payload)) if (k.startsWith(prefix) && v !== undefined && v !== "" && v !== false && v !== "false") out.add(k.slice(prefix.length));
  return out;
}

/**
 * The picker with the boxes of `checked` ticked (and no others): what the browser shows while
 * the form is unsaved, so that re-rendering it (e.g. after filtering) keeps what was ticked.
 * @returns new groups (`perms` is not changed)
 */
export function withChecks(perms: readonly PermissionGroup[], checked: ReadonlySet<string>): PermissionGroup[] {
  return perms.map((g) => ({ ...g, choices: g.choices.map((c) => ({ ...c, checked: checked.has(c.perm) })) }));
}
