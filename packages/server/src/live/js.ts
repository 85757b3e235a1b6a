/**
 * JS commands: small DOM operations the browser runs without a round trip, as Phoenix's
 * `Phoenix.LiveView.JS`. A command is built on the server, rendered into a binding attribute
 * (`lv-click`, `lv-submit`, `lv-mounted`, …) as a JSON array of operations, and run by the
 * browser runtime (`@weft/client`'s js.ts) when the binding fires. See docs/liveview.md,
 * "JS commands", and docs/protocol.md for the attribute's format.
 */
import { weftError } from "../errors.js";

/** Targets of an operation: a CSS selector (`document.querySelectorAll`), or the element whose binding fired when absent. */
export interface JSTarget {
  /** CSS selector of the elements to act on (default: the element carrying the binding) */
  to?: string;
}

/** A transition: CSS classes added for `time` ms, then removed (as Phoenix's `transition:`). */
export interface JSTransition extends JSTarget {
  /** classes (space-separated) present while the transition runs */
  transition?: string;
  /** how long the transition classes stay, in ms (default 200) */
  time?: number;
}

/** Options of {@link JS.show} and {@link JS.toggle}. */
export interface JSShow extends JSTransition {
  /** the `display` value an element is shown with (default `"block"`, as Phoenix) */
  display?: string;
}

/** One operation as it goes into the attribute: `[kind, args]`. */
export type JSOp = [kind: string, args: Record<string, unknown>];

const MAX_NAME = 128;

const bad = (what: string): never => {
  throw weftError("WEFT_ERR_INVALID_JS", `weft: JS command: ${what}`);
};
const text = (x: unknown, what: string, max = 4096): string =>
  typeof x === "string" && x.trim().length > 0 && x.length <= max ? x : bad(`${what} must be a non-empty string of at most ${max} characters`);
/** A class list, single-spaced (the browser splits it on one space). */
const classes = (x: unknown, what: string): string => text(x, what).trim().split(/\s+/).join(" ");
const attrName = (x: unknown): string =>
  typeof x === "string" && /^[^\s"'<>/=\x00-\x1f]{1,128}$/.test(x) ? x : bad(`${JSON.stringify(x)} is not an attribute name`);

/**
 * The options `allowed` for one operation, checked, with the browser's defaults filled in
 * (the runtime has none: `time` 200 ms with a transition, `display` "block", `bubbles` true).
 * `to` a selector, `time` ms ≥ 0, class lists and strings non-empty.
 */
function opts(o: object | undefined, allowed: string, fill: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o !== undefined && (typeof o !== "object" || o === null)) bad("options must be an object");
  for (const [k, v] of Object.entries(o ?? {})) {
    if (v === undefined) continue;
    if (!allowed.split(" ").includes(k)) bad(`unknown option "${k.slice(0, 32)}" (this command takes ${allowed})`);
    if (k === "time") out[k] = Number.isFinite(v) && (v as number) >= 0 ? v : bad(`time must be a number of ms >= 0, not ${JSON.stringify(v)}`);
    else if (k === "value" || k === "detail") out[k] = typeof v === "object" && v !== null && !Array.isArray(v) ? v : bad(`${k} must be an object`);
    else if (k === "replace" || k === "bubbles") out[k] = typeof v === "boolean" ? v : bad(`${k} must be a boolean`);
    else if (k === "transition") out[k] = classes(v, k);
    else out[k] = text(v, k);
  }
  for (const [k, v] of Object.entries(fill)) out[k] ??= v;
  if (out.transition !== undefined) out.time ??= 200;
  return out;
}

/**
 * A JS command: a list of operations run in order by the browser. Immutable: every method
 * returns a new command with one more operation, so commands compose
 * (`JS.push("inc").addClass("busy", { to: "#x" })`) and can be shared. Each method exists
 * both static (to start a command) and on an instance (to add to it).
 *
 * In a template, output it escaped: `<button lv-click="<%= it.JS.hide({ to: '#modal' }) %>">`
 * (`it.JS` is this class; `toString()` is the JSON the runtime reads). A binding whose value
 * is not a JSON array stays an event name, so `lv-click="inc"` still pushes `inc`.
 *
 * DOM changes made by `show`, `hide`, `toggle`, `addClass`, `removeClass`, `setAttribute` and
 * `removeAttribute` stick: a later server render of the element keeps them, as Phoenix's
 * sticky operations do.
 *
 * Every method throws WeftError `WEFT_ERR_INVALID_JS` when an argument is not of its form
 * (an empty name or selector, a negative `time`, an unknown option); the message names it.
 */
export class JS {
  /** The operations, in order. */
  readonly ops: readonly JSOp[];

  /** @param ops - operations to start with (normally built by the methods) */
  constructor(ops: readonly JSOp[] = []) {
    this.ops = ops;
  }

  private add(kind: string, args: Record<string, unknown>): JS {
    return new JS([...this.ops, [kind, args]]);
  }

  /** The command as the binding attribute's value: a JSON array of `[kind, args]` (escape it as any attribute). */
  toString(): string {
    return JSON.stringify(this.ops);
  }

  /** The same JSON as {@link toString}, for `JSON.stringify`. */
  toJSON(): readonly JSOp[] {
    return this.ops;
  }

