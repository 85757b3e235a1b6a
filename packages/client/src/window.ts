/** `lv-window-keydown` / `lv-window-keyup` (with `lv-key`) and `lv-click-away`, as Phoenix's `phx-window-*` and `phx-click-away`. */
import { A_CLICK_AWAY, A_WINDOW_KEYDOWN, A_WINDOW_KEYUP } from "./protocol.js";
import { d, viewOf, attr, type Payload } from "./state.js";
import { push } from "./views.js";
import { key, lvv } from "./bindings.js";

/** Sends the event of every `[a]` element of a joined view whose payload `pay` builds (or vetoes). */
const each = (a: string, pay: (el: Element) => Payload | false | void) =>
  d.querySelectorAll(`[${a}]`).forEach((el) => {
    const v = viewOf(el);
    const p = v && pay(el);
    if (p) push(v, null, attr(el, a)!, p);
  });

/** Installs the window key and click-away listeners. */
export const listenWindow = () => {
  addEventListener("keydown", (e) => each(A_WINDOW_KEYDOWN, (el) => key(el, e)));
  addEventListener("keyup", (e) => each(A_WINDOW_KEYUP, (el) => key(el, e)));
  d.addEventListener("click", (e) => each(A_CLICK_AWAY, (el) => !el.contains(e.target as Node) && lvv(el)));
};
