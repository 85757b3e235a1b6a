/**
 * Render once for many viewers: what one turn of the event loop can share between the
 * connected views of one class that are in the same state.
 *
 * A publish reaches its N subscribers in the same turn (the channel layer hands them one
 * message object). Views whose class, last HTML sent, assigns and flash are equal render the
 * same HTML and the same delta, so the first one renders and diffs and the others take its
 * result (and the same frame object, so the socket encodes it once). Views of a class that
 * opts in with `static shared = true` also run `handleInfo` once per (state, message): the
 * others adopt the assigns it produced. Different states make different groups.
 *
 * Entries live for one turn (cleared by `setImmediate`): later turns may see other data
 * (a query, the clock), and the memory stays bounded by one publish's groups.
 */
import { encodeFrame, updateFrame, type ServerFrame } from "@weft/client/codec";
import type { Update } from "@weft/client/codec";
import type { LiveView, LiveViewClass } from "./view.js";
import { thenable } from "./handlers.js";

/** A render shared by the views of one group. */
interface RenderEntry {
  assigns: object;
  flash: Record<string, string>;
  html: string;
  update: Update | undefined;
  /** the update frame per view ref (refs differ between sockets) */
  frames?: Map<number, ServerFrame>;
}

/** A `handleInfo` run shared by the views of a shared class that were in one state. */
interface InfoEntry {
  /** the view that ran it (a view never adopts its own run: a second delivery runs again) */
  view: LiveView<any, any>;
  before: object;
  flash: Record<string, string>;
  /** the assigns it left (a promise while an asynchronous `handleInfo` runs), or undefined when it threw or still runs synchronously (the others then run their own) */
  after: object | undefined | Promise<object | undefined>;
}

/**
 * Whether two assigns (or flash) objects render the same: the same object, or the same keys
 * with `Object.is` values where objects count only when identical (`byIdentity`, a shared
 * class) or never (their content may have been mutated in place).
 */
function sameState(a: object, b: object, byIdentity: boolean): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!Object.is(x, y) || (!byIdentity && typeof x === "object" && x !== null) || typeof x === "function") return false;
    if (!Object.hasOwn(b, k)) return false;
  }
  return true;
}

/** Whether a view class renders from `it` alone (an Eta template), or declared itself shared. */
function shareable(view: LiveView<any, any>): boolean {
  const cls = view.constructor as LiveViewClass;
  return cls.shared === true || (!view.render && cls.template !== undefined);
}

/** HTML kept per class by {@link Fanout.intern}: at most this many strings, each at most this long. */
const INTERNED = 32;
const INTERN_MAX_LENGTH = 64 * 1024;

/** The per-turn memo of one server (one per {@link LiveServices}), and its interned HTML. @internal */
export class Fanout {
  private interned = new Map<LiveViewClass, Map<string, string>>();
  private renders = new Map<LiveViewClass, Map<string, RenderEntry[]>>();
  private infos = new Map<LiveViewClass, Map<unknown, InfoEntry[]>>();
  private clearing = false;

  /**
   * Renders `view` (via `render`) and diffs against `old` (via `delta`), or takes the result of
   * a view of the same class that was in the same state this turn.
   * @param host - renders the view (`render`), and says whether its render depends on more than
   *   its assigns and flash (`solo`: children, components, streams); asked before the render and
   *   after it: such a render is neither taken from another view nor offered to others
   * @returns the new HTML, the update (undefined: nothing changed), and the group's entry if any
   */
  render(
    view: LiveView<any, any>,
    old: string | null,
    host: { solo(): boolean; render(): string },
    delta: (old: string, html: string) => Update,
  ): { html: string; update: Update | undefined; entry?: RenderEntry } {
    const cls = view.constructor as LiveViewClass;
    const pool = old === null || !shareable(view) || host.solo() ? undefined : this.pool(this.renders, cls, old);
    const byIdentity = cls.shared === true;
    if (pool) {
      for (const e of pool) {
        if (sameState(e.assigns, view.assigns, byIdentity) && sameState(e.flash, view.flash, false)) return { html: e.html, update: e.update, entry: e };
      }
    }
    const html = host.render();
    const update = html === old ? undefined : old === null ? html : delta(old, html);
    if (!pool || host.solo()) return { html, update };
    const entry: RenderEntry = { assigns: view.assigns, flash: view.flash, html, update };
    pool.push(entry);
    return { html, update, entry };
  }

