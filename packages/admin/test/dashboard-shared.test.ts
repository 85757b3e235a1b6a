// Shared tile data (issue 14): a `shared` widget's tiles on a worker share one getData run per
// change; a per-user widget runs once per tile, for its own user. Real server, real sockets,
// publishes through the real channel layer; getData is held on a gate the test opens once
// every tile waits, so nothing depends on machine speed. On SQLite and on PostgreSQL (the
// sessions and users the 2 × 50 sockets load).
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, type DashboardWidget } from "../src/index.js";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { Client } from "../../server/test/helpers.js";
import { type Jar, login, startAdmin } from "./support.js";
import { ENGINES, openEngine, type EngineDb } from "./support/engines.js";

const VIEWERS = 50;

describe.each(ENGINES)("%s", (engine) => {
  let e: EngineDb;
  let site: AdminSite;
  const pubsub = new MemoryChannelLayer();

  let value = 1;
  const calls = { shared: 0, mine: 0 };
  let fail = false;
  /** while set, getData waits for it (the test opens it once every tile is waiting) */
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  const hold = () => {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    gate = { promise, open };
    return () => {
      gate = null;
      open();
    };
  };
  const logged: unknown[] = [];

  const widgets: DashboardWidget[] = [
    {
      key: "total",
      title: "Total",
      topics: ["totals"],
      shared: true,
      getData: async () => {
        calls.shared++;
        await gate?.promise;
        if (fail) throw new Error("the totals service is down");
        return { headline: `T${value}`, detail: "for everyone" };
      },
    },
    {
      key: "mine",
      title: "My tasks",
      topics: ["totals"],
      getData: async ({ user }) => {
        calls.mine++;
        await gate?.promise;
        return { headline: `${user.username}-${value}`, detail: "yours" };
      },
    },
  ];

  let app: FastifyInstance;
  let base = "";
  const sockets: Client[] = [];
  let admin: Jar, clerk: Jar;

  async function waitFor<T>(pred: () => T | false | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** `n` sockets of `jar`'s session, each joined to the tile of widget `key` (ref 1). */
  async function viewers(jar: Jar, key: string, n: number): Promise<Client[]> {
    const { roots } = await jar.html("/admin/");
    const tile = roots.find((r) => r.id.endsWith(`-${key}`))!;
    const cs = await Promise.all(Array.from({ length: n }, () => Client.open(base, jar.header)));
    sockets.push(...cs);
    for (const c of cs) c.join(1, tile.token, `${base}/admin/`);
    await Promise.all(cs.map((c) => c.until(() => c.html.get(1), "the tile's first render")));
    return cs;
  }

  const headline = (c: Client) => /tile-headline">([^<]*)</.exec(c.html.get(1) ?? "")?.[1];

  beforeAll(async () => {
    // no tables of its own: the admin's (users, sessions)
    e = await openEngine(engine, { sqlite: "", postgres: "" }, "admin_dash_shared");
    site = await AdminSite.create({ db: e.db, title: "Test shop" });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    for (const w of widgets) site.dashboard.register(w);
    const u = site.users;
    await u.createUser({ username: "admin", password: "admin-pass", isStaff: true, isSuperuser: true });
    await u.createUser({ username: "clerk", password: "clerk-pass", isStaff: true });
    ({ app, base } = await startAdmin(site, {
      pubsub,
      setup: () => {
        site.dashboard.log = { error: (obj) => void logged.push(obj), warn: () => {}, info: () => {}, debug: () => {} };
      },
    }));
    // every publish refreshes every tile at once: the throttle is tested in dashboard-pages.test.ts
    site.dashboard.throttleMs = 0;
    [admin, clerk] = await Promise.all([login(base, "admin"), login(base, "clerk")]);
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.close();
    await e?.close();
  });

  describe("shared tile data", () => {
    let cs: Client[];

    it(`a publish reaching ${VIEWERS} tiles of a shared widget runs getData once; every viewer gets the new value`, async () => {
      cs = await viewers(admin, "total", VIEWERS);
      expect(cs.map(headline)).toEqual(Array(VIEWERS).fill("T1"));
      const release = hold();
      calls.shared = 0;
      value = 2;
      await pubsub.publish("totals", {});
      await waitFor(() => site.dashboard.sharing("total") === VIEWERS, `all ${VIEWERS} tiles waiting on one run`);
      release();
      await Promise.all(cs.map((c) => c.until(() => headline(c) === "T2", "the new headline")));
      expect(calls.shared).toBe(1);
      // the run is dropped once settled: nothing is left in flight
      expect(site.dashboard.sharing("total")).toBe(0);
    });

    it("an error in the shared getData reaches every viewer as 'unavailable', logged once; the next publish retries", async () => {
      const release = hold();
      calls.shared = 0;
      logged.length = 0;
      fail = true;
      await pubsub.publish("totals", {});
      await waitFor(() => site.dashboard.sharing("total") === VIEWERS, "every tile waiting on the failing run");
      release();
      await Promise.all(cs.map((c) => c.until(() => c.html.get(1)?.includes("Unavailable right now"), "the error state")));
      expect(calls.shared).toBe(1);
      expect(logged).toHaveLength(1);

      fail = false;
      value = 3;
      const again = hold();
      await pubsub.publish("totals", {});
      await waitFor(() => site.dashboard.sharing("total") === VIEWERS, "every tile waiting on the retry");
      again();
      await Promise.all(cs.map((c) => c.until(() => headline(c) === "T3", "the recovered headline")));
      expect(calls.shared).toBe(2);
    });

    it("a per-user widget (the default) runs getData once per tile, each for its own user", async () => {
      const half = VIEWERS / 2;
      const mine = [...(await viewers(admin, "mine", half)), ...(await viewers(clerk, "mine", half))];
      const release = hold();
      calls.mine = 0;
      value = 4;
      await pubsub.publish("totals", {});
      // while held, every tile has started its own run: none is shared
      await waitFor(() => calls.mine === VIEWERS, `${VIEWERS} getData runs`);
      expect(site.dashboard.sharing("mine")).toBe(0);
      release();
      await Promise.all(mine.map((c, i) => c.until(() => headline(c) === `${i < half ? "admin" : "clerk"}-4`, "its own data")));
      expect(calls.mine).toBe(VIEWERS);
    });

    it("`shared` must be a boolean: anything else is refused at registration, naming the widget", () => {
      for (const shared of ["yes", 1, null]) {
        expect(() => site.dashboard.register({ key: "bad", title: "Bad", shared: shared as never, getData: () => ({ headline: 1, detail: "" }) })).toThrow(/dashboard widget "Bad": `shared` must be a boolean/);
      }
      expect(site.dashboard.get("bad")).toBeUndefined();
    });
  });
});
