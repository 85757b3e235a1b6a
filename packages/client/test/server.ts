// A scripted fake Weft server for the runtime tests: node:http serves pages and the built
// bundle, a `ws` WebSocketServer records every client frame and answers joins with the
// view's current HTML. Tests drive everything else by hand (deltas, replies, closes).
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { C_HEARTBEAT, C_JOIN, type Delta } from "../src/protocol.js";
import { encodeFrame, heartbeatFrame, htmlHash, renderedFrame, unchangedFrame, updateFrame, type ServerFrame } from "../src/codec.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** One browser connection and every frame it sent. */
export interface Conn {
  ws: WebSocket;
  /** the upgrade request's path and query */
  url: string;
  frames: unknown[][];
  /** last HTML sent per view ref (to compute deltas) */
  last: Map<number, string>;
}

/** Smallest single-splice delta from `a` to `b` (ASCII test strings). */
export function delta(a: string, b: string): Delta {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return [p, a.length - p - s, b.slice(p, b.length - s)];
}

/** A view root as the server renders it on the HTTP page. */
export const root = (id: string, token: string, inner: string, extra = "") =>
  `<div id="${id}" lv-view="v" lv-token="${token}"${extra}>${inner}</div>`;

const HOOKS = `
window.hookLog = [];
window.weftHooks = {
  Chart: {
    mounted() {
      hookLog.push("mounted:" + this.el.id);
      this.handleEvent("ping", (p) => { hookLog.push("ping:" + p.n); this.pushEvent("pong", { n: p.n }); });
    },
    updated() { hookLog.push("updated:" + this.el.id); },
    destroyed() { hookLog.push("destroyed:" + this.el.id); },
    disconnected() { hookLog.push("disconnected:" + this.el.id); },
    reconnected() { hookLog.push("reconnected:" + this.el.id); },
  },
};`;

export class FakeServer {
  http: Server;
  wss: WebSocketServer;
  conns: Conn[] = [];
  /** page path → body HTML (and optional extra head HTML) */
  pages = new Map<string, { body: string; head?: string; module?: boolean }>();
  /** token → the view's current inner HTML, rendered on every join */
  views = new Map<string, string>();
  /** page loads, by path */
  hits: string[] = [];
  /** extra frame handler, run after the default one */
  onFrame: (c: Conn, f: unknown[]) => void = () => {};
  /** when false, joins are recorded but not answered */
  autoJoin = true;
  /** when false, heartbeats are recorded but not answered */
  answerHeartbeats = true;

  constructor() {
    this.http = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      const asset = (file: string) => {
        res.writeHead(200, { "content-type": "text/javascript" });
        res.end(file === "hooks.js" ? HOOKS : readFileSync(dist + file));
      };
      if (path === "/weft.js" || path === "/weft.mjs" || path === "/hooks.js") return asset(path.slice(1));
      const page = this.pages.get(path);
      if (!page) return res.writeHead(404).end();
      this.hits.push(req.url ?? "");
      const rt = page.module ? `<script type="module" src="/weft.mjs"></script>` : `<script src="/weft.js" defer></script>`;
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'self'; script-src 'self'; connect-src 'self'",
      });
      res.end(
        `<!doctype html><html><head><meta charset="utf-8">${page.head ?? ""}${rt}` +
          `<script src="/hooks.js" defer></script></head><body>${page.body}</body></html>`,
      );
    });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on("connection", (ws, req) => {
      const c: Conn = { ws, url: req.url ?? "", frames: [], last: new Map() };
      this.conns.push(c);
      ws.on("message", (data) => {
        const f = JSON.parse(String(data)) as unknown[];
        c.frames.push(f);
        if (f[0] === C_HEARTBEAT && this.answerHeartbeats) ws.send(encodeFrame(heartbeatFrame()));
        if (f[0] === C_JOIN && this.autoJoin) {
          const html = this.views.get(f[2] as string);
          // as the real server: "unchanged" when the join's hash is the view's HTML
          if (html !== undefined) this.send(c, f[5] === htmlHash(html) ? unchangedFrame(f[1] as number) : renderedFrame(f[1] as number, html)), c.last.set(f[1] as number, html);
        }
        this.onFrame(c, f);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.http.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  reset() {
    for (const c of this.conns) c.ws.terminate();
    this.conns = [];
    this.pages.clear();
    this.views.clear();
    this.hits = [];
    this.onFrame = () => {};
    this.autoJoin = true;
    this.answerHeartbeats = true;
  }

  send(c: Conn, f: ServerFrame) {
    c.ws.send(encodeFrame(f));
  }

  /** Sends the delta from the last HTML of `ref` on `c` to `html`. */
  render(c: Conn, ref: number, html: string) {
    this.send(c, updateFrame(ref, delta(c.last.get(ref)!, html)));
    c.last.set(ref, html);
  }

  /** Every frame of every connection, with its connection. */
  all(): Array<[Conn, unknown[]]> {
    return this.conns.flatMap((c) => c.frames.map((f) => [c, f] as [Conn, unknown[]]));
  }

  async close() {
    this.reset();
    this.wss.close();
    await new Promise((r) => this.http.close(r));
  }
}

/** Polls `f` until it returns something truthy (10 s at most). */
export async function until<T>(f: () => T | undefined | null | false, what = "condition"): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
