/**
 * Session authority, as Phoenix's `live_socket_id` with its disconnect broadcast: every live
 * socket is registered under its session id and its user id, and what the HTTP side decides
 * (logout, expiry, deactivation, a permission change) reaches every socket of that session or
 * user, on every worker process, through the channel layer.
 */
import type { Logger } from "../live/services.js";
import type { Session } from "../live/types.js";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import type { SessionProvider } from "./session.js";

/** Options of session authority (the weft plugin's `authority` option). */
export interface AuthorityOptions {
  /** how long a socket trusts its copy of the session before a join or an event reloads it, ms (default 1,000) */
  cacheMs: number;
  /** the backstop: every socket reloads its session this often (±10 %, per socket), for changes made straight in the database, ms (default 30,000) */
  recheckMs: number;
}

export const defaultAuthority: AuthorityOptions = { cacheMs: 0, recheckMs: 30_000 };

/** The channel-layer topic authority's messages travel on (one subscription per process). */
export const AUTHORITY_TOPIC = "weft:session-authority";

/** A message on {@link AUTHORITY_TOPIC}: end a session, or re-check a session's / a user's sockets. */
interface Notice {
  end?: string;
  session?: string;
  user?: string;
}

/** What a socket does when authority decides: close (session ended) or re-check its views. */
export interface AuthorityTarget {
  /** the session ended: close with 4403, `loginUrl` as the reason */
  ended(loginUrl: string): void;
  /** the session is still valid but may have changed: re-check every view against it */
  changed(session: Session): void;
}

/** The longest close reason a WebSocket close frame carries (123 bytes); a longer login URL is left out. */
const MAX_REASON = 123;

type Index = Map<string, Set<SocketSession>>;

function add(index: Index, key: string, s: SocketSession): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(s);
}

function remove(index: Index, key: string, s: SocketSession): void {
  const set = index.get(key);
  if (set?.delete(s) && !set.size) index.delete(key);
}

/**
 * The sockets of this process by session and by user, and the publisher of authority's
 * notices. One per weft plugin; `app.weft.endSession` / `app.weft.sessionsChanged` call it.
 */
export class SessionAuthority {
  private bySession: Index = new Map();
  private byUser: Index = new Map();
  private unsubscribe: () => void;

  constructor(
    private pubsub: ChannelLayer,
    readonly provider: SessionProvider,
    readonly options: AuthorityOptions,
    readonly log: Logger,
  ) {
    this.unsubscribe = pubsub.subscribe(AUTHORITY_TOPIC, (msg) => this.receive(msg as Notice));
  }

  /** Registers a socket's session; the returned handle gates its frames and is detached at close. */
  attach(session: Session, target: AuthorityTarget): SocketSession {
    const s = new SocketSession(this, session, target);
    add(this.bySession, session.id, s);
    if (session.userId !== undefined) add(this.byUser, String(session.userId), s);
    return s;
  }

  /** @internal */
  detach(s: SocketSession): void {
    remove(this.bySession, s.session.id, s);
    if (s.session.userId !== undefined) remove(this.byUser, String(s.session.userId), s);
  }

  /**
   * Closes every socket of a session, on every worker (4403). Call it after the session was
   * ended where it is stored (logout).
   * @throws ChannelLayerUnavailableError (rejection) when the channel layer is down
   */
  endSession(sessionId: string): Promise<void> {
    return this.pubsub.publish(AUTHORITY_TOPIC, { end: sessionId } satisfies Notice);
  }

  /**
   * Makes every socket of a user (or of one session) reload its session: ended sessions close
   * (4403), the others re-check each view's `authorize`. Call it after the change was written.
   * @throws ChannelLayerUnavailableError (rejection) when the channel layer is down
   */
  sessionsChanged(who: { userId?: string | number; sessionId?: string }): Promise<void> {
    const notice: Notice = {};
    if (who.userId !== undefined) notice.user = String(who.userId);
    if (who.sessionId !== undefined) notice.session = who.sessionId;
    if (!notice.user && !notice.session) return Promise.resolve();
    return this.pubsub.publish(AUTHORITY_TOPIC, notice);
  }

