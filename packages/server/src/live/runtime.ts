import { chunkNextFrame, errorFrame, goFrame, patchFrame, pushFrame, redirectFrame, renderedFrame, htmlHash, unchangedFrame, type ServerFrame, type UploadFile } from "@weft/client/codec";
import { E_INVALID_PAYLOAD, E_SERVER, E_UNKNOWN_EVENT, E_UNKNOWN_TARGET, E_UNKNOWN_VIEW } from "@weft/client/protocol";
import { renderInner } from "./view-html.js";
import { fanoutOf } from "./fanout.js";
import { STREAMS } from "./streams.js";
import { traceAsync, weftChannels, type WeftTraceContext } from "./telemetry.js";
import { Children } from "./children.js";
import { AsyncCancelledError, AsyncTasks, type AsyncOutcome } from "./async.js";
import { Components } from "./component.js";
import { mountView, paramsOf } from "./mount.js";
import type { LiveServices } from "./services.js";
import type { Payload, Session } from "./types.js";
import { UPLOADS, type LiveView, type LiveViewClass, type ViewDriver } from "./view.js";
import { UploadRefusedError, type ChunkRequest } from "./upload.js";
import { ViewOutput, type Outbox, type OutputHost } from "./output.js";
import { callHandler, thenable } from "./handlers.js";

export type { Outbox } from "./output.js";

/** Built-in event that clears flash messages, as Phoenix's `lv:clear-flash`. */
const CLEAR_FLASH = "lv:clear-flash";

/** What {@link ViewRuntime}'s queue methods return for a callback that ran at once, to its end. */
const DONE: Promise<void> = Promise.resolve();

/**
 * Drives one connected view: mounts it, runs its events / params / infos strictly one at a
 * time in arrival order, renders once after each (or once per tick for changes outside
 * handlers), and sends the delta against the last HTML sent (output.ts). While the outbox is
 * congested renders are skipped and the view stays dirty; {@link flush} sends only the newest state.
 */
export class ViewRuntime implements ViewDriver, OutputHost {
  view!: LiveView<any, any>;
  /** what the view sends after it changed: renders, held stream frames, the page title */
  private readonly out: ViewOutput;
  private busy = true;
  private scheduled = false;
  private stopped = false;
  private queue: Promise<void> = DONE;
  /** callbacks queued or running, the join included: at 0 a new one runs at once (see {@link enqueue}) */
  private depth = 0;
  private unsubs: Array<() => void> = [];
  /** `sendInfo` timers pending (made on first use: most views have none) */
  private timers?: Set<NodeJS.Timeout>;
  private children!: Children;
  /** the props (route params) the view was mounted with */
  props: Record<string, unknown> = {};
  /** the view's LiveComponents (by id), set once mounted */
  components?: Components;
  /** `assignAsync` / `startAsync` tasks (made on first use: most views have none; an empty one with its Map and closure is ~0.3 KiB) */
  private tasks?: AsyncTasks;

  constructor(
    readonly ref: number,
    private services: LiveServices,
    /** where the view's frames go */
    readonly outbox: Outbox,
  ) {
    this.out = new ViewOutput(ref, services, this);
  }

