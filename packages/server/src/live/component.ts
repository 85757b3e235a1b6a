import { weftError } from "../errors.js";
import { assignAsyncTo, type AsyncValue } from "./async.js";
import type { LiveServices } from "./services.js";
import type { Events, Session, WeftContext } from "./types.js";
import { DRIVER, type LiveView } from "./view.js";

/** A component class as the framework sees it. */
export interface LiveComponentClass<C extends LiveComponent<any, any> = LiveComponent<any, any>> {
  new (): C;
  /** The Eta template: as {@link LiveViewClass.template}. Or give the component a `render()`. */
  template?: string | URL;
}

/** The props a parent passes with `it.component(Cls, props)`: an `id` (unique within the parent view) and anything else. */
export type ComponentProps = { id: string | number } & Record<string, unknown>;

/** @internal a component's bookkeeping, kept by its parent's {@link Components} */
const STATE = Symbol("weft.component");

interface State {
  /** its own assigns changed since its last render */
  dirty: boolean;
  /** the props of its last `update` */
  props: Record<string, unknown>;
  /** its last rendered HTML */
  html: string;
  /** inside the parent's render (mount / update): an assign needs no new render */
  quiet: boolean;
  /** names of its async tasks, cancelled when it is dropped */
  tasks: Set<string>;
}

/**
 * A LiveComponent: a stateful piece of a view that lives in its parent view's process, as
 * Phoenix.LiveComponent. It has its own assigns, its own template and its own events (sent to
 * it with `lv-target="<%= it.myself %>"` on the element carrying the binding), but no socket,
 * token or process of its own: the parent renders it, and its changes go out in the parent's
 * delta.
 *
 * Lifecycle, as Phoenix's: on the parent render that first shows it, `mount()` then
 * `update(props)`; on every later parent render that passes props that are not shallow-equal to
 * the last ones (`Object.is` per key), `update(props)` again. It re-renders its template only
 * after `update` or its own `assign`; a component whose props did not change and that assigned
 * nothing costs no template render (its last HTML is reused). A component the parent no longer
 * renders is dropped. `mount`, `update` and `render` are synchronous (they run inside the
 * parent's render); slow work goes through {@link assignAsync}.
 *
 * @typeParam A - the assigns (the template's `it`, beside `myself`)
 * @typeParam P - the props the parent passes (by default merged into the assigns by `update`)
 *
 * @example
 * class Cart extends LiveComponent<{ id: string; items: string[]; open: boolean }> {
 *   static template = "cart.eta";   // <button lv-click="toggle" lv-target="<%= it.myself %>">
 *   mount() { this.assign({ open: false }); }
 *   events = { toggle: () => this.assign({ open: !this.assigns.open }) };
 * }
 * // in the parent's template: <%~ it.component(Cart, { id: "cart", items: it.items }) %>
 */
export abstract class LiveComponent<A extends object = Record<string, unknown>, P extends object = Partial<A>> {
  /** Current assigns. Read-only: change them with {@link assign}. */
  assigns: Readonly<A> = {} as A;
  /** Its id: the `id` prop, unique within the parent view; what `lv-target` names (`it.myself`). */
  id!: string;
  /** The view that renders it (its `ctx`, `session`, `sendInfo`, `assignAsync`…). */
  parent!: LiveView<any, any>;
  /** The events its elements may send with `lv-target`: only these names are callable. As {@link LiveView.events}. */
  events: Events = {};
  /** @internal */
  [STATE]: State = { dirty: true, props: {}, html: "", quiet: false, tasks: new Set() };

  /** The parent's context (`connected`, `url`, `pubsub` and the application context). */
  get ctx(): WeftContext & Record<string, any> {
    return this.parent.ctx;
  }

  /** The parent's session. */
  get session(): Session {
    return this.parent.session;
  }

  /** Called once, before the first {@link update}. */
  mount?(): void;

  /**
   * Called with the props on the first render and on every parent render whose props changed.
   * The default merges them into the assigns, as Phoenix's default `update/2`.
   */
  update(props: P): void {
    this.assign(props as unknown as Partial<A>);
  }

  /**
   * Renders the inner HTML. Defaults to the class's Eta template with the assigns (plus `myself`) as `it`.
   * (Typed `Readonly<A & …>`, not `Readonly<A> & …`: a subclass's `render(a: { text: string })`
   * then still fits {@link LiveComponentClass}, whose instances are `LiveComponent<any, any>`.)
   */
  render?(assigns: Readonly<A & { myself: string }>): string;

  /**
   * Loads assigns without blocking the view, as the view's {@link LiveView.assignAsync} (and
   * Phoenix's `assign_async` in a component): loading at once, `ok` / `failed` when `fn` ends.
   * Runs in the parent's task set once connected; aborted when the component is dropped or the
   * view leaves.
   */
  assignAsync<K extends keyof A & string>(keys: K | K[], fn: (signal: AbortSignal) => Promise<{ [Q in K]: AsyncValue<A[Q]> }>): void {
    const ks = Array.isArray(keys) ? keys : [keys];
    const driver = this.parent.ctx?.connected ? this.parent[DRIVER] : undefined;
    const name = `component:${this.id}:assign:${ks.join(",")}`;
    if (driver) this[STATE].tasks.add(name);
    assignAsyncTo(this, ks, fn, driver && ((f, settle) => driver.runAsync(name, f, settle)));
  }

