import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, type Session } from "../src/index.js";
import type { SessionProvider } from "../src/transport/session.js";
import { CLOSE_SESSION_ENDED, E_UNAUTHORIZED } from "../../client/src/protocol.js";
import { Client, getPage, startServer } from "./helpers.js";

/** A session store the test edits as an app's database would be edited behind the socket's back. */
interface Row {
  userId: number;
  role: "admin" | "viewer";
  expiresAt?: number;
}
const rows = new Map<string, Row>();
let reloads = 0;

const provider: SessionProvider = {
  loginUrl: "/login/",
  async ensure(req, reply) {
    const found = await this.load(req);
    if (found) return found;
    const id = randomBytes(12).toString("base64url");
    rows.set(id, { userId: nextUser, role: "admin" });
    reply.header("set-cookie", `sid=${id}; Path=/`);
    return this.reload!({ id }) as Promise<Session>;
  },
  async load(req) {
    const id = /(?:^|; )sid=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    return id ? this.reload!({ id }) : null;
  },
  async reload(s) {
    reloads++;
    const r = rows.get(s.id);
    if (!r || (r.expiresAt !== undefined && r.expiresAt <= Date.now())) return null;
    return { id: s.id, userId: r.userId, role: r.role, expiresAt: r.expiresAt };
  },
};
let nextUser = 1;

/** Only an admin may see it. */
class AdminOnly extends LiveView<{ n: number }> {
  static authorize = (s: Session) => s.role === "admin";
  mount() {
    return { n: 0 };
  }
  render() {
    return `<p>admin ${this.assigns.n} ${String(this.session.role)}</p>`;
  }
  events = { inc: () => this.assign({ n: this.assigns.n + 1 }) };
}

/** Anyone with a session; shows the role it currently sees. */
class Anyone extends LiveView<{ n: number }> {
  mount() {
    return { n: 0 };
  }
  render() {
    return `<p>anyone ${this.assigns.n} ${String(this.session.role)}</p>`;
  }
  events = { inc: () => this.assign({ n: this.assigns.n + 1 }) };
}

let srv: Awaited<ReturnType<typeof startServer>>;
const open: Client[] = [];

beforeAll(async () => {
  srv = await startServer(
    { "/admin-only": AdminOnly, "/anyone": Anyone },
    // cacheMs 0: every join and event reloads; the backstop is off unless a test has its own server
    { sessions: provider, authority: { cacheMs: 0, recheckMs: 3_600_000 }, limits: { joinTimeoutMs: 60_000 } },
  );
});
afterAll(async () => {
  for (const c of open) c.close();
  await srv.app.close();
});

/** A user's page with both views joined on one socket. */
async function twoViews(base = srv.base) {
  const a = await getPage(base, "/admin-only");
  const b = await getPage(base, "/anyone", a.cookie);
  nextUser++;
  const c = await Client.open(base, a.cookie);
  open.push(c);
  c.join(1, a.roots[0].token, base + "/admin-only");
  c.join(2, b.roots[0].token, base + "/anyone");
  await c.until(() => c.html.has(1) && c.html.has(2), "both renders");
  const id = a.cookie.split("=")[1];
  return { c, id, userId: rows.get(id)!.userId, a, b };
}

describe("session authority", () => {
  it("endSession closes every socket of the session with 4403 and the login URL, and no other", async () => {
    const one = await twoViews();
    const two = await twoViews();
    const t0 = performance.now();
    await srv.app.weft.endSession(one.id);
    await one.c.until(() => one.c.closed, "close");
    console.log(`endSession → close: ${(performance.now() - t0).toFixed(1)} ms (one process, memory layer)`);
    expect(one.c.closed).toEqual({ code: CLOSE_SESSION_ENDED, reason: "/login/" });
    const seq = two.c.event(1, "inc");
    await two.c.reply(seq);
    expect(two.c.html.get(1)).toContain("admin 1");
    expect(two.c.closed).toBeUndefined();
  });

  it("a demoted user's views re-check: the refused one is stopped with unauthorized, the other keeps going with the new session", async () => {
    const u = await twoViews();
    rows.get(u.id)!.role = "viewer";
    await srv.app.weft.sessionsChanged({ userId: u.userId });
    await u.c.until(() => u.c.messages.find((m) => m.type === "!" && m.ref === 1), "unauthorized on view 1");
    expect(u.c.frames.find((f) => f[0] === "!" && f[1] === 1)?.[2]).toBe(E_UNAUTHORIZED);
    // the stopped view no longer takes events
    const refused = u.c.event(1, "inc");
    expect((await u.c.reply(refused))[0]).toBe("!");
    // the other view reads the current session in its next render
    const seq = u.c.event(2, "inc");
    await u.c.reply(seq);
    expect(u.c.html.get(2)).toContain("anyone 1 viewer");
    expect(u.c.closed).toBeUndefined();
  });

  it("an event reads the current session even without a notice: the reload before it re-checks the views first", async () => {
    const u = await twoViews();
    rows.get(u.id)!.role = "viewer";
    const seq = u.c.event(2, "inc");
    await u.c.reply(seq);
    expect(u.c.html.get(2)).toContain("anyone 1 viewer");
    await u.c.until(() => u.c.frames.find((f) => f[0] === "!" && f[1] === 1 && f[2] === E_UNAUTHORIZED), "unauthorized on view 1");
  });

  it("sessionsChanged for a user whose session row is gone closes the socket", async () => {
    const u = await twoViews();
    rows.delete(u.id);
    await srv.app.weft.sessionsChanged({ userId: u.userId });
    await u.c.until(() => u.c.closed, "close");
    expect(u.c.closed!.code).toBe(CLOSE_SESSION_ENDED);
  });

  it("an event after the session ended (no notice published) is never run: the socket closes instead", async () => {
    const u = await twoViews();
    rows.delete(u.id);
    u.c.event(1, "inc");
    await u.c.until(() => u.c.closed, "close");
    expect(u.c.closed!.code).toBe(CLOSE_SESSION_ENDED);
    expect(u.c.html.get(1)).toContain("admin 0");
    expect(u.c.frames.some((f) => f[0] === "a" || f[0] === "ad" || f[0] === "ar")).toBe(false);
  });

  it("a pre-logout token is refused on join: the socket of the ended session closes before mounting it", async () => {
    const u = await twoViews();
    rows.delete(u.id);
    const before = u.c.frames.length;
    u.c.join(3, u.a.roots[0].token, srv.base + "/admin-only");
    await u.c.until(() => u.c.closed, "close");
    expect(u.c.closed!.code).toBe(CLOSE_SESSION_ENDED);
    expect(u.c.frames.slice(before).some((f) => f[0] === "r")).toBe(false);
  });

  it("joins within cacheMs reuse the copy: a socket's session is reloaded at most once per cacheMs", async () => {
    const s = await startServer({ "/anyone": Anyone }, { sessions: provider, authority: { cacheMs: 3_600_000 } });
    try {
      const p = await getPage(s.base, "/anyone");
      const c = await Client.open(s.base, p.cookie);
      open.push(c);
      const r0 = reloads;
      for (let i = 1; i <= 5; i++) c.join(i, p.roots[0].token, s.base + "/anyone");
      await c.until(() => c.html.size === 5, "five renders");
      expect(reloads).toBe(r0);
    } finally {
      await s.app.close();
    }
  });
});

