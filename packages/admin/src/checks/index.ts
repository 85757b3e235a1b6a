/**
 * Start-up checks, as Django's system checks: {@link runChecks} inspects a configured
 * {@link AdminSite} (and how it is deployed: how many workers, which channel layer) and returns
 * a list of {@link CheckMessage}s, each with a stable id, a level, a message naming the admin
 * and the option at fault, and a hint. The admin plugin runs them when it is installed
 * (errors stop the start, warnings are logged); an application can also run them from a CLI
 * `check` command with {@link formatReport}.
 *
 * | id | level | what |
 * |---|---|---|
 * | `weft.E001` | error | an entry of `changeListWidgets` / `changeFormWidgets` is not a LiveView subclass |
 * | `weft.E002` | error | a widget-slot class declares an invalid `size`, `label` or `permissionRequired` |
 * | `weft.E003` | error | a progress action while several workers share the in-memory channel layer |
 * | `weft.E004` | error | SQLite: a ModelAdmin's `searchIndex` table is missing (run `weft migrate`) |
 * | `weft.E005` | error | a ModelAdmin's `listEditable` names a column the change list cannot edit (not in `listDisplay`, a link column, readonly, …) |
 * | `weft.W001` | warning | several workers on the in-memory channel layer |
 * | `weft.W002` | warning | a page could show more live views than one socket may join (weft's view limits) |
 */
