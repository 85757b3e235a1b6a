import { assignAsyncTo, type AsyncOutcome, type AsyncValue } from "./async.js";
import type { LiveComponentClass } from "./component.js";
import type { Events, Params, Payload, Session, WeftContext } from "./types.js";
import { UploadSet, type UploadEntry, type UploadOptions } from "./upload.js";
import { STREAMS, StreamBuffer, type StreamConfig, type StreamOptions } from "./streams.js";

/** The hooks a running view calls on its driver (the socket or the test harness). @internal */
export interface ViewDriver {
  changed(): void;
  subscribe(topic: string): void;
  sendInfo(msg: unknown, afterMs: number): void;
  pushEvent(name: string, payload: Payload): void;
  pushPatch(url: string, replace: boolean): void;
  redirect(url: string): void;
  /** live navigation (absent in drivers without it: they redirect) */
  navigate?(url: string, replace: boolean): void;
  /** runs `fn` outside the event queue under `name`; `settle` runs in the queue with its outcome */
  runAsync<T>(name: string, fn: (signal: AbortSignal) => Promise<T> | T, settle: (o: AsyncOutcome<T>) => unknown): void;
  /** cancels the task `name`; whether one was running */
  cancelAsync(name: string): boolean;
}

/** @internal */
export const DRIVER = Symbol("weft.driver");
/** The view's uploads, once it allowed one. @internal */
export const UPLOADS = Symbol("weft.uploads");

/** A view class as the framework sees it. */
export interface LiveViewClass<V extends LiveView<any, any> = LiveView<any, any>> {
  new (): V;
  /** Registered id (used in tokens). Defaults to the class name in kebab-case. */
  id?: string;
  /** The Eta template: a path relative to the plugin's `views` directory, an absolute path, or a file URL. */
  template?: string | URL;
  /**
   * The LiveComponents its template names as strings: `it.component("Cart", props)` renders
   * `components.Cart` (a template cannot see the module's imports). A class can be passed too.
   */
  components?: Record<string, LiveComponentClass<any>>;
  /** Page title for routes rendering this view. */
  title?: string;
  /**
   * Declares that the view's state is the same for every viewer in the same state: on a
   * message, `handleInfo` runs once per worker for all the connected instances whose assigns
   * are equal (objects compared by identity), and the others adopt the assigns it produced;
   * their render and delta are computed once and the same frame goes to all. Only for views
   * whose `handleInfo` and `render` read nothing but the assigns and the message (not
   * `this.session`, not per-user data), and act only through `assign` (a `pushEvent` or
   * flash from `handleInfo` reaches only the instance that ran it). As a Phoenix PubSub
   * broadcast rendered once, or LiveViewJS's per-socket work done once.
   * Views without it still share the render and delta when their class renders an Eta
   * template and their assigns are equal by value (primitives) — see docs/liveview.md.
   */
  shared?: boolean;
  /** The view's streams by name: how an item renders and is keyed (see {@link LiveView.stream}). */
  streams?: Record<string, StreamConfig>;
  /**
   * Authorization, checked on the HTTP render AND on every WebSocket join (one dispatch path).
   * Return false to refuse (HTTP 403 / `unauthorized` error frame). `params` are the route
   * params and query (a nested view: its props).
   */
  authorize?(session: Session, ctx: any, params: Params): boolean | Promise<boolean>;
}

/**
 * A LiveView: a class that holds state (`assigns`), renders an Eta template, and
 * reacts to browser events, URL changes and pubsub messages. As Phoenix.LiveView.
 *
 * Lifecycle: `mount` runs twice — disconnected for the HTTP render, connected after the
 * browser joins — then `handleParams`; afterwards `events[name]`, `handleParams` and
 * `handleInfo` run one at a time, in arrival order. After each of them the view renders
 * once (if its assigns changed) and the browser receives a delta.
 *
 * @typeParam A - the assigns (the template's `it`)
 * @typeParam C - the application context passed as `context` to the plugin (db, services)
 *
 * @example
 * class Counter extends LiveView<{ count: number }> {
 *   static template = "counter.eta";
 *   mount() { return { count: 0 }; }
 *   events = { inc: () => this.assign({ count: this.assigns.count + 1 }) };
 * }
 */