  /** The update frame of `entry` for `ref`: one object per (group, ref), so the socket encodes it once. */
  frame(entry: RenderEntry | undefined, ref: number, update: Update): ServerFrame {
    if (!entry) return updateFrame(ref, update);
    const frames = (entry.frames ??= new Map());
    let f = frames.get(ref);
    if (!f) {
      frames.set(ref, (f = updateFrame(ref, update)));
      encodings.set(f, undefined);
    }
    return f;
  }

  /**
   * Runs `handleInfo` for `view` (via `run`), or, for a `static shared = true` class, adopts
   * the assigns that a view of the same class in the same state got from the same message
   * this turn. Synchronous (no promise) when `run` is and when the adopted run was.
   * @returns true when the view adopted another's assigns (the caller marks it changed)
   */
  info(view: LiveView<any, any>, msg: unknown, run: () => unknown): boolean | Promise<boolean> {
    const cls = view.constructor as LiveViewClass;
    if (cls.shared !== true) {
      const r = run();
      return thenable(r) ? Promise.resolve(r).then(() => false) : false;
    }
    const pool = this.pool(this.infos, cls, msg);
    for (const e of pool) {
      if (e.view === view || !sameState(e.before, view.assigns, true) || !sameState(e.flash, view.flash, false)) continue;
      const after = e.after;
      if (after instanceof Promise) return after.then((a) => (a === undefined ? this.own(pool, view, run) : adopt(view, a)));
      if (after === undefined) break;
      return adopt(view, after);
    }
    return this.own(pool, view, run);
  }

  /** Runs `handleInfo` for `view`, offering the assigns it leaves to the views in the same state. */
  private own(pool: InfoEntry[], view: LiveView<any, any>, run: () => unknown): false | Promise<false> {
    const entry: InfoEntry = { view, before: view.assigns, flash: view.flash, after: undefined };
    pool.push(entry);
    const r = run(); // a throw leaves `after` undefined: the others run their own
    if (!thenable(r)) {
      entry.after = view.assigns;
      return false;
    }
    let done!: (a: object | undefined) => void;
    entry.after = new Promise((res) => (done = res));
    return Promise.resolve(r).then(
      () => (done(view.assigns), false),
      (err) => {
        done(undefined);
        throw err;
      },
    );
  }

  /**
   * The last HTML sent to a view, stored compactly: views of one class showing the same HTML
   * (a dashboard, a list every viewer sees the same) keep one string between them instead of
   * a copy each. Bounded: the newest {@link INTERNED} strings per class, each under 64 KiB.
   */
  intern(cls: LiveViewClass, html: string): string {
    if (html.length > INTERN_MAX_LENGTH) return html;
    let seen = this.interned.get(cls);
    if (!seen) this.interned.set(cls, (seen = new Map()));
    const kept = seen.get(html);
    if (kept !== undefined) return kept;
    if (seen.size >= INTERNED) seen.delete(seen.keys().next().value!);
    seen.set(html, html);
    return html;
  }

  private pool<K, E>(maps: Map<LiveViewClass, Map<K, E[]>>, cls: LiveViewClass, key: K): E[] {
    this.clearSoon();
    let byKey = maps.get(cls);
    if (!byKey) maps.set(cls, (byKey = new Map()));
    let pool = byKey.get(key);
    if (!pool) byKey.set(key, (pool = []));
    return pool;
  }

  private clearSoon(): void {
    if (this.clearing) return;
    this.clearing = true;
    setImmediate(() => {
      this.clearing = false;
      this.renders.clear();
      this.infos.clear();
    });
  }
}

/** Frames sent to many sockets, with their bytes once the first socket encoded them. */
const encodings = new WeakMap<ServerFrame, Buffer | undefined>();

/**
 * The wire form of `frame`: its JSON text, or for a frame shared by a group of views (see
 * {@link Fanout.frame}) one Buffer encoded on first use and reused by every socket.
 * @internal
 */
export function encodeOnce(frame: ServerFrame): string | Buffer {
  if (!encodings.has(frame)) return encodeFrame(frame);
  let bytes = encodings.get(frame);
  if (!bytes) encodings.set(frame, (bytes = Buffer.from(encodeFrame(frame))));
  return bytes;
}

/** Takes the assigns another view's `handleInfo` left; true when they are not the view's own. */
function adopt(view: LiveView<any, any>, after: object): boolean {
  if (after === view.assigns) return false;
  view.assigns = after;
  return true;
}

const memos = new WeakMap<object, Fanout>();

/** The {@link Fanout} of a server (keyed by its services object). @internal */
export function fanoutOf(services: object): Fanout {
  let f = memos.get(services);
  if (!f) memos.set(services, (f = new Fanout()));
  return f;
}
