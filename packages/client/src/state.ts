import { A_VIEW } from "./protocol.js";
import type { Payload } from "./codec.js";

export type { Payload };

/** One view root on the page: its element, its ref on the current socket, its last HTML. */
export interface View {
  el: Element;
  /** ref on the current socket (0 until joined) */
  r: number;
  /** last HTML the server sent (undefined until the first render) */
  h?: string;
}

export const d = document;
/** Every view root the runtime knows, by root element. */
export const views = new Map<Element, View>();
/** Joined views on the current socket, by ref. */
export const refs = new Map<number, View>();
/** Elements carrying the loading class, by event seq. */
export const pending = new Map<number, Element>();

export const ROOT = `[${A_VIEW}]`;
export const roots = () => d.querySelectorAll(ROOT);
/** The view an element belongs to (its closest root), if joined. */
export const viewOf = (el: Element) => views.get(el.closest(ROOT)!);
export const attr = (el: Element, a: string) => el.getAttribute(a);