  close(): void {
    this.unsubscribe();
  }

  private receive(n: Notice): void {
    if (typeof n !== "object" || n === null) return;
    if (typeof n.end === "string") for (const s of [...(this.bySession.get(n.end) ?? [])]) s.end();
    if (typeof n.session === "string") for (const s of [...(this.bySession.get(n.session) ?? [])]) s.recheck();
    if (typeof n.user === "string") for (const s of [...(this.byUser.get(n.user) ?? [])]) s.recheck();
  }
}

/**
 * One socket's view of its session: the current copy, reloaded when older than `cacheMs` before
 * a join or an event, at the session's `expiresAt`, every `recheckMs`, and on a notice. Frames
 * pass through {@link run} in arrival order.
 */
export class SocketSession {
  private checkedAt = Date.now();
  private tail: Promise<void> = Promise.resolve();
  private done = false;
  private backstop: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;

  constructor(
    private authority: SessionAuthority,
    /** the session as last loaded */
    public session: Session,
    private target: AuthorityTarget,
  ) {
    // ±10 % per socket, so sockets opened together (a restart's reconnects) do not reload in step
    this.backstop = setInterval(() => this.recheck(), authority.options.recheckMs * (0.9 + Math.random() * 0.2)).unref();
    this.armExpiry();
  }

  /**
   * Runs `fn` (a frame's dispatch) once the session is known current; never when it ended. In
   * arrival order. A reload that finds the session changed has the views re-checked first, so
   * the frame's handler reads the new session.
   */
  run(fn: () => void): void {
    this.chain(async () => {
      if (this.done) return;
      if (Date.now() - this.checkedAt >= this.authority.options.cacheMs && !(await this.check())) return;
      if (!this.done) fn();
    });
  }

  /** Reloads the session now (a notice, the expiry, the backstop). */
  recheck(): void {
    this.chain(async () => {
      if (!this.done) await this.check();
    });
  }

  /** Queues a task behind the others; a failing one is logged and never stops the queue. */
  private chain(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch((err) => this.authority.log.error({ err }, "weft: a socket's frame or session check failed"));
  }

  /** Reloads; when the session still holds but changed, the socket re-checks its views. False when it ended. */
  private async check(): Promise<boolean> {
    const before = JSON.stringify(this.session);
    if (!(await this.refresh())) return false;
    if (JSON.stringify(this.session) !== before) this.target.changed(this.session);
    return true;
  }

  /** The session ended: the socket closes (4403). */
  end(): void {
    if (this.done) return;
    const url = this.authority.provider.loginUrl ?? "";
    this.detach();
    this.target.ended(Buffer.byteLength(url) <= MAX_REASON ? url : "");
  }

  /** The socket closed. Idempotent. */
  detach(): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.backstop);
    clearTimeout(this.expiry);
    this.authority.detach(this);
  }

  /** Reloads the session; false (and the socket closed) when it ended. A failing reload keeps the copy (logged). */
  private async refresh(): Promise<boolean> {
    const started = Date.now();
    const { provider, log } = this.authority;
    if (!provider.reload) {
      this.checkedAt = started;
      if (this.session.expiresAt === undefined || this.session.expiresAt > started) return true;
      this.end();
      return false;
    }
    let next: Session | null;
    try {
      next = await provider.reload(this.session);
    } catch (err) {
      log.warn({ err }, "weft: reloading a socket's session failed; it keeps its copy until the next check");
      return !this.done;
    }
    if (this.done) return false;
    this.checkedAt = started;
    if (!next || next.id !== this.session.id) {
      this.end();
      return false;
    }
    this.session = next;
    this.armExpiry();
    return true;
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    const at = this.session.expiresAt;
    if (at === undefined) return;
    this.expiry = setTimeout(() => this.recheck(), Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1)).unref();
  }
}
