// @weft/admin: one folder per feature, and imports go one way (files at the root of src/ — the
// site, the plugin, the index, errors, paths — are one node each, named after the file). The
// layering, bottom up (packages/admin/src/index.ts says it too):
//   errors, paths ← query ← auth ← migrate, auditlog, jobhistory ← model ← shell ← dashboard, health, checks
//   ← changeform ← changelist, audit ← jobs ← site ← plugin ← index
import { readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph } from "../../../scripts/import-graph.mjs";

const src = fileURLToPath(new URL("../src/", import.meta.url));
const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => join(src, f));
const resolveTs = (from: string, spec: string) => (spec.startsWith(".") ? join(dirname(from), spec.replace(/\.js$/, ".ts")) : undefined);
const folder = (f: string) => relative(src, f).split(sep)[0]!.replace(/\.ts$/, "");

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

describe("@weft/admin import graph", () => {
  it("has no import cycle between folders", () => {
    expect(files.length).toBeGreaterThan(50);
    const cycles = findCycles(files, resolveTs, { group: folder }).map((c) => c.join(" → "));
    expect(cycles, `folder cycles:\n${cycles.join("\n")}`).toEqual([]);
  });

  it("imports only downwards: every folder imports only the folders its row of the layer table allows", () => {
    const graph = importGraph(files, resolveTs, { group: folder });
    const wrong: string[] = [];
    for (const [from, tos] of graph) {
      const allowed = ALLOWED[from];
      expect(allowed, `folder ${from} is not in the layer table of this test`).toBeDefined();
      for (const to of tos) if (!allowed!.includes(to)) wrong.push(`${from} → ${to}`);
    }
    expect(wrong).toEqual([]);
  });
});
