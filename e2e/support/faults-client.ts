// Browser-less protocol clients for the fault tests: each one GETs its page (cookie + token),
// opens the page's socket, joins, sends events and records the reply of every seq. When the
// socket drops it reconnects the way the browser runtime does (packages/client/src/socket.ts):
// full-jitter backoff, random() * min(10 s, 250 ms * 2^attempt), attempt reset once the server
// says anything but an error; on reconnect it rejoins with the same token, and events that were
// in flight when the socket dropped are dropped (never re-sent).
import WebSocket from "ws";
import { answeredSeq, decodeServerFrame, htmlAfter } from "../../packages/client/src/codec.js";
import { S_ERROR, S_RENDERED } from "../../packages/client/src/protocol.js";

type Frame = unknown[];

/** What each page's view shows, read from its rendered HTML. */
export const readValue: Record<string, (html: string) => number | undefined> = {
  "/counter": (html) => num(/id="count">\s*(-?\d+)\s*</.exec(html)),
  "/table": (html) => num(/id="row-1">.*?<td class="num stock">(\d+)</s.exec(html)),
};
/** The event each page's view counts. */
export const EVENT: Record<string, [string, object]> = {
  "/counter": ["inc", {}],
  "/table": ["restock", { id: "1" }],
};
const num = (m: RegExpExecArray | null) => (m ? Number(m[1]) : undefined);

/** Full-jitter backoff, as the browser runtime computes it. */
export const backoff = (attempt: number) => Math.random() * Math.min(10_000, 250 * 2 ** attempt);

export class FaultClient {
  ws?: WebSocket;
  cookie = "";
  token = "";
  ref = 0;
  private seq = 0;
  attempt = 0;
  /** connections that reached "open" */
  opens = 0;
  /** failed or dropped connection attempts */
  drops = 0;
  /** joins answered with a render, each with its time */
  renders: number[] = [];
  html = "";
  renderedRef = -1;
  /** seq -> how many replies (or error replies) arrived for it */
  replies = new Map<number, number>();
  /** seq -> the ref it was sent on */
  sentOn = new Map<number, number>();
  /** seqs that were unanswered when their socket dropped (never re-sent) */
  lostInFlight: number[] = [];
  /** every seq ever sent (to prove no seq is sent twice) */
  sent: number[] = [];
  errors: Frame[] = [];
  private stopped = false;
  private waiters: Array<() => void> = [];

  /** the server the current (or last) socket went to */
  at = "";
  /** bases the client connected to, one per opened socket */
  servers: string[] = [];

  /**
   * `route` picks the server of each (re)connect, as a proxy in front of several workers would
   * (default: `base`); the Origin header follows it, as the proxy's public host would.
   */
  constructor(readonly base: string, readonly path: string, readonly route?: () => string) {}

  /** GET the page: session cookie and the view's token. */
  async load(): Promise<void> {
    const res = await fetch(this.base + this.path);
    const html = await res.text();
    this.cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
    const m = /lv-token="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no token on ${this.path}: ${res.status}`);
    this.token = m[1]!;
  }

  /** Opens the socket (and keeps reopening it after drops until `close()`). */
  connect(): void {
    if (this.stopped) return;
    const base = (this.at = this.route?.() ?? this.base);
    const ws = new WebSocket(base.replace("http", "ws") + "/live/websocket?v=1", {
      headers: { cookie: this.cookie, origin: base },
    });
    this.ws = ws;
    let gone = false;
    const down = () => {
      if (gone) return;
      gone = true;
      this.drops++;
      // in flight: sent on this socket's view, unanswered; dropped like the runtime's `pending`
      for (const [s, r] of this.sentOn) if (r === this.ref && !this.replies.has(s)) this.lostInFlight.push(s);
      this.ref++; // the old ref is dead
      this.wake();
      if (this.stopped) return;
      setTimeout(() => this.connect(), backoff(this.attempt++));
    };
    ws.on("open", () => {
      this.opens++;
      this.servers.push(base);
      this.ref++;
      ws.send(JSON.stringify(["j", this.ref, this.token, base + this.path]));
    });
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString()) as Frame;
      const m = decodeServerFrame(f);
      if (m.type !== S_ERROR) this.attempt = 0;
      if (f[1] !== this.ref) return;
      if (m.type === S_RENDERED) {
        this.renderedRef = this.ref;
        this.renders.push(Date.now());
      }
      this.html = htmlAfter(m, this.html) ?? this.html;
      if (m.type === S_ERROR) this.errors.push(f);
      // a reply of any kind, or an error naming the event: the seq was answered
      const seq = answeredSeq(m);
      if (seq !== undefined) this.replies.set(seq, (this.replies.get(seq) ?? 0) + 1);
      this.wake();
    });
    ws.on("error", () => {});
    ws.on("close", down);
  }

  /** the socket is open and its join was answered with a render */
  get joined(): boolean {
    return this.ws?.readyState === WebSocket.OPEN && this.renderedRef === this.ref;
  }

  /** The number the view shows. */
  value(): number | undefined {
    return readValue[this.path]!(this.html);
  }

  /** Sends the counted event; returns its seq (undefined when the socket is not open). */
  event(): number | undefined {
    if (this.ws?.readyState !== WebSocket.OPEN) return undefined;
    const seq = ++this.seq;
    const [name, payload] = EVENT[this.path]!;
    this.sentOn.set(seq, this.ref);
    this.sent.push(seq);
    this.ws.send(JSON.stringify(["e", this.ref, seq, name, payload]));
    return seq;
  }

  async until<T>(pred: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`${this.path}: timed out waiting for ${what}; html ${this.html.slice(0, 200)} errors ${JSON.stringify(this.errors)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Sends the event and waits for its reply. */
  async eventAndReply(): Promise<number> {
    const seq = this.event();
    if (seq === undefined) throw new Error("socket not open");
    await this.until(() => this.replies.has(seq), `reply ${seq}`);
    return seq;
  }

  close(): void {
    this.stopped = true;
    this.ws?.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

/** first / p50 / last of `ms` (sorted copy). */
export function spread(ms: number[]): { first: number; p50: number; last: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { first: s[0]!, p50: s[Math.floor(s.length / 2)]!, last: s[s.length - 1]! };
}