export abstract class LiveView<A extends object = Record<string, unknown>, C extends object = {}> {
  /** Current assigns. Read-only: change them with {@link assign}. */
  assigns: Readonly<A> = {} as A;
  /** Application context (`context` option of the plugin) plus `connected`, `url` and `pubsub`. */
  ctx!: WeftContext & C;
  /** The session this view was mounted for. */
  session!: Session;
  /** Flash messages by kind (`info`, `error`, …), shown by templates as `it.flash`. */
  flash: Record<string, string> = {};
  /**
   * The events the browser may send: only these names are callable.
   * Handlers are arrow functions (so `this` is the view) or {@link on}(schema, fn).
   */
  events: Events = {};
  /** @internal */
  [DRIVER]?: ViewDriver;
  /** @internal */
  [UPLOADS]?: UploadSet;
  [STREAMS]?: StreamBuffer;

  /**
   * Called on the HTTP render (`ctx.connected` false) and again after join (true).
   * @param params - route params and query string
   * @param session - the session (its `id` binds the view token)
   * @returns the initial assigns, merged into those already set (by a live session's `onMount`
   *   hook, or `assign` in `mount` itself), as Phoenix's `mount` assigns onto the socket: a
   *   partial object, or nothing
   */
  abstract mount(params: Params, session: Session): Partial<A> | void | Promise<Partial<A> | void>;

  /** Called after mount and whenever the URL changes without a reload (`lv-patch`, back/forward, `pushPatch`). */
  handleParams?(params: Params, url: URL): void | Promise<void>;

  /** Called with messages from subscribed topics and from {@link sendInfo}. */
  handleInfo?(msg: unknown): void | Promise<void>;

  /**
   * Called in the view's queue when a {@link startAsync} task ends: `{ ok: true, value }` or
   * `{ ok: false, reason }` (what it threw; an `AsyncCancelledError` after {@link cancelAsync}).
   * As Phoenix's `handle_async/3`.
   */
  handleAsync?(name: string, outcome: AsyncOutcome): void | Promise<void>;

  /** Called once when the view goes away (leave, socket closed, page left). */
  terminate?(): void | Promise<void>;

  /**
   * Renders the view's inner HTML. Defaults to the class's Eta template with the assigns as `it`.
   * Override for views without a template.
   */
  render?(assigns: Readonly<A>): string;

  /** Merges `partial` into the assigns. Several assigns in one handler or tick render once. */
  assign(partial: Partial<A>): void {
    this.assigns = { ...this.assigns, ...partial };
    this[DRIVER]?.changed();
  }

  /** Routes messages published to `topic` to {@link handleInfo}; unsubscribed when the view leaves. No-op while disconnected. */
  subscribe(topic: string): void {
    if (this.ctx?.connected) this[DRIVER]?.subscribe(topic);
  }

  /** Delivers `msg` to this view's {@link handleInfo} after `afterMs` ms (timers, as Phoenix's `send_after`). */
  sendInfo(msg: unknown, afterMs = 0): void {
    this[DRIVER]?.sendInfo(msg, afterMs);
  }

  /** Sends an event to this view's client hooks (`handleEvent(name, cb)` in the browser). */
  pushEvent(name: string, payload: Payload = {}): void {
    this[DRIVER]?.pushEvent(name, payload);
  }

  /** Changes the URL without a reload: runs `handleParams` now, then updates the address bar. */
  pushPatch(url: string, opts: { replace?: boolean } = {}): void {
    this[DRIVER]?.pushPatch(url, !!opts.replace);
  }

  /**
   * Navigates the browser to `url`, as Phoenix's `push_navigate`: a live route of this view's
   * live session is mounted over the same socket (no page load; the layout stays); any other
   * URL is loaded as a full page.
   * @param url - a path (with query and hash) or a URL of this site
   * @param opts - `replace`: replace the history entry instead of pushing one
   */
  pushNavigate(url: string, opts: { replace?: boolean } = {}): void {
    const d = this[DRIVER];
    if (d?.navigate) d.navigate(url, !!opts.replace);
    else d?.redirect(url);
  }

