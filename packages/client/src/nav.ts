/**
 * Live navigation (as Phoenix's `live_redirect`): `<a lv-navigate href>` and the server's
 * `pushNavigate` replace the page's top-level view over the same socket, keeping the layout;
 * history, scroll and the document title follow as a page load would. Above morphing, below
 * frames and bindings.
 */
import { A_CHILD, A_NAV, A_NAVIGATE, A_TOKEN, A_VIEW } from "./protocol.js";
import { navigateFrame } from "./codec.js";
import { d, refs, attr, type View } from "./state.js";
import { send } from "./socket.js";
import { next } from "./views.js";
import { render } from "./morph.js";

/** the navigation in flight: its URL and history mode (0 push, 1 replace) */
let pending: [string, number] | undefined;
/** where the next navigation's page scrolls to (a history entry's saved scroll on back / forward) */
let want = 0;
const h = history;

/** Remembers the scroll position in the current history entry (before leaving it). */
export const save = () => h.replaceState({ y: scrollY }, "");

/**
 * Live-navigates to `url`: pushes (`replace` 0) or replaces (1) a history entry once the new
 * view is mounted. Without a joined view or an open socket the browser loads the page.
 */
export const go = (url: string, replace: number) => {
  const v = [...refs.values()].find((v) => !v.el.hasAttribute(A_CHILD));
  const n = next();
  if (!v || !send(navigateFrame(v.r, n, url))) return location[replace ? "replace" : "assign"](url);
  if (!replace) save(), (want = 0);
  refs.delete(v.r), refs.set((v.r = n), v);
  pending = [url, replace];
};

/** Sets the document title, followed by the `<title>`'s `data-suffix` (as Phoenix's live_title). */
export const title = (t: string) => (d.title = t + (d.querySelector("title")?.dataset.suffix || ""));

/** Marks the link of every `[lv-nav]` container whose path is the longest prefix of the URL with `aria-current="page"`. */
export const active = () => {
  let best: Element | undefined;
  let n = 0;
  d.querySelectorAll<HTMLAnchorElement>(`[${A_NAV}] a`).forEach((a) => {
    a.removeAttribute("aria-current");
    if (location.pathname.startsWith(a.pathname) && a.pathname.length > n) (best = a), (n = a.pathname.length);
  });
  best?.setAttribute("aria-current", "page");
};

/** The answer to a navigation: the kept root becomes the new view (id, view, token), then renders. */
export const mounted = (v: View, html: string, t: string, id: string, view: string, token: string) => {
  const el = v.el;
  el.id = id;
  el.setAttribute(A_VIEW, view);
  el.setAttribute(A_TOKEN, token);
  if (pending) h[pending[1] ? "replaceState" : "pushState"](pending[1] ? h.state : null, "", pending[0]);
  pending = undefined;
  render(v, html);
  title(t);
  active();
  scrollTo(0, want);
  want = 0;
};

/** Installs the `lv-navigate` links and back / forward's scroll restoration. */
export const listenNav = () => {
  h.scrollRestoration = "manual";
  active();
  d.addEventListener("click", (e) => {
    const a = (e.target as Element).closest?.<HTMLAnchorElement>(`a[${A_NAVIGATE}]`);
    if (!a || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    go(attr(a, A_NAVIGATE) || a.href, 0);
  });
  // a patch's entry restores its scroll now; a navigation's once its view is mounted
  addEventListener("popstate", () => (scrollTo(0, (want = h.state?.y || 0)), active()));
};
