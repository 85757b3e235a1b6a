/** The site's own pages inside the admin shell (`site.page`), as Django admin's custom views in `get_urls`. */
export { PageRegistry, type AdminPage, type NavPage, type NavPageGroup } from "./registry.js";
export { RESERVED_SEGMENTS, type AdminPageOptions, type PageNavOptions } from "./options.js";
export type { PageViewClass } from "./page-view.js";