  /**
   * Mounts the view (connected), replays recovered form events, and sends the first render:
   * a `rendered` frame, `unchanged` when `hash` is the render's {@link htmlHash} (the root
   * already holds that HTML: a few bytes instead of it), or the frame `answer` builds from the
   * HTML (live navigation's `mounted`). Either way the render is the base of the next delta.
   * @param hash - the join's hash of the root's HTML (from the client: matched, never trusted otherwise)
   * @throws UnauthorizedError, or whatever mount throws (the caller answers with an error frame)
   */
  async join(
    cls: LiveViewClass,
    session: Session,
    url: URL,
    props: Record<string, unknown>,
    domId: string,
    forms: Array<[string, Payload]>,
    answer?: (html: string, view: LiveView<any, any>) => ServerFrame,
    hash?: string,
  ): Promise<void> {
    // anything queued while joining (a pushPatch from a recovered form, a pubsub message)
    // runs after the first render, as a delta
    let joined!: () => void;
    this.queue = new Promise<void>((r) => (joined = r));
    this.depth++;
    this.props = props;
    try {
      this.children = new Children(this.services, domId, session, true);
      this.view = await mountView(this.services, { cls, session, params: paramsOf(url, props), url, connected: true }, this);
      this.components = new Components(this.services, this.view);
      for (const [name, payload] of forms) {
        const h = this.view.events[name];
        if (h && Object.hasOwn(this.view.events, name)) await Promise.resolve().then(() => callHandler(h, payload)).catch(() => {});
      }
      // the mount re-sends its streams: they replace what the page had (the HTTP render's items, or before a reconnect)
      this.view[STREAMS]?.resetAll();
      const html = this.render();
      this.out.joined(cls, html, () => (answer ? answer(html, this.view) : hash !== undefined && hash === htmlHash(html) ? unchangedFrame(this.ref) : renderedFrame(this.ref, html)), answer !== undefined);
    } catch (err) {
      // refused or failed: what was queued behind the join is answered as "gone"
      void this.stop();
      throw err;
    } finally {
      this.busy = false;
      this.depth--;
      joined();
    }
  }

  /** Queues a browser event (for component `target`, if given). The reply carries the render it caused. */
  event(seq: number, name: string, payload: Payload, target?: string): Promise<void> {
    // an event queued behind a join that failed (or a leave) still gets its answer
    const gone = () => this.outbox.send(errorFrame(this.ref, E_UNKNOWN_VIEW, "the view is gone", seq));
    return this.enqueue(() => {
      if (name === CLEAR_FLASH) {
        this.view.flash = {};
        this.out.dirty = true;
        return this.out.reply(seq);
      }
      const on = target === undefined ? this.view : this.components?.get(target);
      if (!on) return this.outbox.send(errorFrame(this.ref, E_UNKNOWN_TARGET, `no component "${target!.slice(0, 64)}" in this view`, seq));
      const handler = on.events[name];
      if (!handler || !Object.hasOwn(on.events, name)) {
        return this.outbox.send(errorFrame(this.ref, E_UNKNOWN_EVENT, `unknown event "${name.slice(0, 64)}"`, seq));
      }
      let result: unknown;
      try {
        result = weftChannels.event.hasSubscribers ? traceAsync(weftChannels.event, () => ({ ...this.trace(), event: name }), () => callHandler(handler, payload)) : callHandler(handler, payload);
      } catch (err) {
        return this.out.failed(err, seq, name, target);
      }
      // a synchronous handler is answered in this turn, without a promise
      if (thenable(result)) return result.then((r) => this.out.answer(seq, r, name, target), (err) => this.out.failed(err, seq, name, target));
      this.out.answer(seq, result, name, target);
    }, gone);
  }

  /**
   * Queues a URL change from the browser (`lv-patch`, back/forward): the view's `handleParams`.
   * @param elsewhere - called instead when `url` is another route's (or has other route params):
   *   the caller answers with a navigation
   */
  params(url: URL, elsewhere?: () => void): Promise<void> {
    return this.enqueue(async () => {
      // checked once mounted (a frame may come in while the view is still joining): a URL of
      // another route is a navigation, never this view's handleParams
      if (elsewhere && this.services.routes?.patchable(this.view.constructor as LiveViewClass, this.props, url) === false) return elsewhere();
      this.view.ctx.url = url;
      await this.handleParams(url);
      this.flushNow();
    });
  }

  /**
   * Queues a re-check of the view's `authorize` against the session's current state (session
   * authority: a permission change, a backstop re-check); the view's `this.session` becomes it,
   * so later handlers read the new permissions. Resolves false when `authorize` refused (the
   * caller stops the view) or the view is gone.
   */
  reauthorize(session: Session): Promise<boolean> {
    let allowed = false;
    return this.enqueue(async () => {
      this.view.session = session;
      const cls = this.view.constructor as LiveViewClass;
      allowed = !cls.authorize || (await cls.authorize(session, this.view.ctx, paramsOf(this.view.ctx.url, this.props)));
    }).then(() => allowed);
  }

