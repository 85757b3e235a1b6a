import { encodeFrame, errorFrame, heartbeatFrame, type ServerFrame } from "@weft/client/codec";
import {
  CLOSE_IDLE,
  CLOSE_JOIN_TIMEOUT,
  CLOSE_RATE_LIMITED,
  CLOSE_SESSION_ENDED,
  CLOSE_TOO_LARGE,
  C_CHUNK,
  C_EVENT,
  C_HEARTBEAT,
  C_JOIN,
  C_LEAVE,
  C_PARAMS,
  C_UPLOAD,
  E_BAD_FRAME,
  E_RATE_LIMITED,
  E_SERVER,
  E_TOO_MANY_VIEWS,
  E_UNAUTHORIZED,
  E_UNKNOWN_VIEW,
} from "@weft/client/protocol";
import type { WebSocket } from "ws";
import { NotFoundError, UnauthorizedError } from "../live/mount.js";
import { ViewRuntime, type Outbox } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { Session } from "../live/types.js";
import { decodeClientFrame as decodeFrame, FrameError, type ClientMessage } from "@weft/client/codec";
import { RateLimiter, type Limits } from "./limits.js";
import { TokenError } from "../live/token.js";
import type { SessionAuthority, SocketSession } from "./authority.js";

/**
 * One browser tab's WebSocket: multiplexes its views by ref, enforces the limits, and
 * coalesces renders while the socket is slow to read.
 */
export class LiveSocket implements Outbox {
  private views = new Map<number, ViewRuntime>();
  private limiter: RateLimiter;
  /** upload chunks have their own budget: they never eat the events' */
  private chunks: RateLimiter;
  private joinTimer: NodeJS.Timeout;
  private idleTimer: NodeJS.Timeout;
  private heldBack = false;
  private closed = false;
  /** the session as session authority last loaded it; gates every frame but heartbeats */
  private guard: SocketSession;

  constructor(
    private ws: WebSocket,
    session: Session,
    /** the page origin, base for the URLs the client sends */
    private origin: string,
    private services: LiveServices,
    private limits: Limits,
    private live: Set<ViewRuntime>,
    authority: SessionAuthority,
  ) {
    this.guard = authority.attach(session, { ended: (url) => this.close(CLOSE_SESSION_ENDED, url), changed: (s) => void this.reauthorize(s) });
    this.limiter = new RateLimiter(limits.maxEventsPerSecond);
    this.chunks = new RateLimiter(limits.maxChunksPerSecond);
    this.joinTimer = setTimeout(() => this.views.size || this.close(CLOSE_JOIN_TIMEOUT, "join timeout"), limits.joinTimeoutMs);
    this.idleTimer = setTimeout(() => this.close(CLOSE_IDLE, "idle"), limits.idleTimeoutMs);
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.on("close", () => void this.teardown());
    ws.on("error", (err) => services.log.debug({ err }, "weft: socket error"));
  }

  // ---- Outbox ----

  send(frame: ServerFrame): void {
    if (this.closed) return;
    this.ws.send(encodeFrame(frame), () => this.drained());
    if (this.ws.bufferedAmount > this.limits.dropBufferedBytes) this.drop();
  }

  congested(): boolean {
    if (this.ws.bufferedAmount <= this.limits.maxBufferedBytes) return false;
    this.heldBack = true;
    return true;
  }

  // ---- receiving ----

