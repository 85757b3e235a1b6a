/**
 * The submit lock, as Phoenix's `phx-disable-with`: while a form's `lv-submit` event is in
 * flight, its fields are read-only and its submit buttons disabled, each showing its
 * `lv-disable-with` text when it has one (the text replaces the button's content until the
 * unlock; `<button>`s only, not `<input type=submit>`); while a button's `lv-click` event is in flight, the button is disabled
 * (with its `lv-disable-with` text). A locked form's or button's events are dropped, even if a
 * render re-enabled it meanwhile. The event's reply (or error frame) unlocks and the view is
 * morphed to the server's HTML (frames.ts), which undoes the lock; the socket going down unlocks
 * (the rejoin's render undoes it); a redirect frame forgets what is in flight (frames.ts), so the locks stay until
 * the page is gone and a second click cannot save twice. A leaf: it imports only the protocol
 * and the state's shorthands.
 */
import { A_CLICK, A_DEBOUNCE, A_DISABLE_WITH, A_SUBMIT, A_THROTTLE } from "./protocol.js";
import { attr } from "./state.js";

/**
 * Locks `el` for event `s` when its binding `a` takes a lock: a form's submit, a button's click
 * (not a button with `lv-throttle` or `lv-debounce`: it asked for repeated clicks at its rate).
 * Only reflected attributes and text change, so a morph to the view's HTML undoes it all.
 * `el.lv` holds the seq of the event that locked it: while set, `el`'s events are dropped
 * (bindings.ts).
 */
export const lock = (s: number, el: any, a?: string) => {
  if (a == A_SUBMIT || (a == A_CLICK && el.tagName == "BUTTON" && !attr(el, A_THROTTLE) && !attr(el, A_DEBOUNCE)))
    for (const e of ((el.lv = s), el.elements || [el])) {
      const t = attr(e, A_DISABLE_WITH);
      e == el || e.type == "submit" ? ((e.disabled = 1), t && (e.textContent = t)) : (e.readOnly = 1);
    }
};

/**
 * Unlocks `el` if event `s` locked it; returns whether it did. The caller then morphs the view
 * to its HTML (the reply's, or the last one), which takes the lock's changes back.
 */
export const unlock = (s: number, el: any) => s && el?.lv == s && !(el.lv = 0);
