import { errorFrame, goFrame, heartbeatFrame, type ServerFrame } from "@weft/client/codec";
import {
  CLOSE_BAD_VERSION,
  CLOSE_IDLE,
  CLOSE_JOIN_TIMEOUT,
  CLOSE_RATE_LIMITED,
  CLOSE_SESSION_ENDED,
  CLOSE_TOO_LARGE,
  C_CHUNK,
  CLOSE_TOO_MANY_SOCKETS,
  C_EVENT,
  C_HEARTBEAT,
  C_JOIN,
  C_LEAVE,
  C_NAVIGATE,
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
import { encodeOnce } from "../live/fanout.js";
import type { LiveServices } from "../live/services.js";
import type { Session } from "../live/types.js";
import { decodeClientFrame as decodeFrame, FrameError, type ClientMessage } from "@weft/client/codec";
import { RateLimiter, type Limits } from "./limits.js";
import { TokenError } from "../live/token.js";
import { navigate } from "./navigate.js";
import type { AuthorityTarget, SessionAuthority, SocketSession } from "./authority.js";
import type { SessionCaps } from "./caps.js";
import { logRefusal, logSocketError } from "./refusals.js";
import type { IdleSocket, IdleSweep } from "./idle.js";
import { shut } from "./shut.js";
import { writeText } from "./wire.js";
import { releaseReadChunk } from "./read-buffer.js";
import { ViewsByRef } from "./views.js";

const TEXT = { binary: false } as const;

/** The {@link LiveSocket} that owns a ws socket: its listeners are shared functions that find it here (a closure each is ~0.2 KiB per socket). */
const OWNER = Symbol("weft.liveSocket");
type Owned = WebSocket & { [OWNER]: LiveSocket };

/** The last page origin seen: sockets of the same site share one string. */
let lastOrigin = "";

/**
 * One browser tab's WebSocket: multiplexes its views by ref, enforces the limits, and
 * coalesces renders while the socket is slow to read.
 *
 * Kept small, as there is one per tab: its listeners are closures over `this` alone, the idle
 * timeout is the server's sweep (idle.ts), the upload-chunk budget is made on the first chunk.
 */
export class LiveSocket implements Outbox, AuthorityTarget, IdleSocket {
  private views = new ViewsByRef();
  private limiter: RateLimiter;
  /** upload chunks have their own budget: they never eat the events' (made on the first chunk) */
  private chunks?: RateLimiter;
  /** until the first join (dropped then: a Timeout kept per socket costs ~250 B) */
  private joinTimer?: NodeJS.Timeout;
  /** `Date.now()` of the client's last frame, for the idle sweep */
  heard = Date.now();
  private heldBack = false;
  private closed = false;
  /** the session as session authority last loaded it; gates every frame but heartbeats */
  private guard: SocketSession;
  /** the session's id, the key of its caps (a reload keeps the id) */
  private readonly sid: string;
  /** whether this socket holds one of its session's socket slots */
  private counted = false;
  /** whether a malformed frame from this socket was logged (one line per socket) */
  private loggedBad = false;
  /** whether this socket sent a well-formed frame yet (a real client's first is a join or heartbeat) */
  private spoke = false;

  constructor(
    private ws: WebSocket,
    session: Session,
    /** the page origin, base for the URLs the client sends */
    private origin: string,
    private services: LiveServices,
    private limits: Limits,
    private live: Set<ViewRuntime>,
    authority: SessionAuthority,
    private caps: SessionCaps,
    private sweep: IdleSweep,
  ) {
    this.sid = session.id;
    this.origin = origin === lastOrigin ? lastOrigin : (lastOrigin = origin);
    this.guard = authority.attach(session, this);
    this.limiter = new RateLimiter(limits.maxEventsPerSecond);
    this.joinTimer = setTimeout(() => this.views.size || this.close(CLOSE_JOIN_TIMEOUT, "join timeout"), limits.joinTimeoutMs);
    sweep.watch(this);
    (ws as Owned)[OWNER] = this;
    ws.on("message", LiveSocket.onMessage);
    ws.on("close", LiveSocket.onClose);
    // replaces @fastify/websocket's listener, which logs every refused frame with a stack
    ws.removeAllListeners("error");
    ws.on("error", LiveSocket.onError);
    this.counted = caps.sockets.claim(session.id);
    if (!this.counted) this.refuse(CLOSE_TOO_MANY_SOCKETS, `at most ${caps.sockets.max} sockets per session`);
  }

  // ---- ws listeners, shared by every socket (`this` is the ws socket) ----

  private static onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    (this as Owned)[OWNER].receive(data, isBinary);
  }

  private static onClose(this: WebSocket): void {
    (this as Owned)[OWNER].gone();
  }

  private static onError(this: WebSocket, err: Error & { code?: string }): void {
    (this as Owned)[OWNER].socketError(err);
  }

  // ---- AuthorityTarget, IdleSocket ----

  /** Session authority: the session ended; closes with 4403, `loginUrl` as the reason. */
  ended(loginUrl: string): void {
    this.close(CLOSE_SESSION_ENDED, loginUrl);
  }

  /** Session authority: the session changed; re-checks every view. */
  changed(session: Session): void {
    void this.reauthorize(session);
  }

  /** The idle sweep: no frame for `idleTimeoutMs`; closes with 4410. */
  idle(): void {
    this.close(CLOSE_IDLE, "idle");
  }

  // ---- Outbox ----

  send(frame: ServerFrame): void {
    if (this.closed) return;
    const bytes = encodeOnce(frame);
    const done = () => this.drained();
    // framed here and written to the TCP socket in one write (a shared frame's bytes framed once
    // for all its sockets, wire.ts), or through ws as text (ws would send a Buffer as binary)
    if (!writeText(this.ws, bytes, done)) this.ws.send(bytes, TEXT, done);
    if (this.ws.bufferedAmount > this.limits.dropBufferedBytes) this.drop();
  }

  congested(): boolean {
    if (this.ws.bufferedAmount <= this.limits.maxBufferedBytes) return false;
    this.heldBack = true;
    return true;
  }

  // ---- receiving ----

  private receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return;
    releaseReadChunk(this.ws);
    const now = (this.heard = Date.now());
    // ws's maxPayload already refuses these when weft registered @fastify/websocket; an app's own
    // registration may allow more, so the limit is enforced here either way
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (size > this.limits.maxFrameBytes) {
      logRefusal(this.services.log, { code: "frame_too_large", bytes: size, limit: this.limits.maxFrameBytes }, "frame too large");
      return this.refuse(CLOSE_TOO_LARGE, "frame too large");
    }
    // every frame counts, heartbeats and malformed ones included; a refused one is still read
    // (an event's refusal names its seq) until the refusals make the socket abusive
    if (!Buffer.isBuffer(data)) data = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    // upload chunks (`["c",…`) have their own budget, a token per frame: they never eat the events'
    const chunk = !isBinary && isChunk(data);
    const limiter = chunk ? (this.chunks ??= new RateLimiter(this.limits.maxChunksPerSecond)) : this.limiter;
    const allowed = limiter.take(now, chunk ? 0 : size);
    if (!allowed && limiter.abusive()) {
      logRefusal(this.services.log, { code: "rate_limited", limit: this.limits.maxEventsPerSecond }, "socket closed: rate limit exceeded");
      return this.refuse(CLOSE_RATE_LIMITED, "rate limit exceeded", true);
    }
    let frame: ClientMessage;
    try {
      if (isBinary) throw new FrameError("binary frames are not part of the protocol");
      frame = decodeFrame(data.toString("utf8"));
    } catch (err) {
      const e = err as FrameError;
      // junk before any weft frame is no client of ours: closed at once, its session cooled down
      if (!this.spoke) {
        logRefusal(this.services.log, { code: "bad_first_frame", bytes: size }, `socket closed: its first frame is not a weft frame (${e.message})`);
        return this.refuse(CLOSE_BAD_VERSION, "not a weft frame", true);
      }
      if (!this.loggedBad) logRefusal(this.services.log, { code: "bad_frame", bytes: size }, `malformed frame (${e.message}); later ones from this socket are not logged`);
      this.loggedBad = true;
      return allowed ? this.error(e.ref ?? 0, E_BAD_FRAME, e.message, e.seq) : undefined;
    }
    this.spoke = true;
    // a heartbeat is answered even when refused (the client's liveness check waits for it); it counted
    if (frame.type === C_HEARTBEAT) return this.send(heartbeatFrame());
    if (!allowed) return this.error(frame.ref, E_RATE_LIMITED, chunk ? "too many upload chunks" : "too many events", frame.type === C_EVENT ? frame.seq : undefined);
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
        this.forget(frame.ref);
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
        // a URL of another route (or other route params) is a navigation, never the wrong view's
        // handleParams (checked in the view's queue, so also for a frame sent while it joins)
        return void v.params(url, () => this.send(goFrame(frame.ref, frame.url, true)));
      }
      case C_NAVIGATE: {
        const v = this.views.get(frame.ref);
        const url = this.url(frame.url);
        if (!v) return this.error(frame.ref, E_UNKNOWN_VIEW, "no such view");
        if (!url) return this.error(frame.ref, E_BAD_FRAME, "url must be a URL of this site");
        if (this.views.has(frame.next)) return this.error(frame.ref, E_UNKNOWN_VIEW, "view ref already joined");
        this.views.delete(frame.ref);
        this.live.delete(v);
        void v.stop();
        const rt = new ViewRuntime(frame.next, this.services, this);
        this.views.set(rt);
        return void this.navigated(rt, navigate(this.services, this, v, rt, url, this.guard.session));
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
    if (!this.caps.views.claim(this.sid)) return this.error(f.ref, E_TOO_MANY_VIEWS, `at most ${this.caps.views.max} views per session`);
    const rt = new ViewRuntime(f.ref, this.services, this);
    this.views.set(rt);
    try {
      await rt.join(cls, this.guard.session, url, claims.p ?? {}, claims.i, f.forms, undefined, f.hash);
      if (this.closed || this.views.get(f.ref) !== rt) return void rt.stop();
      this.live.add(rt);
      clearTimeout(this.joinTimer);
      this.joinTimer = undefined;
    } catch (err) {
      if (this.views.get(f.ref) === rt) this.forget(f.ref);
      void rt.stop();
      if (err instanceof UnauthorizedError || err instanceof NotFoundError) return this.error(f.ref, E_UNAUTHORIZED, "not allowed");
      this.services.log.error({ err, view: claims.v }, "weft: mount failed");
      this.error(f.ref, E_SERVER, "something went wrong");
    }
  }

  /** A live navigation's view: tracked like a joined one once mounted, forgotten when it was not. */
  private async navigated(rt: ViewRuntime, ok: Promise<boolean>): Promise<void> {
    const mounted = await ok;
    if (mounted && !this.closed && this.views.get(rt.ref) === rt) return void this.live.add(rt);
    if (this.views.get(rt.ref) === rt) this.views.delete(rt.ref);
    void rt.stop();
  }

  /** Session authority: the session changed; views whose `authorize` now refuses it are stopped with `unauthorized`. */
  private async reauthorize(session: Session): Promise<void> {
    const check = async ([ref, v]: [number, ViewRuntime]) => {
      if ((await v.reauthorize(session)) || this.views.get(ref) !== v) return;
      this.forget(ref);
      this.live.delete(v);
      void v.stop();
      this.error(ref, E_UNAUTHORIZED, "not allowed");
    };
    await Promise.all(this.views.list().map((v) => check([v.ref, v])));
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
    for (const v of this.views.list()) v.flush();
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

  /**
   * Closes a socket the server refuses and stops reading it (see {@link shut}); `abuse` also
   * refuses the session new sockets for `abuseCooldownMs`.
   */
  private refuse(code: number, reason: string, abuse = false): void {
    if (this.closed) return;
    if (abuse) this.caps.cooldown.mark(this.sid);
    shut(this.ws, code, reason);
    void this.teardown();
  }

  /** Removes a joined (or joining) view and gives back its session slot. */
  private forget(ref: number): void {
    if (this.views.delete(ref)) this.caps.views.release(this.sid);
  }

  /** The socket is gone: views stopped, and its session's socket slot free (not when it was refused: a refused socket keeps it for its close grace, so closing and reopening is no faster). */
  private gone(): void {
    void this.teardown();
    if (this.counted) this.caps.sockets.release(this.sid);
    this.counted = false;
  }

  /** A socket error: logged (refusals.ts); a frame ws refused closes the socket. */
  private socketError(err: Error & { code?: string }): void {
    logSocketError(this.services.log, this.limits.maxFrameBytes, err);
    // ws refused a frame (over maxPayload, invalid UTF-8), sent its close and stopped parsing,
    // but reads on (and resumes the socket on the next tick) until the peer's close or 30 s
    if (err.code?.startsWith("WS_ERR_")) setImmediate(() => this.refuse(CLOSE_TOO_LARGE, "frame refused"));
  }

  private async teardown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.guard.detach();
    this.sweep.forget(this);
    clearTimeout(this.joinTimer);
    const views = this.views.list();
    for (const v of views) this.forget(v.ref);
    for (const v of views) {
      this.live.delete(v);
      await v.stop();
    }
  }
}

/** Whether a text frame is an upload chunk: it starts `["c",` (the codec writes no spaces). */
const isChunk = (b: Buffer) => b[0] === 0x5b && b[1] === 0x22 && b[2] === 0x63 && b[3] === 0x22 && b[4] === 0x2c;
