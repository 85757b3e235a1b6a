import type { ChildProps, Children } from "./children.js";
import type { ComponentProps, Components, LiveComponentClass } from "./component.js";
import type { LiveServices } from "./services.js";
import type { LiveView, LiveViewClass } from "./view.js";
import { weftError } from "../errors.js";
import { traceSync, weftChannels } from "./telemetry.js";
import { JS } from "./js.js";

/**
 * Renders a view's inner HTML: its `render()` if it has one, else its Eta template, with
 * `it` = the assigns plus `flash` and the `liveRender` and `component` helpers and `JS` (JS commands). Components the
 * render did not show are dropped afterwards.
 * @throws WeftError `WEFT_ERR_VIEW_NO_TEMPLATE` when the view has neither, or the template fails
 */
export function renderInner(services: LiveServices, view: LiveView<any, any>, children: Children, components: Components): string {
  if (!weftChannels.render.hasSubscribers) return renderTemplate(services, view, children, components);
  const cls = view.constructor as LiveViewClass;
  return traceSync(weftChannels.render, () => ({ view: services.registry.register(cls), connected: !!view.ctx?.connected }), () => renderTemplate(services, view, children, components));
}

function renderTemplate(services: LiveServices, view: LiveView<any, any>, children: Children, components: Components): string {
  children.reset();
  components.reset();
  // the helpers are made per render, not kept per view (two closures: ~0.2 KiB a connected view)
  const it = { ...view.assigns, flash: view.flash, liveRender: (c: LiveViewClass | string, p?: ChildProps) => children.liveRender(c, p), component: (c: LiveComponentClass | string, p: ComponentProps) => components.render(c, p), JS };
  const cls = view.constructor as LiveViewClass;
  if (!view.render && !cls.template) throw weftError("WEFT_ERR_VIEW_NO_TEMPLATE", `weft: ${cls.name} has no static template and no render(): give it \`static template = "file.eta"\` or a render(it) method`);
  const html = view.render ? view.render(it) : services.templates.render(cls.template!, it);
  components.sweep();
  return html;
}
