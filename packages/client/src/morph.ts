/**
 * Patching, on top of views and hooks: morphs a view root to its new HTML, then joins the
 * roots that appeared, leaves the ones that went, and (un)mounts hooks.
 */
import morphdom from "morphdom";
import { A_IGNORE, A_STREAM, A_VIEW, CLASS_DISCONNECTED, CLASS_LOADING } from "./protocol.js";
import { d, views, roots, type View } from "./state.js";
import { hooks, scanHooks, call } from "./hooks.js";
import { join, leave } from "./views.js";
import { keep, mounted, removed } from "./js.js";

const FIELD = /^(INPUT|TEXTAREA|SELECT)$/;

/** Leaves views whose root left the page, joins new roots, then (un)mounts hooks. */
export const scan = () => {
  views.forEach((v, el) => el.isConnected || leave(v));
  roots().forEach((el) => views.has(el) || join(el));
  scanHooks();
  mounted();
};

/**
 * Makes the root's children match `html` (the view's new inner HTML). Child roots and
 * `[lv-ignore]` subtrees are left alone, as are the children of `[lv-stream]` containers (streams.ts owns them); the focused field keeps its value (and caret),
 * and the fields of a form whose `lv-change` is still debounced are left whole;
 * elements with an event in flight keep their loading class, and JS commands' changes stick
 * (js.ts); `lv-remove` runs before an element goes. With `same` the root already shows `html`
 * (a join answered "unchanged"): it becomes the view's HTML, unmorphed.
 */
export const render = (v: View, html: string, same?: 1) => {
  const el = v.el;
  const to = el.cloneNode() as Element;
  const changed: Element[] = [];
  v.h = html;
  el.classList.remove(CLASS_DISCONNECTED);
  // `same`: the root holds `html` already (a join answered "unchanged"): nothing to morph
  same || (to.innerHTML = html, morphdom(el, to, {
    childrenOnly: true,
    onBeforeElUpdated(f, t) {
      if (f.hasAttribute(A_IGNORE) || f.hasAttribute(A_VIEW)) return false;
      // (a file input's value cannot be set: it keeps none)
      if (FIELD.test(f.tagName) && (f as any).type != "file") {
        // a field of a form whose `lv-change` waits out its debounce is left whole (bindings.ts
        // `rate`): a render the server made before it knew of the user's choice does not undo it
        // (a select's choice is its options' `selected` attributes to morphdom, so copying the
        // value would not do). Once sent, the reply's render carries the choice back.
        // (the focused field itself keeps its value and takes the rest: aria-expanded, errors …)
        if (f == d.activeElement) (t as HTMLInputElement).value = (f as HTMLInputElement).value;
        else if ((f as any).form?.lvq) return false;
      }
      if (f.classList.contains(CLASS_LOADING)) t.classList.add(CLASS_LOADING);
      // a <details>'s open state is the user's, as a field's value: a render does not shut the
      // dropdown they opened (as Phoenix's JS.ignore_attributes(["open"])). Other tags have no
      // `open`: the copy is an undefined expando on the discarded new node.
      (t as HTMLDetailsElement).open = (f as HTMLDetailsElement).open;
      keep(f, t);
      if (hooks.has(f) && !f.isEqualNode(t)) changed.push(f);
      return true;
    },
    onBeforeElChildrenUpdated: (f) => !f.hasAttribute(A_STREAM),
    onBeforeNodeDiscarded: (n) => (removed(v, n), true),
  }));
  scan();
  changed.forEach((f) => hooks.has(f) && call(hooks.get(f)!, "updated"));
};