  private receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.idleTimer.refresh();
    // ws's maxPayload already refuses these when weft registered @fastify/websocket; an app's own
    // registration may allow more, so the limit is enforced here either way
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > this.limits.maxFrameBytes) return this.close(CLOSE_TOO_LARGE, "frame too large");
    if (!Buffer.isBuffer(data)) data = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) return this.error(0, E_BAD_FRAME, "binary frames are not part of the protocol");
    let frame: ClientMessage;
    try {
      frame = decodeFrame(data.toString("utf8"));
    } catch (err) {
      const e = err as FrameError;
      return this.error(e.ref ?? 0, E_BAD_FRAME, e.message, e.seq);
    }
    if (frame.type === C_HEARTBEAT) return this.send(heartbeatFrame());
    const limiter = frame.type === C_CHUNK ? this.chunks : this.limiter;
    if (!limiter.take()) {
      if (limiter.abusive()) return this.close(CLOSE_RATE_LIMITED, "rate limit exceeded");
      return this.error(frame.ref, E_RATE_LIMITED, limiter === this.chunks ? "too many upload chunks" : "too many events", frame.type === C_EVENT ? frame.seq : undefined);
    }
    this.guard.run(() => this.dispatch(frame));
  }

  /** A frame, once session authority knows the session is current. */
  private dispatch(frame: ClientMessage): void {
    switch (frame.type) {
      case C_JOIN:
        return void this.join(frame);
      case C_LEAVE: {
        const v = this.views.get(frame.ref);
        if (!v) return this.error(frame.ref, E_UNKNOWN_VIEW, "no such view");
        this.views.delete(frame.ref);
        this.live.delete(v);
        return void v.stop();
      }
      case C_EVENT: {
        const v = this.views.get(frame.ref);
        if (!v) return this.error(frame.ref, E_UNKNOWN_VIEW, "no such view", frame.seq);
        return void v.event(frame.seq, frame.name, frame.payload, frame.target);
      }
      case C_PARAMS: {
        const v = this.views.get(frame.ref);
        const url = this.url(frame.url);
        if (!v) return this.error(frame.ref, E_UNKNOWN_VIEW, "no such view");
        if (!url) return this.error(frame.ref, E_BAD_FRAME, "url must be a URL of this site");
        return void v.params(url);
      }
      case C_UPLOAD:
      case C_CHUNK: {
        const v = this.views.get(frame.ref);
        if (!v) return this.error(frame.ref, E_UNKNOWN_VIEW, "no such view");
        return void (frame.type === C_UPLOAD ? v.upload(frame.name, frame.files) : v.chunk(frame.entry, frame.data));
      }
    }
  }

  private async join(f: Extract<ClientMessage, { type: typeof C_JOIN }>): Promise<void> {
    if (this.views.has(f.ref)) return this.error(f.ref, E_UNKNOWN_VIEW, "view ref already joined");
    if (this.views.size >= this.limits.maxViewsPerSocket) return this.error(f.ref, E_TOO_MANY_VIEWS, `at most ${this.limits.maxViewsPerSocket} views per socket`);
    const url = this.url(f.url);
    if (!url) return this.error(f.ref, E_BAD_FRAME, "url must be a URL of this site");
    let claims;
    try {
      claims = this.services.signer.verify(f.token);
      if (claims.s !== this.guard.session.id) throw new TokenError("invalid_token");
    } catch (err) {
      const code = err instanceof TokenError ? err.reason : "invalid_token";
      return this.error(f.ref, code, code === "expired_token" ? "token expired: reload" : "token refused");
    }
    const cls = this.services.registry.get(claims.v);
    if (!cls) return this.error(f.ref, "invalid_token", "token refused");
    const rt = new ViewRuntime(f.ref, this.services, this);
    this.views.set(f.ref, rt);
    try {
      await rt.join(cls, this.guard.session, url, claims.p ?? {}, claims.i, f.forms);
      if (this.closed || this.views.get(f.ref) !== rt) return void rt.stop();
      this.live.add(rt);
      clearTimeout(this.joinTimer);
    } catch (err) {
      this.views.delete(f.ref);
      void rt.stop();
      if (err instanceof UnauthorizedError || err instanceof NotFoundError) return this.error(f.ref, E_UNAUTHORIZED, "not allowed");
      this.services.log.error({ err, view: claims.v }, "weft: mount failed");
      this.error(f.ref, E_SERVER, "something went wrong");
    }
  }

  /** Session authority: the session changed; views whose `authorize` now refuses it are stopped with `unauthorized`. */
  private async reauthorize(session: Session): Promise<void> {
    const check = async ([ref, v]: [number, ViewRuntime]) => {
      if ((await v.reauthorize(session)) || this.views.get(ref) !== v) return;
      this.views.delete(ref);
      this.live.delete(v);
      void v.stop();
      this.error(ref, E_UNAUTHORIZED, "not allowed");
    };
    await Promise.all([...this.views].map(check));
  }

  // ---- helpers ----

  /** Parses a URL sent by the client; only this site's URLs are accepted. */
  private url(raw: string): URL | null {
    try {
      const u = new URL(raw, this.origin);
      return u.origin === this.origin ? u : null;
    } catch {
      return null;
    }
  }

  private error(ref: number, code: string, message: string, seq?: number): void {
    this.send(errorFrame(ref, code, message, seq));
  }

  /** Send callback: once the buffer is under its bound again, send held-back renders. */
  private drained(): void {
    if (!this.heldBack || this.ws.bufferedAmount > this.limits.maxBufferedBytes) return;
    this.heldBack = false;
    for (const v of this.views.values()) v.flush();
  }

  /** The client stopped reading and the unsent bytes passed `dropBufferedBytes`: no close frame could reach it. */
  private drop(): void {
    this.services.log.warn({ buffered: this.ws.bufferedAmount, views: this.views.size }, "weft: dropping a socket that stopped reading");
    this.ws.terminate();
    void this.teardown();
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.guard.detach();
    clearTimeout(this.joinTimer);
    clearTimeout(this.idleTimer);
    const views = [...this.views.values()];
    this.views.clear();
    for (const v of views) {
      this.live.delete(v);
      await v.stop();
    }
  }
}

