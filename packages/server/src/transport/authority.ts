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
  /** how long a socket trusts its copy of the session before a join or an event reloads it, ms (default 0: every one reloads) */
  cacheMs: number;
  /**
   * the backstop: every socket reloads its session this often (±10 %, per socket), for changes
   * made straight in the database, ms (default 30,000). One timer per process walks the sockets
   * (every tenth of this, at most every second) and reloads those that are due.
   */
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

/**
 * Sockets by key (session or user id): the socket itself while it is the key's only one (a Set
 * per key is ~0.2 KiB, and most sessions have one socket), a Set once there are more.
 */
type Index = Map<string, SocketSession | Set<SocketSession>>;

function add(index: Index, key: string, s: SocketSession): void {
  const held = index.get(key);
  if (held === undefined) index.set(key, s);
  else if (held instanceof Set) held.add(s);
  else if (held !== s) index.set(key, new Set([held, s]));
}

function remove(index: Index, key: string, s: SocketSession): void {
  const held = index.get(key);
  if (held === s) index.delete(key);
  else if (held instanceof Set && held.delete(s) && !held.size) index.delete(key);
}

/** The sockets under `key`, as a new array (safe to iterate while they detach). */
function members(index: Index, key: string): SocketSession[] {
  const held = index.get(key);
  return held === undefined ? [] : held instanceof Set ? [...held] : [held];
}

/**
 * The sockets of this process by session and by user, and the publisher of authority's
 * notices. One per weft plugin; `app.weft.endSession` / `app.weft.sessionsChanged` call it.
 * Its one backstop timer (not one per socket) reloads the sessions of the sockets that are due.
 */
export class SessionAuthority {
  private bySession: Index = new Map();
  private byUser: Index = new Map();
  private unsubscribe: () => void;
  private backstop: NodeJS.Timeout;

  constructor(
    private pubsub: ChannelLayer,
    readonly provider: SessionProvider,
    readonly options: AuthorityOptions,
    readonly log: Logger,
  ) {
    this.unsubscribe = pubsub.subscribe(AUTHORITY_TOPIC, (msg) => this.receive(msg as Notice));
    this.backstop = setInterval(() => this.sweep(), Math.min(options.recheckMs / 10, 1000)).unref();
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
    clearInterval(this.backstop);
  }

  /** The backstop: reloads the session of every socket whose re-check is due. */
  private sweep(): void {
    const now = Date.now();
    for (const held of this.bySession.values()) {
      if (!(held instanceof Set)) {
        if (held.dueAt <= now) held.recheck();
      } else for (const s of held) if (s.dueAt <= now) s.recheck();
    }
  }

  private receive(n: Notice): void {
    if (typeof n !== "object" || n === null) return;
    if (typeof n.end === "string") for (const s of members(this.bySession, n.end)) s.end();
    if (typeof n.session === "string") for (const s of members(this.bySession, n.session)) s.recheck();
    if (typeof n.user === "string") for (const s of members(this.byUser, n.user)) s.recheck();
  }
}

/** The empty queue every {@link SocketSession} starts with (shared: a socket whose reloads answer synchronously never makes its own). */
const SETTLED: Promise<void> = Promise.resolve();

const isPromise = <T>(x: T | Promise<T>): x is Promise<T> => typeof (x as { then?: unknown } | null)?.then === "function";

/** A session's fields compared one by one (objects and arrays by their JSON): whether a reload changed anything. */
function sameSession(a: Session, b: Session): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    const x = a[k as keyof Session], y = b[k as keyof Session];
    if (x === y) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/**
 * One socket's view of its session: the current copy, reloaded when older than `cacheMs` before
 * a join or an event, at the session's `expiresAt`, when its backstop re-check is due (the
 * authority's shared timer), and on a notice. Frames pass through {@link run} in arrival order.
 *
 * A frame costs what the reload costs: nothing more when the copy is fresh (within `cacheMs`)
 * or the provider's `reload` answers synchronously (the anonymous cookie session; a provider
 * with a cache); the frame then runs at once, with no promise in between. A reload that returns
 * a promise queues the frame, and the frames after it, behind it.
 */
