import type { Children } from "./children.js";
import type { LiveServices } from "./services.js";
import type { LiveView, LiveViewClass } from "./view.js";
import { weftError } from "../errors.js";
import { JS } from "./js.js";

/**
 * Renders a view's inner HTML: its `render()` if it has one, else its Eta template, with
 * `it` = the assigns plus `flash`, the `liveRender` helper and `JS` (JS commands).
 * @throws WeftError `WEFT_ERR_VIEW_NO_TEMPLATE` when the view has neither, or the template fails
 */
export function renderInner(services: LiveServices, view: LiveView<any, any>, children: Children): string {
  children.reset();
  const it = { ...view.assigns, flash: view.flash, liveRender: children.liveRender, JS };
  if (view.render) return view.render(it);
  const cls = view.constructor as LiveViewClass;
  if (!cls.template) throw weftError("WEFT_ERR_VIEW_NO_TEMPLATE", `weft: ${cls.name} has no static template and no render(): give it \`static template = "file.eta"\` or a render(it) method`);
  return services.templates.render(cls.template, it);
}