import { LiveComponent, LiveView } from "@weft/server";
import { type ChannelLayer, MemoryChannelLayer } from "@weft/server/pubsub";
import type { AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { SLOT_POSITIONS } from "../model/slot-position.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { WeftAdminError } from "../errors.js";
import { missingSearchIndexErrors } from "./search-indexes.js";
import { listEditableErrors } from "./list-editable.js";
import { viewsPerPageWarnings, type WidgetPlacement } from "./views-per-page.js";

export { PAGE_VIEWS, type WidgetPlacement } from "./views-per-page.js";

/** How serious a {@link CheckMessage} is: errors stop the start, warnings are logged. */
export type CheckLevel = "error" | "warning";

/** One finding of {@link runChecks}. */
export interface CheckMessage {
  /** stable identifier, e.g. `weft.E001` (list it in `silenced` to ignore it) */
  id: string;
  level: CheckLevel;
  /** what is wrong, naming the admin and the option (slot, action) at fault */
  message: string;
  /** how to fix it */
  hint: string;
  /** the object at fault, e.g. `ModelAdmin(shop.order)`, or `null` for the deployment as a whole */
  obj: string | null;
}

/** What {@link runChecks} needs to know besides the site. */
export interface CheckOptions {
  /** how many processes serve the site (default 1) */
  workers?: number;
  /** the channel layer the processes use (default: none given, i.e. the in-memory default) */
  pubsub?: ChannelLayer;
  /** check ids to leave out (as Django's `SILENCED_SYSTEM_CHECKS`) */
  silenced?: readonly string[];
  /**
   * the views one page may join: the lower of weft's `maxViewsPerSocket` and
   * `maxViewsPerSession` (the admin plugin passes weft's; default 64)
   */
  maxViewsPerPage?: number;
  /** the dashboard's widgets (the admin plugin passes `site.dashboard.all()`; default none) */
  widgets?: readonly WidgetPlacement[];
}

/** The sizes a widget-slot class may declare as `static size` (grid span: a third, a half, the whole row). */
export const WIDGET_SLOT_SIZES = ["sm", "md", "lg"] as const;

/** The two widget slots of a ModelAdmin. */
export const WIDGET_SLOTS = ["changeListWidgets", "changeFormWidgets"] as const;

/**
 * Whether `value` is a LiveView class: a subclass of {@link LiveView} (of this copy of
 * `@weft/server`, or of another copy loaded beside it, recognised by the LiveView methods on
 * its prototype chain).
 */
export function isLiveViewClass(value: unknown): boolean {
  if (typeof value !== "function") return false;
  const proto: unknown = value.prototype;
  if (!proto || typeof proto !== "object") return false;
  if (proto instanceof LiveView) return true;
  const p = proto as Record<string, unknown>;
  // `mount` is abstract on LiveView: only a (concrete) subclass has it
  return ["mount", "assign", "subscribe", "sendInfo", "pushPatch", "putFlash"].every((m) => typeof p[m] === "function");
}

/**
 * Whether an admin action runs as a background job with a progress page: `withProgress` marks
 * its actions with `progress` (`true`, or what it declares about its jobs).
 */
export function isProgressAction(action: AdminAction): boolean {
  const marker: unknown = action.progress;
  return marker === true || (typeof marker === "object" && marker !== null);
}

/** Whether `layer` only reaches its own process (no layer given means the in-memory default). */
export function isInProcessLayer(layer: ChannelLayer | undefined): boolean {
  return layer === undefined || layer instanceof MemoryChannelLayer;
}

/** How a value found in a slot reads in a message. */
function describe(value: unknown): string {
  if (typeof value === "function") return value.name || "an anonymous function";
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${typeof value} ${String(value)}`;
}

const adminName = (admin: ModelAdmin<any, any>) => `ModelAdmin(${admin.app}.${admin.name})`;
const className = (cls: unknown) => (typeof cls === "function" && cls.name ? cls.name : "an anonymous class");

/** The E002 problems of one widget-slot class (its static `size`, `label`, `permissionRequired`). */
function metadataProblems(cls: Function): string[] {
  const c = cls as Function & { size?: unknown; label?: unknown; permissionRequired?: unknown; position?: unknown };
  const out: string[] = [];
  if (c.position !== undefined && !(SLOT_POSITIONS as readonly unknown[]).includes(c.position)) {
    out.push(`static position is ${JSON.stringify(c.position)}, not one of ${SLOT_POSITIONS.map((s) => `"${s}"`).join(", ")}`);
  }
  if (c.size !== undefined && !(WIDGET_SLOT_SIZES as readonly unknown[]).includes(c.size)) {
    out.push(`static size is ${JSON.stringify(c.size)}, not one of ${WIDGET_SLOT_SIZES.map((s) => `"${s}"`).join(", ")}`);
  }
  if (c.label !== undefined && (typeof c.label !== "string" || c.label.trim() === "")) {
    out.push("static label is not a non-empty string");
  }
  const p = c.permissionRequired;
  const perms = typeof p === "string" ? [p] : Array.isArray(p) ? p : undefined;
  if (p !== undefined && (!perms || perms.some((x) => typeof x !== "string" || !/^[\w-]+\.[\w-]+$/.test(x)))) {
    out.push('static permissionRequired is not a permission string ("app.codename") or a list of them');
  }
  return out;
}

/**
 * Runs every check on `site` as it would be deployed with `opts`.
 *
 * @param site - the admin site, with every model registered
 * @param opts - workers, channel layer, silenced ids
 * @returns the findings, errors first, in registration order; empty when all is well
 *
 * @example
 * const messages = runChecks(site, { workers: 4, pubsub });
 * if (messages.some((m) => m.level === "error")) throw new SystemCheckError(messages);
 */
export function runChecks(site: AdminSiteLike, opts: CheckOptions = {}): CheckMessage[] {
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  const inProcess = isInProcessLayer(opts.pubsub);
  const out: CheckMessage[] = [];

  for (const admin of site.all()) {
    const obj = adminName(admin);
    for (const slot of WIDGET_SLOTS) {
      const entries: readonly unknown[] = admin.options[slot] ?? [];
      entries.forEach((cls, i) => {
        const where = `${slot}[${i}] of ${obj}`;
        if (!isLiveViewClass(cls) && !(typeof cls === "function" && cls.prototype instanceof LiveComponent)) {
          out.push({
            id: "weft.E001",
            level: "error",
            obj,
            message: `${where} is ${describe(cls)}, which is not a LiveView or LiveComponent subclass.`,
            hint: `Widget slots take LiveView classes (nested views) or LiveComponent classes (following the page's state) (class ${typeof cls === "function" && cls.name ? cls.name : "MyWidget"} extends LiveView { … }); ${slot === "changeFormWidgets" ? "each gets the object's id as params.objectId" : "each is rendered above the list as a nested view"}.`,
          });
          return;
        }
        for (const problem of metadataProblems(cls as Function)) {
          out.push({
            id: "weft.E002",
            level: "error",
            obj,
            message: `${where} (${className(cls)}): ${problem}.`,
            hint: 'A widget class may declare static label (text), static size ("sm" | "md" | "lg"), static position ("above" | "beside" | "below") and static permissionRequired ("app.codename" or a list of them).',
          });
        }
      });
    }
    if (workers > 1 && inProcess) {
      for (const action of admin.options.actions ?? []) {
        if (!isProgressAction(action)) continue;
        out.push({
          id: "weft.E003",
          level: "error",
          obj,
          message: `action "${action.name}" of ${obj} is a progress action, but the ${workers} workers use the in-memory channel layer: its job record, progress page and Cancel would exist only on the worker that started it.`,
          hint: "Use RedisChannelLayer for several workers (the demo: set REDIS_URL=redis://…), or run a single worker.",
        });
      }
    }
  }

  if (workers > 1 && inProcess) {
    out.push({
      id: "weft.W001",
      level: "warning",
      obj: null,
      message: `${workers} workers use the in-memory channel layer: a publish only reaches pages served by the worker that made it, so live updates are lost on the other ${workers === 2 ? "worker" : `${workers - 1} workers`}.`,
      hint: "Use RedisChannelLayer for several workers (the demo: set REDIS_URL=redis://…), or run a single worker.",
    });
  }

  out.push(...missingSearchIndexErrors(site));
  out.push(...listEditableErrors(site));
  out.push(...viewsPerPageWarnings(site, opts.widgets ?? [], opts.maxViewsPerPage ?? 64));

  const silenced = new Set(opts.silenced ?? []);
  return out.filter((m) => !silenced.has(m.id)).sort((a, b) => (a.level === b.level ? 0 : a.level === "error" ? -1 : 1));
}