  /** Merges `partial` into the assigns; the component re-renders on the parent's next render, which this schedules. */
  assign(partial: Partial<A>): void {
    this.assigns = { ...this.assigns, ...partial };
    this[STATE].dirty = true;
    if (!this[STATE].quiet) this.parent?.[DRIVER]?.changed();
  }
}

const MAX_ID = 128;

/**
 * The components of one view: the `it.component(Cls, props)` template helper, the live
 * instances by id, and their cached HTML. One per view (page render, connected runtime).
 */
export class Components {
  /** made on the first component: most views have none */
  private live?: Map<string, LiveComponent>;
  private seen?: Set<string>;
  /** template renders of components so far (for tests and benchmarks) */
  renders = 0;

  constructor(
    private services: LiveServices,
    private parent: LiveView<any, any>,
  ) {}

  /** The component `id`, if the view's last render showed it. */
  get(id: string): LiveComponent | undefined {
    return this.live?.get(id);
  }

  /** How many components the view's last render showed. */
  get size(): number {
    return this.live?.size ?? 0;
  }

  /** Call before each render of the parent. */
  reset(): void {
    this.seen?.clear();
  }

  /** Makes every component render its template again on the next parent render (templates edited in development). */
  invalidate(): void {
    for (const c of this.live?.values() ?? []) c[STATE].dirty = true;
  }

  /** Call after each render of the parent: drops the components it did not show. */
  sweep(): void {
    if (!this.live) return;
    for (const [id, c] of this.live) {
      if (this.seen?.has(id)) continue;
      this.live.delete(id);
      for (const t of c[STATE].tasks) this.parent[DRIVER]?.cancelAsync(t);
    }
  }

  /**
   * The template helper: renders component `cls` with `props` (mounting it on first use, calling
   * `update` when the props changed, re-rendering it only when it changed). `component` is the
   * class, or its name in the view's `static components`.
   * @returns its HTML (output it raw: `<%~ it.component(Cart, { id: "cart" }) %>`)
   * @throws WeftError `WEFT_ERR_COMPONENT_ID_MISSING` when `props.id` is not a non-empty string or
   *   number of at most 128 characters; `WEFT_ERR_COMPONENT_ID_DUPLICATE` when one render of the
   *   view shows two components with the same id; `WEFT_ERR_COMPONENT_NOT_DECLARED` for a name
   *   the view's `static components` lacks; `WEFT_ERR_VIEW_NO_TEMPLATE` for a component with
   *   neither a template nor `render()`
   */
  render(component: LiveComponentClass | string, props: ComponentProps): string {
    const declared = (this.parent.constructor as { components?: Record<string, LiveComponentClass> }).components;
    const cls = typeof component === "string" ? (declared && Object.hasOwn(declared, component) ? declared[component] : undefined) : component;
    if (typeof cls !== "function") {
      throw weftError("WEFT_ERR_COMPONENT_NOT_DECLARED", `weft: ${this.parent.constructor.name} renders component ${JSON.stringify(String(component))}, which it does not declare: add it to \`static components = { ${String(component)} }\`, or pass the class itself`);
    }
    const raw = props?.id;
    const id = typeof raw === "number" ? String(raw) : raw;
    if (typeof id !== "string" || !id || id.length > MAX_ID) {
      throw weftError("WEFT_ERR_COMPONENT_ID_MISSING", `weft: component ${cls?.name}: give it an \`id\` prop (a non-empty string or number, at most ${MAX_ID} characters) unique within the view: it.component(${cls?.name}, { id: "…" })`);
    }
    if (this.seen?.has(id)) {
      throw weftError("WEFT_ERR_COMPONENT_ID_DUPLICATE", `weft: two components with the id "${id}" in one render of ${this.parent.constructor.name}: component ids must be unique within a view`);
    }
    (this.seen ??= new Set()).add(id);
    let c = this.live?.get(id);
    if (c && c.constructor !== cls) c = undefined; // another class under the same id: a new component, as Phoenix
    const fresh = !c;
    if (!c) {
      c = new cls();
      c.id = id;
      c.parent = this.parent;
    }
    const st = c[STATE];
    if (fresh || !shallowEqual(st.props, props)) {
      // assigns made here are rendered just below: they must not schedule another parent render
      st.quiet = true;
      try {
        if (fresh) c.mount?.();
        c.update(props as never);
      } finally {
        st.quiet = false;
      }
      st.props = props;
      st.dirty = true;
      if (fresh) (this.live ??= new Map()).set(id, c);
    }
    if (st.dirty) {
      st.dirty = false;
      st.html = this.template(c);
      this.renders++;
    }
    return st.html;
  }

  private template(c: LiveComponent): string {
    const it = { ...c.assigns, myself: c.id, component: (cc: LiveComponentClass | string, cp: ComponentProps) => this.render(cc, cp) };
    if (c.render) return c.render(it);
    const cls = c.constructor as LiveComponentClass;
    if (!cls.template) throw weftError("WEFT_ERR_VIEW_NO_TEMPLATE", `weft: component ${cls.name} has no static template and no render(): give it \`static template = "file.eta"\` or a render(it) method`);
    return this.services.templates.render(cls.template, it);
  }
}

/** Same own keys, and `Object.is` the same value under each (no arrays allocated: it runs once per component per parent render). */
function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue;
    if (!Object.hasOwn(b, k) || !Object.is(a[k], b[k])) return false;
    n++;
  }
  for (const k in b) if (Object.hasOwn(b, k) && --n < 0) return false;
  return true;
}