  /** Queues a message for `handleInfo`. */
  info(msg: unknown): Promise<void> {
    return this.enqueue(() => {
      const view = this.view;
      if (!view.handleInfo) return this.flushNow();
      const adopted = fanoutOf(this.services).info(view, msg, () => traceAsync(weftChannels.handleInfo, () => this.trace(), () => view.handleInfo!(msg)));
      // a synchronous handleInfo (or one adopted from another view) sends in this turn, without a promise
      if (thenable(adopted)) return adopted.then((a) => this.infoDone(a));
      this.infoDone(adopted);
    });
  }

  /** After `handleInfo`: marks the view changed when it adopted another view's assigns, and sends. */
  private infoDone(adopted: boolean): void {
    if (adopted) this.out.dirty = true;
    this.flushNow();
  }

  /** Queues files chosen for upload `name`: checks them and asks for the accepted ones' first chunks. */
  upload(name: string, files: UploadFile[]): Promise<void> {
    return this.enqueue(() => {
      try {
        this.ask(this.uploads(name).preflight(name, files));
      } catch (err) {
        if (!(err instanceof UploadRefusedError)) throw err;
        this.outbox.send(errorFrame(this.ref, E_INVALID_PAYLOAD, err.message));
      }
    });
  }

  /** Queues a chunk of upload entry `entry`: stores it and asks for the next one. */
  chunk(entry: number, data: string): Promise<void> {
    return this.enqueue(async () => {
      const next = await this.view[UPLOADS]?.chunk(entry, data);
      if (next) this.ask([next]);
    });
  }

  /** Sends the newest state if the view is dirty and the outbox has room (called on drain too). */
  flush(): void {
    if (!this.busy && !this.stopped) this.flushNow();
  }

