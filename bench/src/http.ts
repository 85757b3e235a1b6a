/**
 * Getting a live page the way a browser does: a plain HTTP GET that returns the HTML with
 * one view root per live view (`lv-token` on it) and, on the first visit, the session cookie.
 */
import http from "node:http";

/** One view root found in a page. */
export interface ViewRoot {
  /** DOM id of the root */
  id: string;
  /** registered view id (`lv-view`) */
  view: string;
  /** signed view token (`lv-token`), to send in the join frame */
  token: string;
}

/** What {@link getPage} returns. */
export interface Page {
  html: string;
  /** `name=value` of the session cookie: the one sent, else the one the server set */
  cookie: string;
  roots: ViewRoot[];
}

const ROOT = /<div id="([^"]+)" lv-view="([^"]+)" lv-token="([^"]+)"/g;

/**
 * The inner HTML of the view root `id` in a page, exactly as the server wrote it: what a
 * browser's root holds before JavaScript, whose hash a join sends (`joinFrame(…, html)`).
 * Counts nested `<div>`s to find the root's end.
 * @throws Error when the page has no such root, or it is not closed
 */
export function rootInner(html: string, id: string): string {
  const open = html.indexOf(`<div id="${id}"`);
  if (open < 0) throw new Error(`no view root ${id}`);
  const start = html.indexOf(">", open) + 1;
  const tags = /<div[\s>]|<\/div>/g;
  tags.lastIndex = start;
  for (let depth = 1, m; (m = tags.exec(html)); ) if ((depth += m[0] === "</div>" ? -1 : 1) === 0) return html.slice(start, m.index);
  throw new Error(`view root ${id} is not closed`);
}

/** A plain GET's answer. */
export interface Fetched {
  status: number;
  html: string;
  /** `name=value` of the first `Set-Cookie`, if any */
  setCookie?: string;
}

/**
 * GETs `base + path` (sending `cookie` when given) over a fresh connection that is closed
 * afterwards (`Connection: close`), so no idle keep-alive socket lingers in the server
 * while memory is measured.
 */
export function fetchHtml(base: string, path: string, cookie?: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { connection: "close", accept: "text/html" };
    if (cookie) headers.cookie = cookie;
    const req = http.get(base + path, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const setCookie = res.headers["set-cookie"]?.[0]?.split(";")[0];
        resolve({ status: res.statusCode ?? 0, html: Buffer.concat(chunks).toString("utf8"), ...(setCookie ? { setCookie } : {}) });
      });
    });
    req.on("error", reject);
  });
}

/**
 * GETs a Weft page as {@link fetchHtml} does and finds its view roots.
 *
 * @throws Error on a non-200 answer or a page without view roots
 */
export async function getPage(base: string, path: string, cookie?: string): Promise<Page> {
  const { status, html, setCookie } = await fetchHtml(base, path, cookie);
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status}`);
  const roots = [...html.matchAll(ROOT)].map((m) => ({ id: m[1]!, view: m[2]!, token: m[3]! }));
  if (!roots.length) throw new Error(`GET ${path}: no view root in the page`);
  return { html, cookie: cookie ?? setCookie ?? "", roots };
}
