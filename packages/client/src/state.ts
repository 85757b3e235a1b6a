/** The runtime's shared state (the views it knows, what is in flight) and DOM shorthands: a leaf every layer may import. */
import { A_VIEW } from "./protocol.js";
import type { Payload } from "./codec.js";

/** A JSON object sent as an event payload (the codec's type, re-exported for the runtime's API). */
export type { Payload };

/** One view root on the page: its element, its ref on the current socket, its last HTML. */
export interface View {
  el: Element;
  /** ref on the current socket (0 until joined) */
  r: number;
  /** last HTML the server sent (undefined until the first render) */
  h?: string;
  /** the root's HTML when the last join was sent (its hash went with it): the base after an "unchanged" answer */
  b?: string;
}

/** The page's document (short, for the minified bundle). */
export const d = document;
/** Every view root the runtime knows, by root element. */
export const views = new Map<Element, View>();
/** Joined views on the current socket, by ref. */
export const refs = new Map<number, View>();
/** Elements carrying the loading class, by event seq. */
export const pending = new Map<number, Element>();

/** The selector of view roots. */
export const ROOT = `[${A_VIEW}]`;
/** Every view root on the page now. */
export const roots = () => d.querySelectorAll(ROOT);
/** The view an element belongs to (its closest root), if joined. */
export const viewOf = (el: Element) => views.get(el.closest(ROOT)!);
/** The attribute `a` of `el`, or null. */
export const attr = (el: Element, a: string) => el.getAttribute(a);
/** Sets the URL (an `lv-patch` link, a patch frame, `JS.patch`): pushed, or replaced when `r`. */
export const setUrl = (u: string, r?: unknown) => history[r ? "replaceState" : "pushState"](null, "", u);
