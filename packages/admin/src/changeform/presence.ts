/**
 * Presence on the change form: "‹user› is also editing this order", on every worker. Each open
 * change form publishes on its object's channel-layer topic when it joins, every heartbeat and
 * when it leaves; every form on that topic keeps the others it heard from, each until its last
 * heartbeat plus a TTL, so a form on a worker that crashed (no "leave" ever sent) drops out
 * within the TTL. A join is answered with a heartbeat, so a newcomer learns who is there at
 * once. As Phoenix.Presence's idea (a per-topic roster from joins, leaves and heartbeats),
 * without its CRDT: each form keeps its own roster.
 */
import type { ModelAdmin } from "../model/model-admin.js";

/** Timings of presence (ms); tests may lower them. */
export const PRESENCE_TIMING = {
  /** how often an open form says it is still there */
  heartbeatMs: 5_000,
  /** how long after its last heartbeat a form counts as gone (a crashed worker's forms disappear after this) */
  ttlMs: 15_000,
};

/** A presence message on an object's topic. */
export interface PresenceMessage {
  presence: "join" | "beat" | "leave";
  /** the form instance (random per open form) */
  pid: string;
  /** the username shown to the others */
  user: string;
}

/** The topic of one object's presence: `presence:<app>.<model>:<id>`. */
export function presenceTopic(admin: ModelAdmin<any, any>, id: unknown): string {
  return `presence:${admin.app}.${admin.name}:${String(id)}`;
}

/** Whether a channel-layer message is a presence message (checked: it crosses processes). */
export function isPresenceMessage(msg: unknown): msg is PresenceMessage {
  const m = msg as Partial<PresenceMessage> | null;
  return !!m && typeof m === "object" && (m.presence === "join" || m.presence === "beat" || m.presence === "leave") && typeof m.pid === "string" && m.pid.length <= 64 && typeof m.user === "string" && m.user.length <= 150;
}

/** The other forms one form knows of, with their expiry. Pure: the clock is passed in. */
export class PresenceRoster {
  private others = new Map<string, { user: string; until: number }>();

  /**
   * @param self - this form's pid (its own messages come back and are ignored)
   * @param ttlMs - how long a form counts as present after its last message
   */
  constructor(
    readonly self: string,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes a message heard on the topic.
   *
   * @param msg - a checked presence message
   * @param now - the clock (ms)
   * @returns `changed`: the names shown changed; `answer`: another form joined, so this one should say it is here
   */
  receive(msg: PresenceMessage, now: number): { changed: boolean; answer: boolean } {
    if (msg.pid === this.self) return { changed: false, answer: false };
    const before = this.names().join("\n");
    if (msg.presence === "leave") this.others.delete(msg.pid);
    else this.others.set(msg.pid, { user: msg.user, until: now + this.ttlMs });
    return { changed: this.names().join("\n") !== before, answer: msg.presence === "join" };
  }

  /**
   * Drops the forms whose last message is older than the TTL.
   *
   * @param now - the clock (ms)
   * @returns whether the names shown changed
   */
  prune(now: number): boolean {
    const before = this.names().join("\n");
    for (const [pid, o] of this.others) if (o.until <= now) this.others.delete(pid);
    return this.names().join("\n") !== before;
  }

  /** The other editors' usernames, each once, sorted. */
  names(): string[] {
    return [...new Set([...this.others.values()].map((o) => o.user))].sort();
  }
}

/**
 * "manager is also editing this order", "ann and bob are also editing this order", "ann, bob
 * and 2 others are also editing this order", or "" when nobody else is.
 */
export function presenceText(names: readonly string[], noun: string): string {
  if (names.length === 0) return "";
  const who = names.length === 1 ? names[0]! : names.length === 2 ? `${names[0]} and ${names[1]}` : `${names[0]}, ${names[1]} and ${names.length - 2} ${names.length === 3 ? "other" : "others"}`;
  return `${who} ${names.length === 1 ? "is" : "are"} also editing this ${noun}`;
}

/** The heartbeat timer's message (told apart from channel-layer messages by identity). */
export const HEARTBEAT = Object.freeze({ presence: "tick" });

/** What a form's presence needs from its view. */
export interface PresenceIO {
  /** the object's topic ({@link presenceTopic}) */
  topic: string;
  /** this form's username */
  user: string;
  publish(topic: string, msg: PresenceMessage): Promise<unknown>;
  /** the view's timer (`sendInfo`): delivers {@link HEARTBEAT} back to {@link FormPresence.handle} */
  sendInfo(msg: unknown, afterMs: number): void;
  /** a failed publish (presence is best effort: logged only) */
  onError(err: unknown): void;
}

/** One open change form's presence: its roster, heartbeat and messages (the view subscribes it to `io.topic`). */
export class FormPresence {
  readonly roster: PresenceRoster;

  constructor(
    private readonly io: PresenceIO,
    pid: string,
  ) {
    this.roster = new PresenceRoster(pid, PRESENCE_TIMING.ttlMs);
  }

  /** Says it is here and starts the heartbeat. */
  start(): void {
    this.announce("join");
    this.io.sendInfo(HEARTBEAT, PRESENCE_TIMING.heartbeatMs);
  }

  /** Publishes this form's presence. */
  announce(presence: PresenceMessage["presence"]): void {
    this.io.publish(this.io.topic, { presence, pid: this.roster.self, user: this.io.user }).catch((err: unknown) => this.io.onError(err));
  }

  /**
   * Takes a heartbeat tick or a message from the topic.
   *
   * @param msg - what the view's `handleInfo` got
   * @param now - the clock (ms)
   * @returns whether the names shown changed (the view re-renders)
   */
  handle(msg: unknown, now: number): boolean {
    if (msg === HEARTBEAT) {
      this.announce("beat");
      this.io.sendInfo(HEARTBEAT, PRESENCE_TIMING.heartbeatMs);
      return this.roster.prune(now);
    }
    if (!isPresenceMessage(msg)) return false;
    const { changed, answer } = this.roster.receive(msg, now);
    if (answer) this.announce("beat");
    return changed;
  }
}
