// The protocol fuzz's raw socket (fuzz.test.ts): records and checks everything the server sends
// against the oracle of documented frames and close codes (fuzz-oracle.ts).
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { BAD_REF, badShape, CLOSE_CODES } from "./fuzz-oracle.js";

/** The secret each session's vault renders: a frame carrying the other session's is a leak. */
export const SECRETS: Record<string, string> = { A: `SECRET-A-${randomUUID()}`, B: `SECRET-B-${randomUUID()}` };

/** What the fuzz sent and received, for its summary. */
export const stats = {
  framesSent: 0,
  framesReceived: 0,
  socketsOpened: 0,
  closes: {} as Record<string, number>,
  errors: {} as Record<string, number>,
  received: {} as Record<string, number>,
};
/** Every broken promise seen (the first 50). */
export const violations: string[] = [];
export const violate = (what: string) => violations.length < 50 && violations.push(what);

/** A raw fuzzing socket: records and checks everything the server sends. */
export class FuzzSocket {
  closed?: number;
  seq = 0;
  private heartbeats: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly who: string,
  ) {
    const foreign = SECRETS[who === "A" ? "B" : "A"];
    ws.on("message", (data, isBinary) => {
      stats.framesReceived++;
      const text = data.toString();
      if (isBinary) violate(`binary frame from the server`);
      if (text.includes(foreign)) violate(`session ${who} received the other session's secret: ${text.slice(0, 200)}`);
      let f: unknown;
      try {
        f = JSON.parse(text);
      } catch {
        return void violate(`non-JSON frame ${text.slice(0, 100)}`);
      }
      const bad = badShape(f);
      if (bad) violate(`${bad}: ${text.slice(0, 200)}`);
      const frame = f as unknown[];
      stats.received[String(frame[0])] = (stats.received[String(frame[0])] ?? 0) + 1;
      if (frame[0] === "!") stats.errors[frame[2] as string] = (stats.errors[frame[2] as string] ?? 0) + 1;
      if (frame[0] === "h") this.wake();
      if (["r", "d", "a", "ar", "ad", "m"].includes(frame[0] as string) && (frame[1] as number) >= BAD_REF) {
        violate(`a join with a bad token was accepted: ${text.slice(0, 200)}`);
      }
    });
    ws.on("close", (code) => {
      this.closed = code;
      stats.closes[code] = (stats.closes[code] ?? 0) + 1;
      if (!CLOSE_CODES.has(code)) violate(`undocumented close code ${code}`);
      this.wake();
    });
    ws.on("error", () => {}); // the close event follows and is checked
  }

  static async open(base: string, cookie: string, who: string): Promise<FuzzSocket> {
    const ws = new WebSocket(base.replace("http", "ws") + "/live/websocket?v=1", { headers: { cookie, origin: base } });
    const s = new FuzzSocket(ws, who);
    const cooled = await new Promise<boolean>((resolve, reject) => {
      ws.once("open", () => resolve(false));
      // junk as a socket's first frame cools its session down (abuseCooldownMs, 1 ms here): try again
      ws.once("unexpected-response", (_req, res) => (res.resume(), res.statusCode === 429 ? resolve(true) : reject(new Error(`upgrade refused: ${res.statusCode}`))));
      ws.once("close", () => resolve(false));
    });
    if (cooled) return FuzzSocket.open(base, cookie, who);
    stats.socketsOpened++;
    return s;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer, binary = false): void {
    if (!this.open) return;
    stats.framesSent++;
    this.ws.send(data, { binary });
  }

  /** Sends a heartbeat and waits for its answer or the close: everything before it was received. */
  async barrier(): Promise<void> {
    if (!this.open) return;
    const answered = new Promise<void>((r) => this.heartbeats.push(r));
    this.send('["h"]');
    await answered;
  }

  private wake(): void {
    const w = this.heartbeats.shift();
    if (w) w();
    if (this.closed !== undefined) for (const r of this.heartbeats.splice(0)) r();
  }

  close(): Promise<void> {
    if (this.closed !== undefined) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once("close", () => r());
      this.ws.close(1000);
    });
  }
}