describe("session authority's timers", () => {
  it("the backstop re-check finds a session deleted straight in the store and closes the socket", async () => {
    const s = await startServer({ "/anyone": Anyone }, { sessions: provider, authority: { cacheMs: 3_600_000, recheckMs: 100 } });
    try {
      const p = await getPage(s.base, "/anyone");
      const c = await Client.open(s.base, p.cookie);
      open.push(c);
      c.join(1, p.roots[0].token, s.base + "/anyone");
      await c.until(() => c.html.has(1), "render");
      rows.delete(p.cookie.split("=")[1]);
      await c.until(() => c.closed, "close by the backstop");
      expect(c.closed!.code).toBe(CLOSE_SESSION_ENDED);
    } finally {
      await s.app.close();
    }
  });

  it("a socket closes when its session expires (the expiry timer, no traffic, no backstop)", async () => {
    const s = await startServer({ "/anyone": Anyone }, { sessions: provider, authority: { cacheMs: 3_600_000, recheckMs: 3_600_000 } });
    try {
      const p = await getPage(s.base, "/anyone");
      const id = p.cookie.split("=")[1];
      const c = await Client.open(s.base, p.cookie);
      open.push(c);
      c.join(1, p.roots[0].token, s.base + "/anyone");
      await c.until(() => c.html.has(1), "render");
      // the socket learns the expiry from a reload (here the notice's), then its timer ends it
      const expiresAt = Date.now() + 300;
      rows.get(id)!.expiresAt = expiresAt;
      await s.app.weft.sessionsChanged({ sessionId: id });
      await c.until(() => c.closed, "close at expiry", 30_000);
      expect(c.closed!.code).toBe(CLOSE_SESSION_ENDED);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    } finally {
      await s.app.close();
    }
  });

  it("refuses bad authority options with a clear error", async () => {
    await expect(startServer({}, { authority: { recheckMs: -1 } })).rejects.toThrow(/`authority.recheckMs` must be a positive number/);
    await expect(startServer({}, { authority: { every: 5 } as never })).rejects.toThrow(/`authority.every` must be one of cacheMs, recheckMs/);
  });
});

describe("session authority and the per-session view cap", () => {
  it("a view stopped by a re-check gives back its session slot", async () => {
    const capped = await startServer(
      { "/admin-only": AdminOnly, "/anyone": Anyone },
      { sessions: provider, authority: { cacheMs: 0, recheckMs: 3_600_000 }, limits: { joinTimeoutMs: 60_000, maxViewsPerSession: 2 } },
    );
    try {
      const u = await twoViews(capped.base);
      // the session holds its 2 views: a third join is refused
      u.c.join(3, u.b.roots[0].token, capped.base + "/anyone");
      await u.c.until(() => u.c.frames.find((f) => f[0] === "!" && f[1] === 3), "the third join's refusal");
      expect(u.c.frames.find((f) => f[0] === "!" && f[1] === 3)?.[2]).toBe("too_many_views");
      // demoted: view 1 is stopped, and its slot is free again
      rows.get(u.id)!.role = "viewer";
      await capped.app.weft.sessionsChanged({ userId: u.userId });
      await u.c.until(() => u.c.frames.find((f) => f[0] === "!" && f[1] === 1 && f[2] === E_UNAUTHORIZED), "unauthorized on view 1");
      u.c.join(4, u.b.roots[0].token, capped.base + "/anyone");
      await u.c.until(() => u.c.html.has(4) || u.c.frames.find((f) => f[0] === "!" && f[1] === 4), "the fourth join's answer");
      expect(u.c.html.get(4)).toContain("anyone 0 viewer");
      u.c.close();
    } finally {
      await capped.app.close();
    }
  });
});
