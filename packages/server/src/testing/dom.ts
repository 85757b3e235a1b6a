/**
 * Reading a view's HTML as a browser would, for the test helper: finding one element by CSS
 * selector (node-html-parser's selector engine), the payloads its bindings would send, and a
 * form's values as `FormData` would collect them.
 */
import { parse, type HTMLElement } from "node-html-parser";
import { A_VALUE_PREFIX, A_VIEW } from "@weft/client/protocol";
import type { Payload } from "../live/types.js";
import { weftError } from "../errors.js";

/**
 * The inner HTML of the view root `id` in a rendered page, exactly as the server wrote it: what
 * a browser's root holds before JavaScript runs (its `innerHTML` is the same string when the
 * markup serializes back unchanged), the HTML whose hash a `join` carries. Counts nested `<div>`s
 * to find the root's end, so it reads a raw page without parsing it.
 * @throws WeftError `WEFT_ERR_TEST_NO_ELEMENT` when the page has no root with that id, or the root is not closed
 */
export function rootInner(html: string, id: string): string {
  const open = html.indexOf(`<div id="${id}"`);
  if (open < 0) throw weftError("WEFT_ERR_TEST_NO_ELEMENT", `no view root ${id}`);
  const start = html.indexOf(">", open) + 1;
  const tags = /<div[\s>]|<\/div>/g;
  tags.lastIndex = start;
  for (let depth = 1, m; (m = tags.exec(html)); ) if ((depth += m[0] === "</div>" ? -1 : 1) === 0) return html.slice(start, m.index);
  throw weftError("WEFT_ERR_TEST_NO_ELEMENT", `view root ${id} is not closed`);
}

/** The one element of `html` matching `selector` (and containing `text`, if given). */
export function findOne(html: string, selector: string, text?: string | RegExp): HTMLElement {
  const all = findAll(html, selector, text);
  if (all.length !== 1) {
    const what = `${JSON.stringify(selector)}${text === undefined ? "" : ` with text ${String(text)}`}`;
    throw weftError("WEFT_ERR_TEST_NO_ELEMENT", `weft testing: ${what} matched ${all.length} elements, not exactly one; the view's HTML is:\n${html.slice(0, 2000)}`);
  }
  return all[0]!;
}

/** Every element of `html` matching `selector` (and containing `text`, if given). */
export function findAll(html: string, selector: string, text?: string | RegExp): HTMLElement[] {
  return parse(html).querySelectorAll(selector).filter((el) => text === undefined || (typeof text === "string" ? el.text.includes(text) : text.test(el.text)));
}

/** The DOM id of the nested view the element belongs to, or undefined for the top view. */
export function ownerView(el: HTMLElement): string | undefined {
  for (let p = el.parentNode as HTMLElement | null; p; p = p.parentNode as HTMLElement | null) {
    if (p.getAttribute?.(A_VIEW) !== undefined && p.getAttribute?.("id")) return p.getAttribute("id");
  }
  return undefined;
}

/** The element's `lv-value-*` attributes, as the browser sends them. */
export function lvValues(el: HTMLElement): Payload {
  const o: Payload = {};
  for (const [k, v] of Object.entries(el.attributes)) if (k.startsWith(A_VALUE_PREFIX)) o[k.slice(A_VALUE_PREFIX.length)] = v;
  return o;
}

/** A form's values as the browser's `FormData` collects them (a repeated name becomes an array; files are left out). */
export function formValues(form: HTMLElement): { values: Payload; names: Set<string> } {
  const values: Payload = {};
  const names = new Set<string>();
  const add = (k: string, v: string) => (values[k] = k in values ? ([] as unknown[]).concat(values[k], v) : v);
  for (const el of form.querySelectorAll("input[name], textarea[name], select[name]")) {
    const name = el.getAttribute("name")!;
    names.add(name);
    if (el.hasAttribute("disabled")) continue;
    const tag = el.tagName.toLowerCase();
    if (tag === "textarea") add(name, el.text);
    else if (tag === "select") {
      const opts = el.querySelectorAll("option");
      const chosen = opts.filter((o) => o.hasAttribute("selected"));
      const pick = chosen.length || el.hasAttribute("multiple") ? chosen : opts.slice(0, 1);
      for (const o of pick) add(name, o.getAttribute("value") ?? o.text);
    } else {
      const type = (el.getAttribute("type") ?? "text").toLowerCase();
      if (["submit", "button", "image", "reset", "file"].includes(type)) continue;
      if ((type === "checkbox" || type === "radio") && !el.hasAttribute("checked")) continue;
      add(name, el.getAttribute("value") ?? (type === "checkbox" || type === "radio" ? "on" : ""));
    }
  }
  return { values, names };
}

/**
 * The form's values with `changes` applied, as if the user typed them.
 * @throws WeftError `WEFT_ERR_TEST_NO_FIELD` when a key of `changes` is no field of the form
 */
export function withChanges(form: HTMLElement, changes: Record<string, unknown>): Payload {
  const { values, names } = formValues(form);
  for (const [k, v] of Object.entries(changes)) {
    if (!names.has(k)) throw weftError("WEFT_ERR_TEST_NO_FIELD", `weft testing: the form has no field named ${JSON.stringify(k)} (its fields: ${[...names].join(", ") || "none"})`);
    values[k] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return values;
}
