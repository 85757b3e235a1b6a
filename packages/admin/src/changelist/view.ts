import { z } from "zod";
import { NotFoundError, UnauthorizedError, type Params, on } from "@weft/server";
import { NOTICE_PARAMS, userNotice } from "../changeform/notice.js";
import { modelTopic, publishModelEvent } from "../model/publish.js";
import { DROP, forgetReads, LIVE_LIST, LiveList, parseModelEvent, sharedRead, TICK, type LiveListOptions } from "./live.js";
import { availableActions } from "./actions.js";
import { listUrl, present, type ChangeListAssigns, type ConfirmModel } from "./present.js";
import { NO_SELECTION, toggleRow, togglePage, type Selection } from "./selection.js";
import { readList } from "./list-read.js";
import { sameDate } from "./date-hierarchy.js";
import { isComponentClass, visibleWidgets } from "../shell/slots.js";
import { ListWidgetPropsCache, type ListWidgetProps } from "./widget-props.js";
import type { AdminAction } from "../model/actions.js";
import type { ModelEventKind } from "../model/publish.js";
import type { ModelAction, ModelAdmin } from "../model/model-admin.js";
import { ChangeListParamError, EMPTY_STATE, QUERY_TOO_SLOW, queryTimeoutOf, readsOf, type ChangeListPage, type ChangeListState, type DateHierarchyView, type FilterView } from "../query/index.js";
import { AdminView } from "../shell/base.js";
import { FilterAutocomplete, filterCombobox, readTypedFilters, type TypedFilters } from "./filter-autocomplete.js";
import { FORM_PAYLOAD, type FormInput } from "../changeform/schema.js";
import { AC_KEY_PAYLOAD, AC_PICK_PAYLOAD } from "../changeform/autocomplete.js";
import { ListEdits } from "./list-editable.js";
import { listAcKey, listAcPick, listEdit, listSave, loadRelated, savedListUrl, withEditable, type ListEditHost } from "./list-editable-view.js";
import { afterWrite, DENIED, INLINE_DELETE_MAX, runAction, type ActionHost } from "./actions-view.js";

export { INLINE_DELETE_MAX };

// the events' payload schemas, built once: built per view, they cost ~0.3 ms of every change-list request
const SEARCH_PAYLOAD = z.object({ q: z.string().max(1000) });
const SELECT_PAYLOAD = z.object({ pk: z.string().min(1).max(256) });
const ACTION_PAYLOAD = z.object({ action: z.string().max(100) });

/** Whether two states select the same rows (same search and filters; sort and page aside). */
function sameRows(a: ChangeListState, b: ChangeListState): boolean {
  return a.q === b.q && JSON.stringify(a.filters) === JSON.stringify(b.filters) && sameDate(a, b);
}

/**
 * The change list of one model, `/admin/<app>/<model>/`, as Django's `changelist_view`: search,
 * sort, filters and page live in the URL (`handleParams`); row selection and a pending
 * confirmation live in the view. Every event checks the user's permission again: view to read
 * or select, the action's permissions (delete for the built-in delete) to run.
 *
 * A URL parameter the admin does not allow-list (an unknown sort, filter, page…) is not an
 * error page: the list is shown unfiltered with an error flash naming the parameter.
 */
export class ChangeListView extends AdminView<ChangeListAssigns> {
  static template = new URL("../../src/changelist/changelist.eta", import.meta.url);
  static title = "Change list";
  /**
   * The built-in delete of a selection larger than {@link INLINE_DELETE_MAX} rows, as a progress
   * job (the plugin sets it: `jobs/bulk-delete.ts`); without it every delete runs inline.
   */
  static bulkDelete: ((admin: ModelAdmin<any, any>) => AdminAction) | undefined;
  /** The live list's tuning (see {@link LiveListOptions}); tests shorten it. */
  static live: LiveListOptions = LIVE_LIST;

  private appLabel = "";
  private modelName = "";
  private state: ChangeListState = EMPTY_STATE;
  private page: ChangeListPage | undefined;
  private filters: FilterView[] = [];
  private dateBar: DateHierarchyView | null = null;
  private fullTotal = { n: 0, estimated: false };
  private pending: { action: string } | null = null;
  /** the URL the last search keystroke patched to: further keystrokes replace it */
  private typedUrl: string | undefined;
  /** the props of the LiveComponent slot widgets, the same objects while the list's rows and selection stay */
  private widgetProps = new ListWidgetPropsCache();
  private live!: LiveList;
  /** filter-box texts that matched no single row (no JavaScript), by filter field */
  private typedFilters: TypedFilters = {};
  /** the `listEditable` formset's unsaved edits and errors (list-editable.ts) */
  private edits = new ListEdits();