  /** Redirects the browser with a full page load. */
  redirect(url: string): void {
    this[DRIVER]?.redirect(url);
  }

  /**
   * Loads assigns without blocking the view, as Phoenix's `assign_async/3`: each key is set at
   * once to an {@link AsyncResult} that is `loading` (keeping its previous `result`), and, once
   * the view is connected, `fn` runs outside the event queue (events keep being handled
   * meanwhile). When it resolves with an object holding every key, each becomes `ok` with its
   * value; when it throws (or lacks a key), each becomes `failed`. During the disconnected HTTP
   * render `fn` does not run: the page shows the loading state. `fn`'s `signal` aborts when the
   * view leaves, or when `assignAsync` is called again for the same keys (the older outcome is
   * then dropped).
   * @param keys - the assign (or assigns) `fn` loads; their type is `AsyncResult<T>`
   * @param fn - the loader: resolves to `{ [key]: value }`
   * @example this.assignAsync("org", async (signal) => ({ org: await fetchOrg(id, { signal }) }));
   */
  assignAsync<K extends keyof A & string>(keys: K | K[], fn: (signal: AbortSignal) => Promise<{ [P in K]: AsyncValue<A[P]> }>): void {
    const ks = Array.isArray(keys) ? keys : [keys];
    const driver = this.ctx?.connected ? this[DRIVER] : undefined;
    assignAsyncTo(this, ks, fn, driver && ((f, settle) => driver.runAsync(`assign:${ks.join(",")}`, f, settle)));
  }

  /**
   * Runs `fn` outside the event queue, as Phoenix's `start_async/3`; its outcome goes to
   * {@link handleAsync}(name, outcome) in the queue. A second task under the same name replaces
   * the first (whose signal aborts and whose outcome is dropped). Runs only once connected;
   * aborted when the view leaves.
   */
  startAsync<T>(name: string, fn: (signal: AbortSignal) => Promise<T> | T): void {
    if (!this.ctx?.connected) return;
    this[DRIVER]?.runAsync(`start:${name}`, fn, (o) => this.handleAsync?.(name, o));
  }

  /**
   * Cancels the {@link startAsync} task `name`: its signal aborts and `handleAsync` receives
   * `{ ok: false, reason: AsyncCancelledError }`, as Phoenix's `cancel_async/3`.
   * @returns whether such a task was running
   */
  cancelAsync(name: string): boolean {
    return this[DRIVER]?.cancelAsync(`start:${name}`) ?? false;
  }

  /**
   * Sends `items` to the stream `name`, as Phoenix's `stream/4`: each is rendered once (with the
   * stream's config in `static streams`), sent to the browser, and not kept by the server. The
   * template renders the container empty: `<ul id="rows" lv-stream="rows"></ul>`; the browser
   * keeps its children, keyed by DOM id (`${name}-${item.id}`, or the config's `domId(item)`),
   * across renders. An item whose DOM id is already there is updated in place. Call it in
   * `mount` to fill the stream: on a (re)join the mount's streams replace what the page had.
   * @param items - objects (an array or any iterable)
   * @param opts - `at` (-1 appends, the default; 0 prepends; n inserts before the n-th),
   *   `limit` (n keeps the first n, -n the last n), `reset` (clear the container first)
   * @throws WeftError `WEFT_ERR_STREAM_NOT_CONFIGURED` when `static streams` has no `name` with a
   *   template or render; `WEFT_ERR_STREAM_OPTION` for a bad `at`/`limit` or items that are not
   *   iterable; `WEFT_ERR_STREAM_ITEM_ID` for an item without a usable DOM id. A refused call
   *   queues nothing.
   */
  stream(name: string, items: Iterable<object>, opts: StreamOptions = {}): void {
    bufferOf(this).insert(name, items, opts);
    this[DRIVER]?.changed();
  }

