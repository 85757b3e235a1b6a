/**
 * A protocol-speaking WebSocket client for the load generator: what the browser runtime
 * does on the wire (join a view root with its token, send events, read replies), without a
 * DOM. Frames are the exact text frames the server sent, kept as strings so their size can
 * be measured, and read with the shared codec (`@weft/client/codec`).
 */
import { performance } from "node:perf_hooks";
import { answeredSeq, decodeServerFrame, heartbeatFrame, isReply, joinFrame, type ServerMessage } from "@weft/client/codec";
import WebSocket from "ws";

/** A server frame: the parsed array, the exact text it came in, and the frame decoded. */
export interface Received {
  frame: unknown[];
  text: string;
  message: ServerMessage;
}

type Waiter = {
  pred: (f: unknown[], m: ServerMessage) => boolean;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

/** One WebSocket, as one browser tab holds it. */
export class BenchSocket {
  /** events sent and not yet answered: seq → performance.now() just before `ws.send` */
  readonly pending = new Map<number, number>();
  /** called for every reply (`a`, `ar`, `ad`) or error (`!` naming a seq) to an event sent with {@link event} */
  onReply?: (latencyMs: number, ok: boolean, sentAt: number, r: Received) => void;
  /** error frames received (`["!", …]`), whatever they answer */
  errors: unknown[][] = [];
  closed?: { code: number; reason: string };
  private seq = 0;
  private waiters: Waiter[] = [];
  /** a heartbeat every 30 s, as the browser runtime sends (the server closes a socket silent for 75 s) */
  private heartbeat = setInterval(() => {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(heartbeatFrame()));
  }, 30_000).unref();

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      const now = performance.now();
      const text = isBinary ? "" : data.toString("utf8");
      const frame = JSON.parse(text) as unknown[];
      const message = decodeServerFrame(frame);
      const r: Received = { frame, text, message };
      if (frame[0] === "!") this.errors.push(frame);
      const seq = answeredSeq(message);
      if (seq !== undefined) {
        const t0 = this.pending.get(seq);
        if (t0 !== undefined) {
          this.pending.delete(seq);
          this.onReply?.(now - t0, isReply(message), t0, r);
        }
      }
      if (this.waiters.length) {
        const keep: Waiter[] = [];
        for (const w of this.waiters) {
          if (w.pred(frame, message)) {
            clearTimeout(w.timer);
            w.resolve(r);
          } else keep.push(w);
        }
        this.waiters = keep;
      }
    });
    ws.on("close", (code, reason) => {
      clearInterval(this.heartbeat);
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters) {
        clearTimeout(w.timer);
        w.reject(new Error(`socket closed (${code} ${reason.toString()})`));
      }
      this.waiters = [];
    });
    ws.on("error", () => {});
  }

  /**
   * Opens the live socket of the server at `base` with the page's session cookie and an
   * `Origin` of the page (as a browser would). No permessage-deflate, so the frames measured
   * are the text the server wrote.
   */
  static open(base: string, cookie: string): Promise<BenchSocket> {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/live/websocket?v=1`, {
      headers: { cookie, origin: base },
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new BenchSocket(ws)));
      ws.once("error", reject);
    });
  }

  /** Resolves with the first frame from now on that satisfies `pred` (given the parsed array and the decoded frame). */
  next(pred: (f: unknown[], m: ServerMessage) => boolean, what = "frame", timeoutMs = 10_000): Promise<Received> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`socket closed before ${what}`));
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`timed out waiting for ${what}; errors: ${JSON.stringify(this.errors).slice(0, 300)}`));
      }, timeoutMs);
      this.waiters.push({ pred, resolve, reject, timer });
    });
  }

  /**
   * Joins the view root with `token` as `ref` and resolves with the join's answer: its first
   * render (`r`), or `unchanged` (`=`) when `html` (the root's inner HTML in the page, see
   * `rootInner` of @weft/server/testing) was given and is the server's render, as a browser's join is answered.
   */
  async join(ref: number, token: string, url: string, html?: string): Promise<Received> {
    const got = this.next((f) => (f[0] === "r" || f[0] === "=" || f[0] === "!") && f[1] === ref, `join of ref ${ref}`);
    this.ws.send(JSON.stringify(joinFrame(ref, token, url, undefined, html)));
    const r = await got;
    if (r.frame[0] === "!") throw new Error(`join refused: ${r.text}`);
    return r;
  }

  /**
   * Sends the event frame `["e", ref, seq, name, payload]`, recording the send time in
   * {@link pending}. Returns the seq.
   */
  event(ref: number, name: string, payload: object): number {
    const seq = ++this.seq;
    const text = JSON.stringify(["e", ref, seq, name, payload]);
    this.pending.set(seq, performance.now());
    this.ws.send(text);
    return seq;
  }

  /** Sends an event and resolves with its reply frame (`a`, `ar`, `ad`, or `!` naming its seq). */
  request(ref: number, name: string, payload: object, timeoutMs = 10_000): Promise<Received> {
    const seq = this.seq + 1;
    const got = this.next((_f, m) => answeredSeq(m) === seq, `reply to ${name} #${seq}`, timeoutMs);
    this.event(ref, name, payload);
    return got;
  }

  /** Closes the socket and resolves once the close handshake is done (or after 2 s). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return closeSocket(this.ws);
  }
}

/** Closes `ws` (code 1000) and resolves once the close handshake is done, or terminates it after 2 s. */
export function closeSocket(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    ws.once("close", () => {
      clearTimeout(t);
      resolve();
    });
    ws.close(1000);
  });
}