  mount(params: Params) {
    const admin = this.modelAdmin(params, "view");
    this.appLabel = admin.app;
    this.modelName = admin.name;
    const numeric = this.site.query(admin).config.pk.column.dataType === "number";
    this.live = new LiveList((id) => !numeric || /^-?(0|[1-9][0-9]{0,15})$/.test(id), (this.constructor as typeof ChangeListView).live);
    // every write through the admin (and the demo's simulator, bulk jobs) publishes on this topic
    if (this.ctx.connected) this.subscribe(modelTopic(admin));
    this.assign({ selection: NO_SELECTION });
  }

  /** A publish on the model's topic, or one of the live list's timers. */
  async handleInfo(msg: unknown): Promise<void> {
    if (msg === DROP) {
      const left = this.page && this.live.drop(this.page.rows);
      if (left) this.page = { ...this.page!, rows: left };
      return this.show();
    }
    if (msg === TICK) return this.tick();
    if (parseModelEvent(msg)) forgetReads(this.site.query(this.site.get(this.appLabel, this.modelName)!));
    if (this.live.note(msg, new Set(this.pagePks()))) this.schedule();
  }

  private schedule(): void {
    if (this.live.scheduled) return;
    this.live.scheduled = true;
    this.sendInfo(TICK, this.live.delay());
  }

  /** One re-read of the shown rows and the new ids (shared with same-state views), then a render. */
  private async tick(): Promise<void> {
    this.live.scheduled = false;
    const admin = this.allowed("view");
    const job = admin && this.page ? this.live.take(this.pagePks()) : null;
    if (!admin || !job) return;
    const fetched = await sharedRead(this.site.query(admin), this.state, job.ids, String(this.user.id), this.live.due);
    if (this.edits.dirty) {
      // unsaved list edits: the rows stay as the user is editing them; new rows are only counted
      this.live.countNew(fetched, job.created);
      this.edits.stale = true;
      if (this.live.pending) this.schedule();
      return this.show();
    }
    this.page = { ...this.page!, rows: this.live.apply(this.page!.rows, fetched, job.created) };
    if (this.live.marks().gone.size > 0) this.sendInfo(DROP, this.live.options.fadeMs);
    if (this.live.pending) this.schedule();
    this.show();
  }

  async handleParams(_params: Params, url: URL) {
    const admin = this.modelAdmin({ app: this.appLabel, model: this.modelName }, "view");
    const query = this.site.query(admin);
    let state: ChangeListState;
    this.flash = {};
    // a filter's search box submitted without JavaScript (`<field>__search`): resolved to its row
    const typed = await readTypedFilters(this.site, admin, this.user, url.searchParams);
    this.typedFilters = typed.typed;
    try {
      state = query.parseState(typed.params, { ignore: NOTICE_PARAMS });
    } catch (err) {
      if (!(err instanceof ChangeListParamError)) throw err;
      state = EMPTY_STATE;
      this.putFlash("error", `${err.message}. Showing the whole list instead.`);
    }
    // "The order … was changed successfully." after the change form's Save (?saved=<id>)
    const notice = await userNotice(this.site, admin, this.user, Object.fromEntries(url.searchParams));
    if (notice) this.putFlash("success", notice);
    // rows outside getQueryset(user) are never counted, listed or selected
    const scope = admin.options.getQueryset?.(this.user);
    if (scope) state = { ...state, scope };
    const before = { state: this.state, selection: this.assigns.selection };
    if (!sameRows(this.state, state)) this.assign({ selection: NO_SELECTION });
    this.state = state;
    this.pending = null;
    // another page, sort or filter: a new formset (as leaving Django's list page)
    this.edits.clear();
    if (await this.refresh(admin)) return;
    // too slow (the flash says so): what was shown stays, with the state it was shown for
    if (this.page) {
      this.state = before.state;
      this.assign({ selection: before.selection });
    } else this.page = { rows: [], total: 0, estimated: false, capped: false, page: 1, pages: 1, perPage: query.config.listPerPage };
    this.show();
  }

