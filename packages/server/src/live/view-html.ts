import type { Children } from "./children.js";
import type { LiveServices } from "./services.js";
import type { LiveView, LiveViewClass } from "./view.js";
import { weftError } from "../errors.js";
import { traceSync, weftChannels } from "./telemetry.js";

/**
 * Renders a view's inner HTML: its `render()` if it has one, else its Eta template, with
 * `it` = the assigns plus `flash` and the `liveRender` helper.
 * @throws WeftError `WEFT_ERR_VIEW_NO_TEMPLATE` when the view has neither, or the template fails
 */
export function renderInner(services: LiveServices, view: LiveView<any, any>, children: Children): string {
  const cls = view.constructor as LiveViewClass;
  return traceSync(weftChannels.render, () => ({ view: services.registry.register(cls), connected: !!view.ctx?.connected }), () => renderTemplate(services, view, children));
}

function renderTemplate(services: LiveServices, view: LiveView<any, any>, children: Children): string {
  children.reset();
  const it = { ...view.assigns, flash: view.flash, liveRender: children.liveRender };
  if (view.render) return view.render(it);
  const cls = view.constructor as LiveViewClass;
  if (!cls.template) throw weftError("WEFT_ERR_VIEW_NO_TEMPLATE", `weft: ${cls.name} has no static template and no render(): give it \`static template = "file.eta"\` or a render(it) method`);
  return services.templates.render(cls.template, it);
}
