/** The `lv-*` bindings: document-level listeners that turn DOM events into view events. */
import {
  A_BLUR, A_CHANGE, A_CHILD, A_CLICK, A_CONFIRM, A_DEBOUNCE, A_FOCUS, A_KEY, A_KEYDOWN,
  A_KEYUP, A_PATCH, A_SUBMIT, A_THROTTLE, A_VALUE_PREFIX,
} from "./protocol.js";
import { paramsFrame } from "./codec.js";
import { d, refs, viewOf, attr, setUrl, type Payload } from "./state.js";
import { vals } from "./forms.js";
import { send } from "./socket.js";
import { run } from "./js.js";
import { save } from "./nav.js";

const timers = new WeakMap<Element, any>();
const last = new WeakMap<Element, string>();

/**
 * Runs `f` now (`ms` < 0, or 0 without `lv-debounce`), after `lv-debounce` (default `ms`)
 * ms of quiet, or at most once per `lv-throttle` ms (the last call of a burst still runs).
 */
// `f`'s ignored argument lets the debounce clear `lvq` in the call itself (fewer bytes)
const rate = (el: Element, ms: number, f: (_?: 0) => void) => {
  const th = +attr(el, A_THROTTLE)!;
  const db = +(attr(el, A_DEBOUNCE) ?? ms);
  let s = timers.get(el);
  if (ms < 0) f();
  // "blur": sent when the focus leaves the element (the latest call only)
  else if (attr(el, A_DEBOUNCE) == "blur") {
    if (!timers.has(el)) el.addEventListener("focusout", () => (timers.get(el)(), timers.delete(el)), { once: true });
    timers.set(el, f);
  } else if (th) {
    if (s) return void (s.f = f);
    f();
    timers.set(el, (s = {}));
    const tick = () => (s.f ? (s.f(), (s.f = 0), setTimeout(tick, th)) : timers.delete(el));
    setTimeout(tick, th);
  // `el.lvq`: the debounce's timer while its call waits (the morph leaves a waiting form's fields alone: morph.ts)
  } else if (db) clearTimeout((el as any).lvq), ((el as any).lvq = setTimeout(() => f(((el as any).lvq = 0)), db));
  else f();
};

/** `lv-value-*` attributes as an object. */
export const lvv = (el: Element): Payload => {
  const o: Payload = {};
  for (const { name, value } of el.attributes)
    if (name.startsWith(A_VALUE_PREFIX)) o[name.slice(A_VALUE_PREFIX.length)] = value;
  return o;
};

/** `lv-confirm` (if any) accepted. */
const ok = (el: Element) => {
  const c = attr(el, A_CONFIRM);
  return !c || confirm(c);
};

/** Delegates `type` events to the closest `[a]` element inside a joined view (to the component its `lv-target` names, as Phoenix's `phx-target`); `pay` builds the payload (or vetoes); the value is an event name or a JS command. */
const on = (type: string, a: string, pay: (el: any, e: any) => Payload | false | void, ms = 0) =>
  d.addEventListener(type, (e: any) => {
    const el: Element | null = e.target.closest?.(`[${a}]`);
    const v = el && viewOf(el);
    const p = v && pay(el, e);
    // a form or button locked by its event in flight (lock.ts) drops the next one
    if (p && !(el as any).lv) rate(el!, ms, () => run(v, el!, attr(el!, a)!, p, a));
  });

export const key = (el: Element, e: any) => {
  const k = attr(el, A_KEY);
  return (!k || k.toLowerCase() == e.key?.toLowerCase()) && { ...lvv(el), key: e.key, value: e.target.value };
};
const focus = (el: any) => ({ ...lvv(el), value: el.value });
const change = (el: Element, e: any) => {
  const t = e.target;
  const p: Payload = t.form ? vals(t.form) : { [t.name]: t.value };
  p._target = t.name;
  const j = JSON.stringify(p);
  // a text field fires `change` on blur after its `input` events already sent the same values
  if (e.type == "change" && last.get(el) == j) return;
  last.set(el, j);
  return p;
};

/** Sends `params` to every joined top-level view: the URL changed without a reload. */
const params = () => refs.forEach((v) => v.el.hasAttribute(A_CHILD) || send(paramsFrame(v.r, location.href)));

/** Installs the document-level listeners for every `lv-*` binding. */
export const listen = () => {
  on("click", A_CLICK, (el, e) => (el.tagName == "A" && e.preventDefault(), ok(el) && lvv(el)));
  on("submit", A_SUBMIT, (el, e) => (e.preventDefault(), clearTimeout(el.lvq), (el.lvq = 0), ok(el) && vals(el, e.submitter)), -1);
  on("input", A_CHANGE, change, 300);
  on("change", A_CHANGE, change, 300);
  on("keydown", A_KEYDOWN, key);
  on("keyup", A_KEYUP, key);
  on("focusin", A_FOCUS, focus);
  on("focusout", A_BLUR, focus);
  d.addEventListener("click", (e) => {
    const a = (e.target as Element).closest?.<HTMLAnchorElement>(`[${A_PATCH}]`);
    if (!a || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    save();
    setUrl(attr(a, A_PATCH) || a.href);
    params();
  });
  addEventListener("popstate", params);
};