/**
 * One message as Django prints it:
 * `ModelAdmin(shop.order): (weft.E001) changeListWidgets[1] of … \n\tHINT: …`.
 */
export function formatCheck(m: CheckMessage): string {
  return `${m.obj ? `${m.obj}: ` : ""}(${m.id}) ${m.message}\n\tHINT: ${m.hint}`;
}

/**
 * A report of `messages` for a terminal, grouped as Django's `check` command prints them
 * (ERRORS, then WARNINGS), ending with "System check identified N issues." (or "no issues").
 */
export function formatReport(messages: readonly CheckMessage[]): string {
  const lines: string[] = [];
  const errors = messages.filter((m) => m.level === "error");
  const warnings = messages.filter((m) => m.level === "warning");
  if (errors.length) lines.push("ERRORS:", ...errors.map(formatCheck), "");
  if (warnings.length) lines.push("WARNINGS:", ...warnings.map(formatCheck), "");
  const n = messages.length;
  lines.push(n ? `System check identified ${n} issue${n === 1 ? "" : "s"}.` : "System check identified no issues.");
  return lines.join("\n");
}

/** `WEFT_ADMIN_ERR_SYSTEM_CHECK`: thrown by `adminPlugin` at install when {@link runChecks} found errors (the site must not start). */
export class SystemCheckError extends WeftAdminError {
  /** every finding, errors and warnings */
  readonly messages: readonly CheckMessage[];

  /** @param messages - the findings; the error's message is their {@link formatReport} */
  constructor(messages: readonly CheckMessage[]) {
    super("WEFT_ADMIN_ERR_SYSTEM_CHECK", `weft admin: system check found errors; the site does not start.\n${formatReport(messages)}`);
    this.messages = messages;
  }
}