  /** Resolves once every queued callback ran and any pending render was sent. */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
      await new Promise((r) => setImmediate(r));
    } while (q !== this.queue);
  }

  /** Forces a re-render (templates edited in development). */
  rerender(): void {
    this.components?.invalidate();
    this.out.dirty = true;
    this.flush();
  }

  /** Resolves once every async task (`assignAsync`, `startAsync`) ended and its render was sent. */
  async asyncIdle(): Promise<void> {
    await this.tasks?.idle();
    await this.idle();
  }

  /** Terminates the view: aborts its async tasks, unsubscribes, clears timers, calls `terminate`. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.tasks?.close();
    for (const u of this.unsubs) u();
    for (const t of this.timers ?? []) clearTimeout(t);
    this.unsubs = [];
    this.timers = undefined;
    this.out.clear();
    try {
      await this.view?.terminate?.();
    } catch (err) {
      this.services.log.error({ err }, "weft: terminate failed");
    }
    await this.view?.[UPLOADS]?.dispose();
  }

  // ---- ViewDriver: called by the view ----

  changed(): void {
    this.out.dirty = true;
    if (this.busy || this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  subscribe(topic: string): void {
    if (this.stopped) return;
    const unsub = this.services.pubsub.subscribe(topic, (msg) => void this.info(msg));
    // the first as a one-element array: pushing onto an empty one reserves room for 17 (~0.15 KiB per view)
    if (this.unsubs.length) this.unsubs.push(unsub);
    else this.unsubs = [unsub];
  }

  sendInfo(msg: unknown, afterMs: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers?.delete(t);
      void this.info(msg);
    }, afterMs);
    (this.timers ??= new Set()).add(t);
  }

  pushEvent(name: string, payload: Payload): void {
    this.outbox.send(pushFrame(this.ref, name, payload));
  }

  pushPatch(url: string, replace: boolean): void {
    const next = new URL(url, this.view.ctx.url);
    // a patch to another route is a navigation, as the browser's own patches are
    if (this.services.routes?.patchable(this.view.constructor as LiveViewClass, this.props, next) === false) {
      return this.navigate(next.pathname + next.search + next.hash, replace);
    }
    void this.enqueue(async () => {
      this.view.ctx.url = next;
      await this.handleParams(next);
      this.flushNow();
      this.outbox.send(patchFrame(this.ref, next.pathname + next.search + next.hash, replace));
    });
  }

  redirect(url: string): void {
    this.outbox.send(redirectFrame(this.ref, url));
  }

  navigate(url: string, replace: boolean): void {
    this.outbox.send(goFrame(this.ref, url, replace));
  }

  runAsync<T>(name: string, fn: (signal: AbortSignal) => Promise<T> | T, settle: (o: AsyncOutcome<T>) => unknown): void {
    if (this.stopped) return;
    (this.tasks ??= new AsyncTasks((f) => this.enqueue(f))).run(name, fn, (o) => {
      if (!o.ok && !(o.reason instanceof AsyncCancelledError)) this.services.log.warn({ err: o.reason, task: name }, "weft: async task failed");
      return settle(o);
    });
  }

  cancelAsync(name: string): boolean {
    return this.tasks?.cancel(name) ?? false;
  }

  // ---- internals ----

  /** What this view's telemetry events carry (OutputHost). @internal */
  trace(): WeftTraceContext {
    return { view: this.services.registry.register(this.view.constructor as LiveViewClass), connected: true, ref: this.ref };
  }

  private async handleParams(url: URL): Promise<void> {
    if (this.view.handleParams) await traceAsync(weftChannels.handleParams, () => this.trace(), () => this.view.handleParams!(paramsOf(url), url));
  }

  /**
   * Runs `task` after every callback queued before it, one at a time, then sends what it
   * changed. With nothing queued or running it runs at once, in the caller's turn, and a
   * synchronous task (most event handlers, `handleInfo`) ends there, without a promise: the
   * result is {@link DONE}. Otherwise it is chained on the queue.
   */
  private enqueue(task: () => unknown, ifStopped?: () => void): Promise<void> {
    this.depth++;
    if (this.depth === 1) {
      const ran = this.step(task, ifStopped);
      if (!ran) {
        this.depth--;
        return DONE;
      }
      return (this.queue = ran.then(() => void this.depth--));
    }
    return (this.queue = this.queue.then(() => this.step(task, ifStopped)).then(() => void this.depth--));
  }

  /** Runs one queued callback (see {@link enqueue}); a promise only when the callback returned one. Never throws. */
  private step(task: () => unknown, ifStopped?: () => void): Promise<void> | undefined {
    if (this.stopped) return void ifStopped?.();
    this.busy = true;
    let r: unknown;
    try {
      r = task();
    } catch (err) {
      r = undefined;
      this.failed(err);
    }
    if (thenable(r)) return Promise.resolve(r).then(() => this.settle(), (err) => (this.failed(err), this.settle()));
    this.settle();
  }

  private failed(err: unknown): void {
    this.services.log.error({ err }, "weft: view callback failed");
    this.outbox.send(errorFrame(this.ref, E_SERVER, "something went wrong"));
  }

  /** After a callback: sends what it left unsent. */
  private settle(): void {
    this.busy = false;
    if (this.out.pending()) this.flushNow();
  }

  private uploads(name: string) {
    const u = this.view[UPLOADS];
    if (!u) throw new UploadRefusedError(`no upload "${name.slice(0, 64)}" is allowed`);
    return u;
  }

  private ask(requests: ChunkRequest[]): void {
    for (const [entry, offset, length] of requests) this.outbox.send(chunkNextFrame(this.ref, entry, offset, length));
  }

  private flushNow(): void {
    if (!this.stopped) this.out.flush();
  }

  /** Whether the view's render depends on more than its assigns and flash: children, components, streams (OutputHost). @internal */
  solo(): boolean {
    return this.children.used || this.components!.size > 0 || this.view[STREAMS] !== undefined;
  }

  /** Renders the view's inner HTML (OutputHost). @internal */
  render(): string {
    return renderInner(this.services, this.view, this.children, this.components!);
  }
}
