/**
 * The navigation the admin shows (the shell's menu, the dashboard's app index): apps and
 * their models, as `site.nav(user)` (Django's `get_app_list`) computes them.
 */

/** A model the navigation shows. */
export interface NavModel {
  label: string;
  url: string;
  icon?: string;
}

/** An app of the navigation, with the models the user may view. */
export interface NavApp {
  app: string;
  label: string;
  models: NavModel[];
}
