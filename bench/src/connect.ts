/**
 * Connecting a view like a browser tab: GET the page (session cookie + view token), open
 * the live socket with that cookie, join the root, wait for its first render.
 */
import { applyDelta } from "@weft/client/apply";
import { getPage, type Page } from "./http.js";
import { BenchSocket, type Received } from "./wsclient.js";

/** A joined view on its own socket. */
export interface OpenView {
  sock: BenchSocket;
  ref: number;
  /** the view's current inner HTML (first render, then kept up to date with {@link track}) */
  html: string;
  page: Page;
}

/** One tab: GET `path`, open a socket, join its first view root as ref 1. */
export async function openView(base: string, path: string): Promise<OpenView> {
  const page = await getPage(base, path);
  const sock = await BenchSocket.open(base, page.cookie);
  const r = await sock.join(1, page.roots[0]!.token, base + path);
  return { sock, ref: 1, html: r.frame[2] as string, page };
}

/**
 * Applies the update a frame carries for `v` (reply `a` with an update, delta `d`, render
 * `r`) to `v.html`, as the browser runtime does before morphing. Returns true if it carried one.
 */
export function track(v: OpenView, r: Received): boolean {
  const f = r.frame;
  const update = f[0] === "a" ? f[3] : f[0] === "d" || f[0] === "r" ? f[2] : undefined;
  if (typeof update === "string") v.html = update;
  else if (Array.isArray(update)) v.html = applyDelta(v.html, update as never);
  else return false;
  return true;
}
