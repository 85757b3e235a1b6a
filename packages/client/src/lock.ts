/**
 * The submit lock, as Phoenix's `phx-disable-with`: while a form's `lv-submit` event is in
 * flight, its fields are read-only and its submit buttons disabled, each showing its
 * `lv-disable-with` text when it has one (as Phoenix, the text replaces the button's content
 * until the unlock; `<button>`s only, not `<input type=submit>`); while a button's `lv-click` event is in flight, the button is disabled
 * (with its `lv-disable-with` text). A locked form's or button's events are dropped, even if a
 * render re-enabled it meanwhile. The event's reply (or error frame) unlocks, as does the socket
 * going down; a redirect frame forgets what is in flight (frames.ts), so the locks stay until
 * the page is gone and a second click cannot save twice. A leaf: it imports only the protocol
 * and the state's shorthands.
 */
import { A_CLICK, A_DEBOUNCE, A_DISABLE_WITH, A_SUBMIT, A_THROTTLE } from "./protocol.js";
import { attr } from "./state.js";

/**
 * Whether `el` is locked (a form with its submit, or a button with its click, in flight): its
 * events are dropped. A lock lives on its element (`el.lv`: the event's seq, then each property
 * changed with its value before).
 */
export const locked = (el: any) => el.lv;

/**
 * Locks `el` for event `s` when its binding `a` takes a lock: a form's submit, a button's click
 * (not a button with `lv-throttle` or `lv-debounce`: it asked for repeated clicks at its rate).
 */
export const lock = (s: number, el: any, a?: string) => {
  if (a == A_SUBMIT || (a == A_CLICK && el.tagName == "BUTTON" && !attr(el, A_THROTTLE) && !attr(el, A_DEBOUNCE))) {
    const u = (el.lv = [s]);
    for (const e of el.elements || [el]) {
      const set = (k: string, v: unknown) => (u.push([e, k, e[k]] as any), (e[k] = v));
      const t = attr(e, A_DISABLE_WITH);
      e == el || e.type == "submit" ? (set("disabled", 1), t && set("textContent", t)) : set("readOnly", 1);
    }
  }
};

/** Unlocks `el` if event `s` locked it. */
export const unlock = (s: number, el: any) => s && el?.lv?.[0] == s && (el.lv.slice(1).forEach(([e, k, o]: any) => (e[k] = o)), (el.lv = 0));
