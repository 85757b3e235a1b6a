/** Client hooks (`lv-hook`), on top of views: mounting, lifecycle callbacks, pushed events. */
import { A_HOOK } from "./protocol.js";
import { d, viewOf, attr, type Payload, type View } from "./state.js";
import { push } from "./views.js";
import { exec } from "./js.js";

/**
 * What a hook's callbacks see as `this`: the hook object you registered (its own
 * properties and methods are reachable through the prototype) plus these members.
 */
export interface HookInstance {
  /** The element carrying `lv-hook`. */
  readonly el: HTMLElement;
  /**
   * Sends an event to the hook's view, as `lv-click` would: handler `name`, JSON payload.
   * `onReply` gets the handler's reply value (`{ reply: {…} }` returned on the server; `{}`
   * when it returned none) once the event's reply arrives; not called when the event failed
   * or the socket went down first. As Phoenix's `pushEvent(event, payload, (reply, ref) => …)`.
   */
  pushEvent(name: string, payload?: Payload, onReply?: (reply: any) => void): void;
  /**
   * As {@link pushEvent}, to the view of each element `target` matches (a CSS selector), or
   * of the element itself: one event per matched element, `onReply` once per reply. As
   * Phoenix's `pushEventTo` (which also sends one event per matched element).
   */
  pushEventTo(target: string | Element, name: string, payload?: Payload, onReply?: (reply: any) => void): void;
  /** Runs a JS command (the attribute value `JS` renders) as if the hook's element fired it, as Phoenix's `liveSocket.execJS`. */
  execJS(js: string): void;
  /** Calls `callback(payload)` whenever the server pushes `event` to this view (`pushEvent` on the server). */
  handleEvent(event: string, callback: (payload: any) => void): void;
}

/**
 * A client hook: register it as `window.weftHooks.Name = { mounted() { … } }` from your
 * own script and put `lv-hook="Name"` on an element (with an `id`, so morphs keep it).
 * The runtime looks the name up when the element's view has rendered, so your script may
 * load after the runtime. Every callback is optional and runs with `this` bound to a
 * {@link HookInstance}.
 */
export interface Hook {
  /** The element appeared in a joined view (or the view joined). */
  mounted?(this: HookInstance & this): void;
  /** A server render changed the element or its subtree. */
  updated?(this: HookInstance & this): void;
  /** The element left the page. */
  destroyed?(this: HookInstance & this): void;
  /** The socket went down. */
  disconnected?(this: HookInstance & this): void;
  /** The socket is back (the view is rejoining). */
  reconnected?(this: HookInstance & this): void;
  [key: string]: unknown;
}

declare global {
  interface Window {
    /** Client hooks by name, looked up by `lv-hook="Name"`. */
    weftHooks?: Record<string, Hook>;
  }
}

type Cbs = Record<string, Array<(p: unknown) => void>>;
/** Hooks' reply callbacks, by event seq. */
const replies = new Map<number, (r: unknown) => void>();
/** Pushes `n` to `v` (if any) and keeps `f` for its reply. */
const pe = (v: View | undefined, n: string, p?: Payload, f?: (r: unknown) => void) => {
  const s = v && push(v, null, n, p || {});
  if (s && f) replies.set(s, f);
};
/** Event `s` was answered: its hook's reply callback gets `r` (a reply) or is dropped (`r` undefined: an error). */
export const replied = (s: number, r?: unknown) => {
  const f = replies.get(s);
  replies.delete(s);
  if (r) f?.(r);
};
/** A mounted hook: instance, its view, its `handleEvent` callbacks. */
type Mounted = [Hook & HookInstance, View, Cbs];
/** Mounted hooks, by their element. */
export const hooks = new Map<Element, Mounted>();

type Life = "mounted" | "updated" | "destroyed" | "disconnected" | "reconnected";
/** Calls lifecycle callback `n` of one mounted hook, if it has one. */
export const call = (h: Mounted, n: Life) => h[0][n]?.();
/** Calls lifecycle callback `n` of every mounted hook (socket down / back). */
export const callAll = (n: Life) => hooks.forEach((h) => call(h, n));

/** Destroys hooks whose element left, mounts new ones in rendered views. */
export const scanHooks = () => {
  hooks.forEach((h, el) => el.isConnected || (hooks.delete(el), call(h, "destroyed")));
  d.querySelectorAll<HTMLElement>(`[${A_HOOK}]`).forEach((el) => {
    const v = viewOf(el);
    const def = window.weftHooks?.[attr(el, A_HOOK)!];
    if (v?.h == null || !def || hooks.has(el)) return;
    const cbs: Cbs = {};
    const i = Object.assign(Object.create(def), {
      el,
      pushEvent: (n: string, p?: Payload, f?: (r: unknown) => void) => pe(v, n, p, f),
      pushEventTo: (t: string | Element, n: string, p?: Payload, f?: (r: unknown) => void) =>
        (typeof t == "string" ? d.querySelectorAll(t) : [t]).forEach((e) => pe(viewOf(e), n, p, f)),
      execJS: (js: string) => exec(v, el, js, {}),
      handleEvent: (n: string, f: (p: unknown) => void) => (cbs[n] ||= []).push(f),
    });
    const h: Mounted = [i, v, cbs];
    hooks.set(el, h);
    call(h, "mounted");
  });
};

/** A `push` frame: the view's hooks' `handleEvent` callbacks for `event`. */
export const dispatch = (v: View, event: string, payload: unknown) =>
  hooks.forEach(([, hv, cbs]) => hv == v && cbs[event]?.forEach((f) => f(payload)));
