/**
 * The two servers of the peer bench behind one interface, so every figure runs the same code
 * against both: how to start the server child, how to fetch a page (the HTTP render, kept
 * apart so memory can be measured around the socket and join only), and how to join it.
 */
import { BenchSocket } from "../wsclient.js";
import { rootInner } from "@weft/server/testing";
import { getPage, type Page } from "../http.js";
import type { LoadView } from "../figures/latency.js";
import { getLvjsPage, LvjsSocket, type LvjsPage } from "./lvjs-client.js";

/** A joined view on its own socket (ref 1), as the figures drive it. */
export interface PeerView extends LoadView {
  /** the join reply, verbatim */
  joinText: string;
  /** sends an event and resolves with its reply frame, verbatim */
  request(name: string, payload: object): Promise<string>;
  /** resolves with the next server push frame, verbatim */
  nextPush(timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** One of the two servers. */
export interface Peer<P = unknown> {
  name: "Weft" | "LiveViewJS";
  /** the server child to fork (answers the IPC requests of server.ts) */
  script: URL;
  /** GETs `path` as a browser would (one new session / page per call) */
  page(base: string, path: string): Promise<P>;
  /** opens a socket and joins the page's view */
  join(base: string, page: P): Promise<PeerView>;
}

export const weft: Peer<{ page: Page; path: string }> = {
  name: "Weft",
  script: new URL("../server.js", import.meta.url),
  page: async (base, path) => ({ page: await getPage(base, path), path }),
  async join(base, { page, path }) {
    const sock = await BenchSocket.open(base, page.cookie);
    // as a browser joins: with the hash of the root's HTML, so an unchanged render is not sent again
    const r = await sock.join(1, page.roots[0]!.token, base + path, rootInner(page.html, page.roots[0]!.id));
    return {
      sock,
      joinText: r.text,
      request: async (name, payload) => (await sock.request(1, name, payload)).text,
      nextPush: async (timeoutMs = 10_000) => (await sock.next((f) => f[0] === "d" || f[0] === "r", "push", timeoutMs)).text,
      close: () => sock.close(),
    };
  },
};

export const liveviewjs: Peer<LvjsPage> = {
  name: "LiveViewJS",
  script: new URL("./lvjs-server.js", import.meta.url),
  page: getLvjsPage,
  async join(base, page) {
    const sock = await LvjsSocket.open(base, page);
    const joinText = await sock.join(page);
    return {
      sock,
      joinText,
      request: (name, payload) => sock.request(name, payload),
      nextPush: (timeoutMs) => sock.nextPush(timeoutMs),
      close: () => sock.close(),
    };
  },
};
