/**
 * Connecting a view like a browser tab: GET the page (session cookie + view token), open
 * the live socket with that cookie, join the root, wait for its first render.
 */
import { htmlAfter } from "@weft/client/codec";
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
 * Applies the update a frame carries for `v` (reply `ar` / `ad`, render `r`, delta `d`) to
 * `v.html`, as the browser runtime does before morphing. Returns true if it carried one.
 */
export function track(v: OpenView, r: Received): boolean {
  const html = htmlAfter(r.message, v.html);
  if (html === undefined) return false;
  v.html = html;
  return true;
}
