/**
 * The LiveView class `site.page` mounts: a subclass of the developer's view that renders the
 * admin's breadcrumbs and heading above the view's own HTML (inside the view's root, so live
 * navigation swaps them with the page), and checks the page's permissions on the HTTP render
 * and on every join (the widgets' check, {@link guardWidget}) before the view's own `authorize`.
 */
import type { LiveViewClass } from "@weft/server";
import type { Templates } from "@weft/server/render";
import { guardWidget } from "../shell/slots.js";
import type { AdminSiteLike } from "../model/site-like.js";
import type { ResolvedPage } from "./options.js";

const HEAD = new URL("../../src/pages/page-head.eta", import.meta.url);

/** A page class: the view's subclass, with the templates to render with once installed. */
export type PageViewClass = LiveViewClass & { permissionRequired: string[]; adminTemplates?: Templates };

/** The view id suffix of a page path: its segments joined with "-" (`reports/sales/` → `reports-sales`). */
export function pageViewId(path: string): string {
  return path.slice(0, -1).replace(/\//g, "-");
}

/**
 * Makes the page class of `View` for `page` on `site`.
 * @param View - the developer's LiveView class (checked by `resolvePageOptions`)
 * @param site - the site (its prefix and id)
 * @param page - the checked options
 * @returns the class, registered as `<site id>-page-<path with "-" for "/">`, with the page's `title`
 */
export function pageView(View: LiveViewClass, site: AdminSiteLike, page: ResolvedPage): PageViewClass {
  const Base = View as unknown as new () => { mount(): void };
  const own = (View.prototype as { render?: (it: unknown) => string }).render;
  const crumbs = [{ label: "Dashboard", url: `${site.prefix}/` }, { label: page.title }];
  const cls = class extends Base {
    render(it: Record<string, unknown>): string {
      const t = (cls as unknown as PageViewClass).adminTemplates;
      if (!t) throw new Error(`weft admin: the page ${page.path} is rendered outside the admin: it is mounted by adminPlugin`);
      const inner: string = own ? own.call(this, it) : t.render(View.template!, it);
      return t.render(HEAD, { crumbs, title: page.title }) + inner;
    }
  };
  Object.defineProperty(cls, "name", { value: View.name });
  Object.assign(cls, { id: `${site.id}-page-${pageViewId(page.path)}`, title: page.title, permissionRequired: page.permissions });
  return guardWidget(cls as unknown as PageViewClass);
}
