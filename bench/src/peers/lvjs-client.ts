/**
 * A LiveViewJS 0.8.1 client for the load generator: what phoenix_live_view's JavaScript does
 * on the wire, without a DOM. Phoenix channel frames `[joinRef, ref, topic, event, payload]`
 * (JSON text, protocol vsn 2.0.0) over `/live/websocket`:
 *
 * - join: `["1","1","lv:phx-<id>","phx_join",{url, params:{_csrf_token,_mounts:0}, session, static}]`
 *   → `["1","1",topic,"phx_reply",{status:"ok",response:{rendered:{…}}}]`;
 * - event: `["1","<ref>",topic,"event",{type:"click",event,value}]`
 *   → `["1","<ref>",topic,"phx_reply",{status:"ok",response:{diff:{…}}}]`;
 * - server push: `[null,null,topic,"diff",{…}]`;
 * - heartbeat every 30 s: `[null,"<ref>","phoenix","heartbeat",{}]` (LiveViewJS shuts a
 *   view down after 60 s without one).
 *
 * It has the surface the load loops drive ({@link LoadSocket}), like Weft's BenchSocket.
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { fetchHtml } from "../http.js";
import { closeSocket } from "../wsclient.js";
import type { LoadSocket } from "../figures/latency.js";

/** What a LiveViewJS page gives the client to join its view. */
export interface LvjsPage {
  url: string;
  csrf: string;
  session: string;
  /** `lv:phx-<id>` */
  topic: string;
}

/**
 * GETs a LiveViewJS page and reads its CSRF token, signed session and view id.
 * @throws Error on a non-200 answer or a page without them
 */
export async function getLvjsPage(base: string, path: string): Promise<LvjsPage> {
  const { status, html } = await fetchHtml(base, path);
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status}`);
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  const session = /data-phx-session="([^"]+)"/.exec(html)?.[1];
  const id = /id="(phx-[^"]+)"/.exec(html)?.[1];
  if (!csrf || !session || !id) throw new Error(`GET ${path}: no LiveViewJS root in the page`);
  return { url: base + path, csrf, session, topic: `lv:${id}` };
}

type Frame = [string | null, string | null, string, string, Record<string, unknown>];

/** One LiveViewJS WebSocket with one joined view. */
export class LvjsSocket implements LoadSocket {
  readonly pending = new Map<number, number>();
  onReply?: (latencyMs: number, ok: boolean, sentAt: number, text: string) => void;
  errors: unknown[] = [];
  /** the join reply, verbatim */
  joinText = "";
  private ref = 1;
  private joinRef = "1";
  private topic = "";
  private pushWaiters: Array<(text: string) => void> = [];
  private replyWaiters = new Map<number, (text: string) => void>();
  private heartbeat: NodeJS.Timeout;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const now = performance.now();
      const text = data.toString("utf8");
      const f = JSON.parse(text) as Frame;
      if (f[3] === "phx_reply") {
        const seq = Number(f[1]);
        const t0 = this.pending.get(seq);
        const ok = f[4].status === "ok";
        if (!ok) this.errors.push(f);
        if (t0 !== undefined) {
          this.pending.delete(seq);
          this.onReply?.(now - t0, ok, t0, text);
        }
        const w = this.replyWaiters.get(seq);
        if (w) {
          this.replyWaiters.delete(seq);
          w(text);
        }
      } else if (f[3] === "diff") {
        const ws = this.pushWaiters;
        this.pushWaiters = [];
        for (const w of ws) w(text);
      } else if (f[3] === "phx_error") this.errors.push(f);
    });
    ws.on("error", () => {});
    this.heartbeat = setInterval(() => this.send([null, String(++this.ref), "phoenix", "heartbeat", {}]), 30_000);
    this.heartbeat.unref();
    ws.once("close", () => clearInterval(this.heartbeat));
  }

  /** Opens `/live/websocket` as phoenix.js does (`?_csrf_token=…&vsn=2.0.0`), no permessage-deflate. */
  static open(base: string, page: LvjsPage): Promise<LvjsSocket> {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/live/websocket?_csrf_token=${encodeURIComponent(page.csrf)}&vsn=2.0.0`, {
      headers: { origin: base },
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new LvjsSocket(ws)));
      ws.once("error", reject);
    });
  }

  private send(f: Frame): void {
    this.ws.send(JSON.stringify(f));
  }

  /** Joins the page's view; resolves with the reply text. @throws Error if refused or not answered in 10 s */
  async join(page: LvjsPage): Promise<string> {
    this.topic = page.topic;
    const seq = ++this.ref;
    this.joinRef = String(seq);
    const text = await this.call(seq, () =>
      this.send([this.joinRef, this.joinRef, page.topic, "phx_join", { url: page.url, params: { _csrf_token: page.csrf, _mounts: 0 }, session: page.session, static: "" }]),
    );
    if (!text.includes('"rendered"')) throw new Error(`LiveViewJS join refused: ${text.slice(0, 200)}`);
    this.joinText = text;
    return text;
  }

  /** Sends a click event (the view is the socket's only one; `ref` is ignored). Returns its seq. */
  event(_ref: number, name: string, payload: object): number {
    const seq = ++this.ref;
    this.pending.set(seq, performance.now());
    this.send([this.joinRef, String(seq), this.topic, "event", { type: "click", event: name, value: payload }]);
    return seq;
  }

  /** Sends a click event and resolves with its reply text. */
  request(name: string, payload: object): Promise<string> {
    const seq = this.ref + 1;
    return this.call(seq, () => this.event(1, name, payload));
  }

  /** Registers a waiter for the reply to `seq`, then runs `send`. */
  private call(seq: number, send: () => void): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.replyWaiters.delete(seq);
        reject(new Error(`LiveViewJS: no reply to #${seq}`));
      }, 10_000);
      this.replyWaiters.set(seq, (text) => {
        clearTimeout(t);
        resolve(text);
      });
      send();
    });
  }

  /** Resolves with the next server push (`diff`) frame's text. */
  nextPush(timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("LiveViewJS: no push")), timeoutMs);
      this.pushWaiters.push((text) => {
        clearTimeout(t);
        resolve(text);
      });
    });
  }

  /** Closes the socket and resolves once closed (or after 2 s). */
  close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return closeSocket(this.ws);
  }
}
