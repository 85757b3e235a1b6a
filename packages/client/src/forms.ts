import { A_CHANGE } from "./protocol.js";
import type { FormState, Payload } from "./codec.js";
import { attr, ROOT } from "./state.js";

/** A form's values as an object; a name that repeats becomes an array. Files are left out. */
export const vals = (f: HTMLFormElement, submitter?: HTMLElement | null): Payload => {
  const o: Payload = {};
  new FormData(f, submitter).forEach((x, k) => {
    if (typeof x == "string") o[k] = k in o ? ([] as unknown[]).concat(o[k], x) : x;
  });
  return o;
};

/** Form recovery: `[event, values]` for every `form[id][lv-change]` of this root (not of its children). */
export const recover = (root: Element) =>
  [...root.querySelectorAll<HTMLFormElement>(`form[id][${A_CHANGE}]`)]
    .filter((f) => f.closest(ROOT) == root)
    .map((f): FormState => [attr(f, A_CHANGE)!, vals(f)]);