  events = {
    /** The search box (debounced lv-change, and Enter): patches the URL. */
    search: on(SEARCH_PAYLOAD, ({ q }) => {
      const admin = this.allowed("view");
      if (!admin) return;
      const next = { ...this.state, q: q.trim() === "" ? "" : q, page: 1 };
      if (next.q === this.state.q) return;
      const query = this.site.query(admin);
      try {
        query.parseState(query.toSearchParams(next));
      } catch (err) {
        if (!(err instanceof ChangeListParamError)) throw err;
        return this.putFlash("error", err.message);
      }
      const url = listUrl(admin, query, next);
      const here = this.ctx.url.pathname + this.ctx.url.search;
      // one history entry per search: the first keystroke pushes, the next ones replace it
      const replace = this.typedUrl !== undefined && this.typedUrl === here;
      this.typedUrl = url;
      this.pushPatch(url, { replace });
    }),
    /** Toggles one row of the current page. */
    select: on(SELECT_PAYLOAD, ({ pk }) => {
      if (!this.allowed("view")) return;
      this.select(toggleRow(this.assigns.selection, pk, this.pagePks()));
    }),
    /** Selects (or unselects) every row of the current page. */
    selectPage: () => {
      if (!this.allowed("view")) return;
      this.select(togglePage(this.assigns.selection, this.pagePks()));
    },
    /** Selects every row matching the search and filters: the filter is kept, not ids. */
    selectAll: () => {
      if (!this.allowed("view")) return;
      this.select({ mode: "all" });
    },
    clearSelection: () => {
      if (!this.allowed("view")) return;
      this.select(NO_SELECTION);
    },
    /** "3 new orders — show": re-reads the page in its state (new rows take their place in the sort). */
    showNew: async () => {
      const admin = this.allowed("view");
      if (this.edits.dirty) return this.putFlash("warning", "Save or discard your changes first: showing the new rows would move the rows you are editing.");
      if (admin) await this.refresh(admin);
    },
    /** `listEditable`: an input of the list's formset changed; the edits are kept (the live list pauses). */
    list_edit: on(FORM_PAYLOAD, (p) => listEdit(this.editHost, p)),
    /** `listEditable`: Save under the table. */
    list_save: on(FORM_PAYLOAD, async (p) => void (await listSave(this.editHost, p))),
    /** `listEditable`: a key in a foreign-key cell's combobox; a listed related row clicked. */
    list_ac_key: on(AC_KEY_PAYLOAD, (p) => listAcKey(this.editHost, p.field, p.key)),
    list_ac_pick: on(AC_PICK_PAYLOAD, (p) => listAcPick(this.editHost, p.field, p.value)),
    /** `listEditable`: forgets the unsaved edits and reads the page again. */
    list_discard: async () => {
      const admin = this.allowed("view");
      this.edits.clear();
      if (admin) await this.refresh(admin);
    },
    /** The action bar's Go: runs the action, or asks for confirmation first. */
    action: on(ACTION_PAYLOAD, ({ action }) => runAction(this.actionHost, action, false)),
    /** Yes on the confirmation panel. */
    confirm: on(ACTION_PAYLOAD, ({ action }) => runAction(this.actionHost, action, true)),
    /** No on the confirmation panel. */
    cancel: () => {
      this.pending = null;
      this.show();
    },
  };

  // ---- internals ----

  /** The ModelAdmin if the user (still) has `action`, else an error flash and null. */
  private allowed(action: ModelAction): ModelAdmin<any, any> | null {
    try {
      return this.modelAdmin({ app: this.appLabel, model: this.modelName }, action);
    } catch (err) {
      if (!(err instanceof UnauthorizedError || err instanceof NotFoundError)) throw err;
      this.putFlash("error", DENIED);
      return null;
    }
  }

  /** What both the `listEditable` and the action handlers use of this view. */
  private get host(): Pick<ActionHost, "site" | "user" | "allowed" | "flash" | "show" | "refresh"> {
    return {
      site: this.site,
      user: this.user,
      allowed: (action) => this.allowed(action),
      flash: (kind, text) => (kind === null ? void (this.flash = {}) : this.putFlash(kind, text ?? "")),
      show: (confirm) => this.show(confirm),
      refresh: (admin) => this.refresh(admin),
    };
  }

  /** What the `listEditable` handlers use of this view (list-editable-view.ts). */
  private get editHost(): ListEditHost {
    return {
      ...this.host,
      edits: this.edits,
      rows: () => this.page?.rows,
      saved: (admin, ids) => {
        afterWrite(this.site, this.site.query(admin));
        this.publish(admin, "changed", ids);
      },
    };
  }

  /** What the action handlers use of this view (actions-view.ts). */
  private get actionHost(): ActionHost {
    return {
      ...this.host,
      state: () => this.state,
      selection: () => this.assigns.selection,
      setSelection: (selection) => this.assign({ selection }),
      pending: () => this.pending?.action ?? null,
      setPending: (action) => (this.pending = action === null ? null : { action }),
      tooSlow: (err) => this.tooSlow(err),
      redirect: (url) => this.redirect(url),
      publish: (admin, kind, ids) => this.publish(admin, kind, ids),
      bulkDelete: (this.constructor as typeof ChangeListView).bulkDelete,
    };
  }

