/**
 * The site's own pages (`site.page`): their classes, checked options, and the sidebar entries
 * each user gets.
 */
import type { LiveViewClass } from "@weft/server";
import type { SessionUser } from "../auth/index.js";
import { staffHoldsAll } from "../shell/slots.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { adminError } from "../errors.js";
import { checkPagePath, resolvePageOptions, type AdminPageOptions, type ResolvedPage } from "./options.js";
import { pageView, pageViewId, type PageViewClass } from "./page-view.js";

/** A sidebar entry of a page. */
export interface NavPage {
  label: string;
  url: string;
  icon?: string;
}

/** A sidebar section of pages: `group` null for the entries under "Dashboard". */
export interface NavPageGroup {
  group: string | null;
  pages: NavPage[];
}

/** A registered page: its checked options and the class the admin mounts. */
export interface AdminPage extends ResolvedPage {
  view: PageViewClass;
}

/** The pages of a site, in registration order. */
export class PageRegistry {
  private pages = new Map<string, AdminPage>();

  /** @param site - the site the pages belong to */
  constructor(private readonly site: AdminSiteLike) {}

  /**
   * Registers a page (see `AdminSite.page`).
   * @returns the page class the admin mounts
   * @throws WeftAdminError `WEFT_ADMIN_ERR_PAGE_PATH` / `WEFT_ADMIN_ERR_PAGE_TWICE` / `WEFT_ADMIN_ERR_PAGE_OPTIONS`
   */
  add(path: string, View: LiveViewClass, opts: AdminPageOptions, taken: (path: string) => string | null): PageViewClass {
    const p = checkPagePath(path);
    const resolved = resolvePageOptions(View, opts);
    // view ids spell "/" as "-": "a-b/" and "a/b/" would share one
    const twin = this.all().find((q) => pageViewId(q.path) === pageViewId(p));
    const clash = twin ? (twin.path === p ? "another site.page" : `the site.page "${twin.path}" (their view ids would be the same)`) : taken(p);
    if (clash) throw adminError("WEFT_ADMIN_ERR_PAGE_TWICE", `weft admin: site.page path "${p}" is taken by ${clash}: give the page another path`);
    const page: ResolvedPage = { ...resolved, path: p, seq: this.pages.size };
    const view = pageView(View, this.site, page);
    this.pages.set(p, { ...page, view });
    return view;
  }

  /** Every page, in registration order. */
  all(): AdminPage[] {
    return [...this.pages.values()];
  }

  /**
   * The sidebar entries `user` may see (a staff user holding every `permissionRequired`):
   * ungrouped entries first, then the groups by their first entry's `order`; entries by `order`,
   * then registration order.
   */
  nav(user: SessionUser | null | undefined): NavPageGroup[] {
    const visible = this.all()
      .filter((p) => p.nav && staffHoldsAll(user, p.permissions))
      .sort((a, b) => a.nav!.order - b.nav!.order || a.seq - b.seq);
    const groups = new Map<string | null, NavPageGroup>();
    if (visible.some((p) => p.nav!.group === null)) groups.set(null, { group: null, pages: [] });
    for (const p of visible) {
      const g = p.nav!.group;
      if (!groups.has(g)) groups.set(g, { group: g, pages: [] });
      groups.get(g)!.pages.push({ label: p.title, url: `${this.site.prefix}/${p.path}`, ...(p.icon ? { icon: p.icon } : {}) });
    }
    return [...groups.values()];
  }
}
