/**
 * The change list's page links: first / previous / numbers (elided as Django's
 * `Paginator.get_elided_page_range`) / next / last (no last when the count was bounded).
 */

/** One page link (`href` undefined: the current page or a disabled arrow). */
export interface PageLink {
  label: string;
  href: string | undefined;
  /** `first`, `prev`, `next`, `last`, `page`, `current` or `gap` (the "…") */
  kind: "first" | "prev" | "next" | "last" | "page" | "current" | "gap";
  /** accessible name, e.g. "Page 3" */
  title: string;
}

/**
 * Page numbers around `page` with gaps, as Django's `get_elided_page_range(page, on_each_side,
 * on_ends)`: `1 2 … 7 8 9 [10] 11 12 13 … 99 100`. `null` stands for the "…".
 */
export function elidedPages(page: number, pages: number, onEachSide = 3, onEnds = 2): (number | null)[] {
  const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
  if (pages <= (onEachSide + onEnds) * 2) return range(1, pages);
  const out: (number | null)[] = [];
  if (page > 1 + onEachSide + onEnds + 1) out.push(...range(1, onEnds), null, ...range(page - onEachSide, page));
  else out.push(...range(1, page));
  if (page < pages - onEachSide - onEnds - 1) out.push(...range(page + 1, page + onEachSide), null, ...range(pages - onEnds + 1, pages));
  else out.push(...range(page + 1, pages));
  return out;
}

/**
 * The links of the pager; empty when there is a single page.
 * @param page - the current page, 1-based
 * @param pages - the number of pages; with `open`, the pages known to exist
 * @param hrefOf - the URL of a page number
 * @param open - more pages follow `pages` but their number is unknown (a count bounded by
 *   `countLimit`, as Django's `show_full_result_count = False`): the numbers stop after the next
 *   page with a "…", and there is a next link but no last one
 */
export function pageLinks(page: number, pages: number, hrefOf: (n: number) => string, open = false): PageLink[] {
  if (pages <= 1 && !open) return [];
  const at = (n: number, ok: boolean) => (ok ? hrefOf(n) : undefined);
  const hasNext = open || page < pages;
  const links: PageLink[] = [
    { kind: "first", label: "«", title: "First page", href: at(1, page > 1) },
    { kind: "prev", label: "‹", title: "Previous page", href: at(page - 1, page > 1) },
  ];
  const numbers = open ? [...elidedPages(page, page + 1), null] : elidedPages(page, pages);
  for (const n of numbers) {
    if (n === null) links.push({ kind: "gap", label: "…", title: "", href: undefined });
    else if (n === page) links.push({ kind: "current", label: n.toLocaleString("en-US"), title: `Page ${n}`, href: undefined });
    else links.push({ kind: "page", label: n.toLocaleString("en-US"), title: `Page ${n}`, href: hrefOf(n) });
  }
  links.push({ kind: "next", label: "›", title: "Next page", href: at(page + 1, hasNext) });
  if (!open) links.push({ kind: "last", label: "»", title: "Last page", href: at(pages, page < pages) });
  return links;
}