  /** Publishes `kind` for each id on the model's topic; a failure is logged (the write stands). */
  private publish(admin: ModelAdmin<any, any>, kind: ModelEventKind, ids: readonly unknown[]): void {
    for (const id of ids) void publishModelEvent(this.ctx.pubsub, admin, kind, id, (err) => this.site.jobLog?.error({ err }, "weft admin: publish failed (the write is saved; live pages miss it)"));
  }

  private pagePks(): string[] {
    return (this.page?.rows ?? []).map((r) => String(r.pk));
  }

  private select(selection: Selection): void {
    this.pending = null;
    this.assign({ selection });
    this.show();
  }

  /**
   * Saves the `listEditable` formset POSTed without JavaScript (changeform/post.ts), as the Save
   * button does live.
   * @returns the list's URL to redirect to (303), or null: the page is rendered with the errors
   * @throws UnauthorizedError without the change permission (a 403 page)
   */
  async submit(p: FormInput): Promise<string | null> {
    // as Django's changelist_view: a formset POST without the change permission is a 403
    if (!this.site.get(this.appLabel, this.modelName)?.has(this.user, "change")) throw new UnauthorizedError(`change ${this.modelName}`);
    const saved = await listSave(this.editHost, p);
    return saved ? savedListUrl(this.ctx.url, saved) : null;
  }

  /** Reads the list in its state ({@link readList}) as the user's statements (`readsOf`), then renders; false when too slow (the flash says so). */
  private refresh(admin: ModelAdmin<any, any>): Promise<boolean> {
    return readsOf(this.user.id, () => this.read(admin));
  }

  private async read(admin: ModelAdmin<any, any>): Promise<boolean> {
    try {
      this.live.reset();
      ({ page: this.page, filters: this.filters, dateBar: this.dateBar, fullTotal: this.fullTotal } = await readList(this.site, this.user, admin, this.state));
      await loadRelated(this.editHost, admin);
    } catch (err) {
      if (!this.tooSlow(err)) throw err;
      return false;
    }
    this.show();
    return true;
  }

  /**
   * Whether `err` is a statement past the site's budget (SQLite's read pool or PostgreSQL's
   * `statement_timeout`): then it is logged with its SQL and the user reads {@link QUERY_TOO_SLOW}
   * in an error flash — the list is not replaced by an error page.
   */
  private tooSlow(err: unknown): boolean {
    const timeout = queryTimeoutOf(err, this.site.queryTimeoutMs);
    if (!timeout) return false;
    this.site.jobLog?.warn({ err: timeout, budgetMs: timeout.budgetMs, sql: timeout.sql, user: this.user.id }, "weft admin: a change-list query outlived its budget and was stopped");
    this.putFlash("error", QUERY_TOO_SLOW);
    return true;
  }

  /** Re-renders from the last fetch (no statement), with the confirmation panel if any. */
  private show(confirm: ConfirmModel | null = null): void {
    const admin = this.site.get(this.appLabel, this.modelName)!;
    const query = this.site.query(admin);
    const page = this.page!;
    const user = this.user;
    const actions = availableActions(this.site, admin, user).map((a) => ({ name: a.name, label: a.label }));
    const widgets = visibleWidgets(this.site, admin, user);
    // LiveComponent widgets follow the list: its search, filters, selection and matching rows
    const componentProps: Record<string, ListWidgetProps> = {};
    widgets.forEach((cls, i) => {
      if (isComponentClass(cls)) componentProps[`w${i}`] = this.widgetProps.props(`w${i}`, { app: admin.app, model: admin.name, query, state: this.state, selection: this.assigns.selection ?? NO_SELECTION, count: page.total, db: this.site.readsFor(user) });
    });
    const assigns = present({
      admin,
      query,
      state: this.state,
      page,
      headers: query.headers(this.state),
      filters: this.filters,
      dateBar: this.dateBar,
      ...{ fullTotal: this.fullTotal.n, fullEstimated: this.fullTotal.estimated },
      display: this.site.display,
      emptyValueDisplay: this.site.emptyValueDisplay,
      filterCombobox: (f) => {
        const props = filterCombobox(this.site, admin, user, f, this.typedFilters);
        return props && { cls: FilterAutocomplete, props };
      },
      selection: this.assigns.selection ?? NO_SELECTION,
      actions,
      confirm: this.pending ? (confirm ?? this.assigns.confirm ?? null) : null,
      addAllowed: admin.has(user, "add"),
      importAllowed: admin.options.importCsv !== false && (admin.has(user, "add") || admin.has(user, "change")),
      widgets,
      componentProps,
      live: this.live.marks(),
    });
    this.assign(withEditable(this.editHost, admin, listUrl(admin, query, this.state), assigns));
  }
}