  /**
   * Inserts (or updates in place) one item of stream `name`, as Phoenix's `stream_insert/4`.
   * @param opts - `at` and `limit` as in {@link stream}
   * @throws WeftError as {@link stream}
   */
  streamInsert(name: string, item: object, opts: Omit<StreamOptions, "reset"> = {}): void {
    bufferOf(this).insert(name, [item], { at: opts.at, limit: opts.limit });
    this[DRIVER]?.changed();
  }

  /**
   * Removes an item from stream `name` in the browser, as Phoenix's `stream_delete/3` (and,
   * given a string, `stream_delete_by_dom_id/3`).
   * @param item - the item (its DOM id is computed as on insert) or its DOM id
   * @throws WeftError `WEFT_ERR_STREAM_NOT_CONFIGURED`, `WEFT_ERR_STREAM_ITEM_ID`
   */
  streamDelete(name: string, item: object | string): void {
    bufferOf(this).delete(name, item);
    this[DRIVER]?.changed();
  }

  /** Shows a flash message of `kind` (`info`, `error`, …); cleared by the built-in `lv:clear-flash` event. */
  putFlash(kind: string, text: string): void {
    this.flash = { ...this.flash, [kind]: text };
    this[DRIVER]?.changed();
  }

  /**
   * Allows file uploads named `name` (as Phoenix's `allow_upload/3`); call it in `mount`. The
   * template then has `it.uploads[name]` (an {@link UploadState}: entries with name, size,
   * type, progress %, errors) and renders `<input type="file" lv-upload="name">` inside an
   * `lv-change` / `lv-submit` form (an element with `lv-drop-target="name"` takes dropped
   * files). The limits are checked on the server before any byte is stored; refused files
   * are entries with `errors`. Calling it again for `name` drops that upload's entries.
   * @param name - the upload's name (1 to 128 characters)
   * @param opts - `accept` (extensions / MIME types, or "any"), `maxEntries` (default 1),
   *   `maxFileSize` (bytes, default 8,000,000), `chunkSize` (bytes per socket frame, default 32,768, at most 48,000)
   * @throws WeftError `WEFT_ERR_UPLOAD_OPTION` when an option has the wrong type or range
   */
  allowUpload(name: string, opts: UploadOptions): void {
    (this[UPLOADS] ??= new UploadSet((uploads) => {
      this.assigns = { ...this.assigns, uploads };
      this[DRIVER]?.changed();
    })).allow(name, opts);
  }

  /**
   * Removes entry `ref` of upload `name` and its bytes (as Phoenix's `cancel_upload/3`), e.g.
   * from an `lv-click="cancel-upload" lv-value-ref="<%= entry.ref %>"` handler. The browser
   * stops sending it.
   * @param ref - the entry's ref (a number, or its text from `lv-value-ref`)
   * @returns whether there was such an entry
   */
  cancelUpload(name: string, ref: number | string): boolean {
    return this[UPLOADS]?.cancel(name, Number(ref)) ?? false;
  }

  /**
   * Hands every complete entry of upload `name` to `fn(entry, path)` (`path`: its temporary
   * file, deleted once `fn` returns or its promise settles), then removes the entry; as
   * Phoenix's `consume_uploaded_entries/3`. Entries still uploading stay. Copy or move the
   * file inside `fn`: it does not outlive the call.
   * @returns what `fn` returned for each entry, in order
   * @throws whatever `fn` throws (that entry and the following ones stay)
   */
  consumeUploadedEntries<T>(name: string, fn: (entry: UploadEntry, path: string) => T | Promise<T>): Promise<T[]> {
    return this[UPLOADS]?.consume(name, fn) ?? Promise.resolve([]);
  }
}

/** A view's stream buffer, made on first use (a function, not a private method: a private member would make LiveView nominal, and two copies of the package, src and dist, incompatible). */
function bufferOf(view: LiveView<any, any>): StreamBuffer {
  const cls = view.constructor as LiveViewClass;
  return (view[STREAMS] ??= new StreamBuffer(cls.streams ?? {}, cls.name));
}
