// @weft/admin: one folder per feature, and imports go one way (files at the root of src/ — the
// site, the plugin, the index, errors, paths — are one node each, named after the file). The
// layering, bottom up (packages/admin/src/index.ts says it too):
//   errors, paths ← query ← auth ← migrate, auditlog, jobhistory ← model ← shell ← dashboard, health, checks
//   ← changeform ← changelist, audit ← jobs ← site ← plugin ← index
import { describeLayers } from "../../server/test/support/folder-layers.js";

/** What each folder (or root file) may import, besides itself and packages. */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  paths: [],
  // the data layer: change-list state, conditions, choices, row statements
  query: ["errors"],
  // users, groups, sessions, API tokens, the admin's tables, login routes, CLI
  auth: ["query", "errors"],
  // the audit log's statements (write an entry, read a history or a timeline)
  auditlog: ["auth", "query", "errors"],
  // the job history's statements (write, list, prune) and its recorder and pruner
  jobhistory: ["auth", "query", "errors"],
  // the admin's own migrations: migrateAdmin (both dialects), the generated SQL's journal, search indexes
  migrate: ["auth", "query", "errors"],
  // ModelAdmin, what its options declare (actions, dashboard widgets), AdminSiteLike, model events, object labels
  model: ["jobhistory", "auth", "query", "errors"],
  // layout, AdminView, navigation, widget slots, shared partials
  shell: ["model", "auth", "paths", "errors"],
  checks: ["model", "errors"],
  // the `weft` command: one file per subcommand; nothing imports it
  cli: ["jobs", "checks", "model", "migrate", "auth", "query", "errors"],
  health: ["shell", "errors"],
  dashboard: ["shell", "model", "auth", "query", "errors"],
  changeform: ["shell", "model", "auditlog", "auth", "query", "errors"],
  changelist: ["changeform", "shell", "model", "auditlog", "auth", "query", "errors"],
  audit: ["changeform", "shell", "model", "auditlog", "auth", "query", "errors"],
  jobs: ["changelist", "changeform", "checks", "shell", "model", "jobhistory", "auth", "query", "errors"],
  // the top bar's job bell and its toasts (the user's jobs, live)
  notify: ["jobs", "shell", "errors"],
  // the signed-in user's own account: the password-change page
  account: ["shell", "model", "auditlog", "auth", "errors"],
  // AdminSite: registers models, builds the dashboard; nothing below imports it
  // the site's own pages (site.page): checked options, the page class, sidebar entries
  pages: ["shell", "checks", "model", "auth", "errors"],
  // the superusers' user, group and API-token screens (pages the site mounts itself)
  users: ["pages", "account", "auditlog", "shell", "model", "auth", "errors"],
  // AdminSite's options (the interface alone)
  "site-options": ["jobs", "model", "query"],
  site: ["site-options", "users", "jobs", "jobhistory", "pages", "dashboard", "shell", "model", "migrate", "auth", "query", "errors"],
  plugin: ["site", "pages", "account", "notify", "jobs", "audit", "changelist", "changeform", "dashboard", "health", "checks", "shell", "auth", "paths", "errors"],
  // helpers for tests (a PostgreSQL server, a database per test); nothing imports it
  testing: ["errors"],
  index: ["plugin", "site", "pages", "jobs", "audit", "changeform", "dashboard", "shell", "model", "migrate", "auth", "query", "errors"],
};

describeLayers("@weft/admin import graph", {
  src: new URL("../src/", import.meta.url),
  node: (parts) => parts[0]!.replace(/\.ts$/, ""),
  allowed: ALLOWED,
  minFiles: 50,
  rule: "every folder imports only the folders its row of the layer table allows",
});
