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
