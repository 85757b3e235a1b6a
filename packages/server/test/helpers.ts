import Fastify, { type FastifyInstance } from "fastify";
import WebSocket from "ws";
import { answeredSeq, decodeServerFrame, htmlAfter, htmlHash, type ServerMessage } from "../../client/src/codec.js";
import { S_HEARTBEAT } from "../../client/src/protocol.js";
import { weft, type WeftOptions } from "../src/index.js";
import type { LiveViewClass } from "../src/live/view.js";

export const SECRET = "test-secret-test-secret-test-secret-0123456789";

/** A real fastify server with weft on an ephemeral port. */
export async function startServer(routes: Record<string, LiveViewClass>, opts: Partial<WeftOptions> = {}) {
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(weft, { secret: SECRET, ...opts });
  for (const [path, cls] of Object.entries(routes)) app.live(path, cls);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${port}`, port };
}

/** A view root of a rendered page: its element id, view id and signed join token. */
export interface ViewRoot {
  id: string;
  view: string;
  token: string;
}

/** The view roots of a rendered page, in document order. */
export function viewRoots(html: string): ViewRoot[] {
  return [...html.matchAll(/<div id="([^"]+)" lv-view="([^"]+)" lv-token="([^"]+)"/g)].map((m) => ({ id: m[1], view: m[2], token: m[3] }));
}

export { rootInner } from "../src/testing/index.js";

/** GETs a live page: its HTML, the session cookie, and the tokens of its view roots (in order). */
export async function getPage(base: string, path: string, cookie?: string) {
  const res = await fetch(base + path, { headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const setCookie = res.headers.get("set-cookie");
  return { res, html, cookie: cookie ?? setCookie?.split(";")[0] ?? "", roots: viewRoots(html) };
}

type Frame = unknown[];

/**
 * A protocol-speaking WebSocket client, as the browser runtime would be. It reads every
 * frame with the shared codec (`decodeServerFrame`, which throws on an undocumented frame)
 * and keeps the raw arrays in {@link frames} for assertions on the wire.
 */
export class Client {
  frames: Frame[] = [];
  /** the frames, decoded (same order as {@link frames}) */
  messages: ServerMessage[] = [];
  raw: string[] = [];
  html = new Map<number, string>();
  closed?: { code: number; reason: string };
  private waiters: Array<() => void> = [];
  private seq = 0;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      this.raw.push(text);
      const f = JSON.parse(text) as Frame;
      const m = decodeServerFrame(f);
      this.frames.push(f);
      this.messages.push(m);
      if (m.type !== S_HEARTBEAT) {
        const html = htmlAfter(m, this.html.get(m.ref) ?? "");
        if (html !== undefined) this.html.set(m.ref, html);
      }
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async open(base: string, cookie: string, opts: { origin?: string; version?: string } = {}): Promise<Client> {
    const url = base.replace("http", "ws") + `/live/websocket?v=${opts.version ?? "1"}`;
    const ws = new WebSocket(url, { headers: { cookie, origin: opts.origin ?? base } });
    const c = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("close", () => resolve());
    });
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Sends a join. With `html` (the root's inner HTML, see {@link rootInner}) the join carries its
   * hash, as the browser runtime's does, and that HTML is the view's base until a render arrives
   * (the server answers `unchanged` when its render is the same).
   */
  join(ref: number, token: string, url = "http://127.0.0.1/", forms?: unknown, html?: string): void {
    if (html === undefined) return this.send(forms ? ["j", ref, token, url, forms] : ["j", ref, token, url]);
    this.html.set(ref, html);
    this.send(["j", ref, token, url, forms ?? null, htmlHash(html)]);
  }

  event(ref: number, name: string, payload: object = {}): number {
    const seq = ++this.seq;
    this.send(["e", ref, seq, name, payload]);
    return seq;
  }

  /** Waits until `pred` holds over the frames received so far (no timing assumptions). */
  async until<T>(pred: () => T | undefined | false, what = "condition", timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames).slice(-800)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  find(pred: (f: Frame) => boolean): Frame | undefined {
    return this.frames.find(pred);
  }

  /** Waits for the answer to event `seq`: its reply (`a`, `ar`, `ad`) or the error naming it; resolves to the raw frame. */
  reply(seq: number) {
    return this.until(() => this.frames[this.messages.findIndex((m) => answeredSeq(m) === seq)], `reply ${seq}`);
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