export class SocketSession {
  private checkedAt = Date.now();
  /** when the backstop reloads this socket next (ms since the epoch; read by the authority's sweep) */
  dueAt = 0;
  private tail: Promise<void> = SETTLED;
  /** tasks in {@link tail} not yet run: a frame runs at once only when none is */
  private queued = 0;
  private done = false;
  private expiry?: NodeJS.Timeout;

  constructor(
    private authority: SessionAuthority,
    /** the session as last loaded */
    public session: Session,
    private target: AuthorityTarget,
  ) {
    this.due(this.checkedAt);
    this.armExpiry();
  }

  /**
   * Runs `fn` (a frame's dispatch) once the session is known current; never when it ended. In
   * arrival order. A reload that finds the session changed has the views re-checked first, so
   * the frame's handler reads the new session.
   */
  run(fn: () => void): void {
    if (this.done) return;
    if (this.queued) {
      return this.chain(async () => {
        if (!this.done && (this.fresh() || (await this.check())) && !this.done) fn();
      });
    }
    if (this.fresh()) return fn();
    const ok = this.check();
    if (ok === true) return fn();
    if (ok !== false) this.chain(async () => void ((await ok) && !this.done && fn()));
  }

  /** Reloads the session now (a notice, the expiry, the backstop). */
  recheck(): void {
    // not due again until this one is done (a slow reload is not queued twice)
    this.dueAt = Infinity;
    this.chain(async () => {
      if (!this.done) await this.check();
    });
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
    clearTimeout(this.expiry);
    this.authority.detach(this);
  }

  /** Whether the copy may be used without a reload: loaded within `cacheMs` and not past its expiry. */
  private fresh(): boolean {
    const now = Date.now();
    const at = this.session.expiresAt;
    return now - this.checkedAt < this.authority.options.cacheMs && (at === undefined || at > now);
  }

  /** Queues a task behind the others; a failing one is logged and never stops the queue. */
  private chain(task: () => Promise<void>): void {
    this.queued++;
    this.tail = this.tail.then(task).then(
      () => void this.queued--,
      (err) => {
        this.queued--;
        this.authority.log.error({ err }, "weft: a socket's frame or session check failed");
      },
    );
  }

  /**
   * Reloads the session (synchronously when the provider's `reload` does); when it still holds
   * but changed, the socket re-checks its views. False (and the socket closed) when it ended;
   * a failing reload keeps the copy (logged).
   */
  private check(): boolean | Promise<boolean> {
    const started = Date.now();
    const { provider, log } = this.authority;
    this.due(started);
    if (!provider.reload) return this.adopt(this.session, started);
    const failed = (err: unknown) => {
      log.warn({ err }, "weft: reloading a socket's session failed; it keeps its copy until the next check");
      return !this.done;
    };
    let next: Session | null | Promise<Session | null>;
    try {
      next = provider.reload(this.session);
    } catch (err) {
      return failed(err);
    }
    return isPromise(next) ? next.then((n) => this.adopt(n, started), failed) : this.adopt(next, started);
  }

  /** Takes a reloaded session: ended (null, another id, past its expiry), the same, or changed (the views re-check). */
  private adopt(next: Session | null, started: number): boolean {
    if (this.done) return false;
    this.checkedAt = started;
    if (!next || next.id !== this.session.id || (next.expiresAt !== undefined && next.expiresAt <= started)) {
      this.end();
      return false;
    }
    const before = this.session;
    if (next === before) return true;
    this.session = next;
    if (next.expiresAt !== before.expiresAt) this.armExpiry();
    if (!sameSession(before, next)) this.target.changed(next);
    return true;
  }

  /** The next backstop re-check: `recheckMs` from `from`, ±10 % (sockets opened together, as a restart's reconnects, do not reload in step). */
  private due(from: number): void {
    this.dueAt = from + this.authority.options.recheckMs * (0.9 + Math.random() * 0.2);
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    const at = this.session.expiresAt;
    if (at === undefined) return;
    // a timer may fire a millisecond before Date.now() reaches `at` (its clock is monotonic and
    // rounded): reloading then would find the session still valid with the same expiry and never
    // arm again, so an early timer waits out the rest
    const fire = () => (Date.now() < at ? this.armExpiry() : this.recheck());
    this.expiry = setTimeout(fire, Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1)).unref();
  }
}
