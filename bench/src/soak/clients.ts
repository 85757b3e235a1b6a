/**
 * Soak clients: sockets holding several joined views each, sending one event per second per
 * interactive view, and checking that every event gets exactly one reply, in order.
 */
import { performance } from "node:perf_hooks";
import { answeredSeq, decodeServerFrame } from "@weft/client/codec";
import { getPage } from "../http.js";
import { BenchSocket } from "../wsclient.js";

/** The demo views the soak mixes. KPI views have no event; they receive the pushes. */
export const KINDS = [
  { kind: "counter", path: "/counter", event: "inc", payload: () => ({}) },
  { kind: "table", path: "/table", event: "restock", payload: () => ({ id: String(1 + Math.floor(Math.random() * 50)) }) },
  { kind: "kpi", path: "/kpi", event: undefined, payload: () => ({}) },
] as const;

/** One joined view on a soak socket. */
interface SoakView {
  ref: number;
  kind: (typeof KINDS)[number];
  /** seqs sent to this view and not answered yet, in send order */
  waiting: number[];
}

/** Counters shared by all soak sockets (one object per run). */
export class Tally {
  sent = 0;
  replies = 0;
  /** `!` frames answering an event (rate limit, server error…) */
  errorReplies = 0;
  /** a reply that came before the reply to an earlier event of the same view */
  reordered = 0;
  /** a reply to a seq that was not waiting (already answered, or never sent) */
  unexpected = 0;
  /** frames pushed to KPI views (`d` / `r` frames outside a reply) */
  pushes = 0;
  /** sockets closed by the server while the run went on */
  closedEarly = 0;
  /** round trips (ms), one array per minute of the run (by send time) */
  perMinute: number[][] = [];
  /** round trips (ms) since the last {@link takeWindow} */
  window: number[] = [];
  /** start of the measured load (performance.now()); minutes count from here */
  t0 = performance.now();
  takeWindow(): number[] {
    const w = this.window;
    this.window = [];
    return w;
  }
}

/** A socket with `views` joined (refs 1…n), all under the session of its first page. */
export class SoakSocket {
  private views = new Map<number, SoakView>();
  private timer?: NodeJS.Timeout;
  stopping = false;

  private constructor(readonly sock: BenchSocket, private tally: Tally) {
    sock.ws.on("message", (data: Buffer) => this.onFrame(JSON.parse(data.toString("utf8")) as unknown[]));
    sock.ws.on("close", () => {
      if (!this.stopping) tally.closedEarly++;
    });
  }

  /**
   * Opens a socket and joins one view of each kind in `kinds` (GET of the page with the
   * socket's session cookie for each, as tabs of one browser would).
   */
  static async open(base: string, kinds: (typeof KINDS)[number][], tally: Tally): Promise<SoakSocket> {
    const first = await getPage(base, kinds[0]!.path);
    const sock = await BenchSocket.open(base, first.cookie);
    const s = new SoakSocket(sock, tally);
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]!;
      const page = i === 0 ? first : await getPage(base, kind.path, first.cookie);
      await sock.join(i + 1, page.roots[0]!.token, base + kind.path);
      s.views.set(i + 1, { ref: i + 1, kind, waiting: [] });
    }
    return s;
  }

  /** Sends one event per interactive view every second, starting after a random phase. */
  start(): void {
    this.measure();
    const tick = () => {
      if (this.sock.closed) return;
      for (const v of this.views.values()) {
        if (!v.kind.event) continue;
        const seq = this.sock.event(v.ref, v.kind.event, v.kind.payload());
        v.waiting.push(seq);
        this.tally.sent++;
      }
    };
    setTimeout(() => {
      if (this.stopping) return;
      tick();
      this.timer = setInterval(tick, 1000);
    }, Math.random() * 1000);
  }

  /** Stops sending (replies still counted). */
  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
  }

  /** Events sent and never answered. */
  lost(): number {
    let n = 0;
    for (const v of this.views.values()) n += v.waiting.length;
    return n;
  }

  private onFrame(f: unknown[]): void {
    const seq = answeredSeq(decodeServerFrame(f));
    const v = this.views.get(f[1] as number);
    if (typeof seq !== "number") {
      if ((f[0] === "d" || f[0] === "r") && v?.kind.kind === "kpi") this.tally.pushes++;
      return;
    }
    const at = v ? v.waiting.indexOf(seq) : -1;
    if (!v || at < 0) {
      this.tally.unexpected++;
      return;
    }
    if (at > 0) this.tally.reordered++;
    v.waiting.splice(at, 1);
    this.tally.replies++;
    if (f[0] === "!") this.tally.errorReplies++;
  }

  /** Records round trips reported by the BenchSocket (its listener measures them). */
  measure(): void {
    this.sock.onReply = (lat, _ok, sentAt) => {
      const minute = Math.floor((sentAt - this.tally.t0) / 60_000);
      (this.tally.perMinute[minute] ??= []).push(lat);
      this.tally.window.push(lat);
    };
  }

  close(): Promise<void> {
    this.stop();
    return this.sock.close();
  }
}