  /** Shows the targets (`style.display`, default `"block"`), running `transition` if given, as Phoenix's `JS.show`. */
  static show(o?: JSShow): JS { return new JS().show(o); }
  /** @see {@link JS.show} */
  show(o?: JSShow): JS { return this.add("show", opts(o, "to transition time display", { display: "block" })); }

  /** Hides the targets (`display: none`, after `transition` if given), as Phoenix's `JS.hide`. */
  static hide(o?: JSTransition): JS { return new JS().hide(o); }
  /** @see {@link JS.hide} */
  hide(o?: JSTransition): JS { return this.add("hide", opts(o, "to transition time")); }

  /** Shows the targets that are hidden and hides those that are visible, as Phoenix's `JS.toggle`. */
  static toggle(o?: JSShow): JS { return new JS().toggle(o); }
  /** @see {@link JS.toggle} */
  toggle(o?: JSShow): JS { return this.add("toggle", opts(o, "to transition time display", { display: "block" })); }

  /** Adds CSS classes (space-separated `names`) to the targets, as Phoenix's `JS.add_class`. */
  static addClass(names: string, o?: JSTransition): JS { return new JS().addClass(names, o); }
  /** @see {@link JS.addClass} */
  addClass(names: string, o?: JSTransition): JS { return this.add("add", { names: classes(names, "class names"), ...opts(o, "to transition time") }); }

  /** Removes CSS classes (space-separated `names`) from the targets, as Phoenix's `JS.remove_class`. */
  static removeClass(names: string, o?: JSTransition): JS { return new JS().removeClass(names, o); }
  /** @see {@link JS.removeClass} */
  removeClass(names: string, o?: JSTransition): JS { return this.add("remove", { names: classes(names, "class names"), ...opts(o, "to transition time") }); }

  /** Sets attribute `name` to `value` on the targets, as Phoenix's `JS.set_attribute`. */
  static setAttribute(name: string, value: string, o?: JSTarget): JS { return new JS().setAttribute(name, value, o); }
  /** @see {@link JS.setAttribute} */
  setAttribute(name: string, value: string, o?: JSTarget): JS {
    if (typeof value !== "string") bad(`the value of ${name} must be a string`);
    return this.add("set", { attr: attrName(name), value, ...opts(o, "to") });
  }

  /** Removes attribute `name` from the targets, as Phoenix's `JS.remove_attribute`. */
  static removeAttribute(name: string, o?: JSTarget): JS { return new JS().removeAttribute(name, o); }
  /** @see {@link JS.removeAttribute} */
  removeAttribute(name: string, o?: JSTarget): JS { return this.add("set", { attr: attrName(name), ...opts(o, "to") }); }

  /** Adds the classes `names` to the targets for `time` ms (default 200), then removes them, as Phoenix's `JS.transition`. */
  static transition(names: string, o?: Omit<JSTransition, "transition">): JS { return new JS().transition(names, o); }
  /** @see {@link JS.transition} */
  transition(names: string, o?: Omit<JSTransition, "transition">): JS { return this.add("transition", opts({ ...o, transition: names }, "to transition time")); }

  /**
   * Dispatches a DOM `CustomEvent` named `event` on the targets (bubbling unless
   * `bubbles: false`), with `detail`, as Phoenix's `JS.dispatch`.
   */
  static dispatch(event: string, o?: JSTarget & { detail?: Record<string, unknown>; bubbles?: boolean }): JS { return new JS().dispatch(event, o); }
  /** @see {@link JS.dispatch} */
  dispatch(event: string, o?: JSTarget & { detail?: Record<string, unknown>; bubbles?: boolean }): JS {
    return this.add("dispatch", { event: text(event, "event", MAX_NAME), ...opts(o, "to detail bubbles", { bubbles: true }) });
  }

  /**
   * Sends event `event` to the element's view, as a plain binding would (the binding's
   * payload — `lv-value-*`, form values — merged with `value`), with the loading class on
   * the element until the reply, as Phoenix's `JS.push`.
   */
  static push(event: string, o?: { value?: Record<string, unknown> }): JS { return new JS().push(event, o); }
  /** @see {@link JS.push} */
  push(event: string, o?: { value?: Record<string, unknown> }): JS { return this.add("push", { event: text(event, "event", MAX_NAME), ...opts(o, "value") }); }

  /** Focuses the target (of several, the last keeps the focus), as Phoenix's `JS.focus`. */
  static focus(o?: JSTarget): JS { return new JS().focus(o); }
  /** @see {@link JS.focus} */
  focus(o?: JSTarget): JS { return this.add("focus", opts(o, "to")); }

  /** Goes to `href` as an `lv-navigate` link does (a live navigation over the socket; a page load when the route is not live, is of another live session or site), replacing the history entry with `replace`, as Phoenix's `JS.navigate`. */
  static navigate(href: string, o?: { replace?: boolean }): JS { return new JS().navigate(href, o); }
  /** @see {@link JS.navigate} */
  navigate(href: string, o?: { replace?: boolean }): JS { return this.add("navigate", { href: text(href, "href"), ...opts(o, "replace") }); }

  /** Changes the URL without a load and runs the view's `handleParams`, as an `lv-patch` link and Phoenix's `JS.patch`. */
  static patch(href: string, o?: { replace?: boolean }): JS { return new JS().patch(href, o); }
  /** @see {@link JS.patch} */
  patch(href: string, o?: { replace?: boolean }): JS { return this.add("patch", { href: text(href, "href"), ...opts(o, "replace") }); }
}
