/**
 * JS commands, on top of views: runs a binding's command (the JSON array `@weft/server`'s `JS`
 * renders, docs/protocol.md "JS commands") in the browser without a round trip, and keeps
 * the DOM changes it made (display, classes, attributes) across morphs, as Phoenix's sticky
 * operations. `lv-mounted` / `lv-remove` run a command when an element appears / goes.
 */
import { A_MOUNTED, A_REMOVE, A_TARGET } from "./protocol.js";
import { d, viewOf, attr, setUrl, type Payload, type View } from "./state.js";
import { push } from "./views.js";

/** An operation's arguments (see the server's `JS` for what each kind takes). */
type Args = Record<string, any>;

/** Sticky changes per element: `":"` → display, `".c"` → class c on (1) / off (0), a name → attribute value (undefined: removed). */
const sticky = new WeakMap<Element, Args>();

const ap = (el: any, k: string, v: any) =>
  k == ":" ? (el.style.display = v) : k[0] == "." ? el.classList.toggle(k.slice(1), !!v) : v == null ? el.removeAttribute(k) : el.setAttribute(k, v);

/** Applies a change to `el` and remembers it for later morphs. */
const put = (el: Element, k: string, v: any) => (sticky.set(el, { ...sticky.get(el), [k]: v }), ap(el, k, v));

/** Re-applies the sticky changes of `from` to its new version `to` (morph's onBeforeElUpdated). */
export const keep = (from: Element, to: Element) => {
  const s = sticky.get(from);
  for (const k in s) ap(to, k, s[k]);
};

/** Runs `f` after `a.transition`'s classes (the server sends them single-spaced) were on `el` for `a.time` ms, or now without a transition. */
const tr = (el: Element, a: Args, f?: () => void) => {
  const c = a.transition?.split(" ");
  c ? (el.classList.add(...c), setTimeout(() => (el.classList.remove(...c), f?.()), a.time)) : f?.();
};

/**
 * Live navigation (nav.ts's `go`, registered by nav.ts, which sits above this layer):
 * `navigate` moves as an `lv-navigate` link does.
 */
let nav: (url: string, replace?: unknown) => void;
/** Registers live navigation for `JS.navigate` (nav.ts, on start). */
export const onNavigate = (f: typeof nav) => (nav = f);

type Op = (t: any, a: Args, v?: View, p?: Payload) => unknown;
/** The operations by kind; the server fills in every default (display, time, bubbles). */
const ops: Record<string, Op> = {
  show: (t, a) => (put(t, ":", a.display), tr(t, a)),
  hide: (t, a) => tr(t, a, () => put(t, ":", "none")),
  toggle: (t, a) => ops[t.getClientRects().length ? "hide" : "show"]!(t, a),
  add: (t, a) => tr(t, a, () => a.names.split(" ").forEach((c: string) => put(t, "." + c, 1))),
  remove: (t, a) => tr(t, a, () => a.names.split(" ").forEach((c: string) => put(t, "." + c, 0))),
  set: (t, a) => put(t, a.attr, a.value),
  transition: (t, a) => tr(t, a),
  dispatch: (t, a) => t.dispatchEvent(new CustomEvent(a.event, a)),
  focus: (t) => t.focus(),
  push: (t, a, v, p) => v && push(v, t, a.event, { ...p, ...a.value }),
  // a live navigation (nav.ts falls back to a page load off-site, or when the route is not live)
  navigate: (_, a) => nav(a.href, a.replace),
  // as an lv-patch link: the URL changes, the bindings' popstate listener sends `params`
  patch: (_, a) => (setUrl(a.href, a.replace), dispatchEvent(new PopStateEvent("popstate"))),
};

/**
 * Runs the JS command `js` (JSON) for `el`, whose binding fired with payload `p`: each
 * operation acts on its `to` targets, or on `el`; `push` sends `p` merged with its `value` to `v`.
 * @throws SyntaxError when `js` is not JSON (a template bug: the console shows it)
 */
export const exec = (v: View | undefined, el: Element, js: string, p: Payload) => {
  for (const [k, a] of JSON.parse(js) as [string, Args][]) (a.to ? d.querySelectorAll(a.to) : [el]).forEach((t) => ops[k]?.(t, a, v, p));
};

/**
 * A binding fired: a value starting with `[` is a JS command, anything else the event name to
 * push; `b`, the binding's attribute, says whether the event takes the submit lock (lock.ts).
 */
export const run = (v: View, el: Element, s: string, p: Payload, b?: string) => (s[0] == "[" ? exec(v, el, s, p) : push(v, el, s, p, attr(el, A_TARGET), b));

/** Runs `lv-mounted` of the elements of rendered views that have not run it yet (marked on the element). */
export const mounted = () =>
  d.querySelectorAll(`[${A_MOUNTED}]`).forEach((el: any) => {
    const v = viewOf(el);
    if (v?.h != null && !el[A_MOUNTED]) exec(v, el, attr(el, (el[A_MOUNTED] = A_MOUNTED))!, {});
  });

/**
 * A morph is about to discard `n` from `v`'s DOM: runs its `lv-remove`, as Phoenix's
 * `phx-remove` (morphdom asks once per discarded node: the removed subtree's root, and each
 * element with an id inside it).
 */
export const removed = (v: View, n: any) => n.getAttribute?.(A_REMOVE) && exec(v, n, attr(n, A_REMOVE)!, {});
