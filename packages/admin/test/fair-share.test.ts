// The per-user fair share of database time (AdminSiteOptions.fairShare): while another user is
// active, a user past their share waits before the next statement and the others go first; a
// user alone never waits. The clock and the waits are injected: nothing here depends on time.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite } from "../src/site.js";
import { adminTablesFor } from "../src/auth/tables.js";
import type { AdminSession, SessionUser } from "../src/auth/index.js";
import { resolveSelectionOf } from "../src/changelist/selection.js";
import { searchRelated } from "../src/changeform/autocomplete.js";
import { relatedRows } from "../src/changeform/related.js";
import { count } from "drizzle-orm";
import { ChangeListQuery, FairShare, currentReader, readsOf, type FairShareOptions } from "../src/query/index.js";
import { qb } from "../src/query/dialect/index.js";
import { ENGINES, N_ORDERS, NOW, openShop, type Shop } from "./support/engines.js";

/** A share on a clock the test moves; its waits stay pending until `release()` (then they pass at once, moving the clock). */
function manualShare(opts: FairShareOptions = {}) {
  const clock = { ms: 0 };
  const waits: number[] = [];
  const pending: Array<() => void> = [];
  let free = false;
  const share = new FairShare({
    msPerSecond: 100,
    burstMs: 200,
    othersWithinMs: 10_000,
    ...opts,
    now: () => clock.ms,
    sleep: (ms) => {
      waits.push(ms);
      if (free) return Promise.resolve(void (clock.ms += ms));
      return new Promise<void>((resolve) => pending.push(() => ((clock.ms += ms), resolve())));
    },
  });
  const release = () => {
    free = true;
    for (const go of pending.splice(0)) go();
  };
  return { share, clock, waits, release };
}

/** A statement of `ms` on the share's clock, recorded in `log` as it starts. */
const statement = (clock: { ms: number }, log: string[], name: string, ms: number) => async () => {
  log.push(name);
  clock.ms += ms;
};

describe("FairShare", () => {
  it("delays the heavy user's next statement while another is active; the light user's goes first", async () => {
    const { share, clock, waits, release } = manualShare();
    const log: string[] = [];
    share.seen("light");
    // 300 ms of statements against a 200 ms bucket that refilled 30 ms meanwhile: 85 ms owed,
    // paid back at 100 ms/s
    await share.run("heavy", statement(clock, log, "heavy 1", 150));
    await share.run("heavy", statement(clock, log, "heavy 2", 150));
    expect(share.waitFor("heavy")).toBe(850);
    const heavy = share.run("heavy", statement(clock, log, "heavy 3", 150));
    await Promise.resolve();
    expect(waits).toEqual([850]);
    // the light user's statement runs while the heavy one waits
    await share.run("light", statement(clock, log, "light 1", 10));
    expect(log).toEqual(["heavy 1", "heavy 2", "light 1"]);
    release();
    await heavy;
    expect(log).toEqual(["heavy 1", "heavy 2", "light 1", "heavy 3"]);
    expect(share.delayed).toBe(1);
    expect(share.delayedMs).toBe(850);
  });

  it("never delays a user alone on the site, and they owe nothing for it when others come", async () => {
    const { share, clock, waits } = manualShare();
    const log: string[] = [];
    for (let i = 0; i < 20; i++) await share.run("heavy", statement(clock, log, "heavy", 150));
    expect(waits).toEqual([]);
    share.seen("light");
    expect(share.waitFor("heavy")).toBe(0);
    // the others stop: after othersWithinMs the heavy user runs freely again
    await share.run("heavy", statement(clock, log, "heavy", 500));
    expect(share.waitFor("heavy")).toBeGreaterThan(0);
    clock.ms += 10_001;
    expect(share.waitFor("heavy")).toBe(0);
  });

  it("bounds what a user can owe by burstMs, charges failed statements, and runs statements of nobody at once", async () => {
    const { share, clock } = manualShare();
    share.seen("light");
    await expect(share.run("heavy", async () => {
      clock.ms += 5_000;
      throw new Error("statement failed");
    })).rejects.toThrow("statement failed");
    // 5 s taken, but at most burstMs (200 ms) owed: 2 s at 100 ms/s
    expect(share.waitFor("heavy")).toBe(2000);
    // a statement of the light user's is not delayed by the heavy one's debt
    expect(share.waitFor("light")).toBe(0);
    await expect(share.run(undefined, async () => 42)).resolves.toBe(42);
    // the bucket refills with time: 1 s later half is paid back
    clock.ms += 1000;
    expect(share.waitFor("heavy")).toBe(1000);
  });

  it("rejects settings that are not positive numbers", () => {
    expect(() => new FairShare({ msPerSecond: 0 })).toThrow(RangeError);
    expect(() => new FairShare({ burstMs: -1 })).toThrow(/fairShare.burstMs/);
    expect(() => new FairShare({ othersWithinMs: Number.NaN })).toThrow(RangeError);
  });
});

describe.each(ENGINES)("a change list's statements through the fair share on %s", (engine) => {
  let shop: Shop;
  beforeAll(async () => {
    shop = await openShop(engine);
  }, 60_000);
  afterAll(async () => {
    await shop?.close();
  });

  it("charges each statement to the user of readsOf; the heavy user's page waits while the light user's is read first", async () => {
    const { share, clock, waits, release } = manualShare();
    const log: string[] = [];
    // each statement takes 150 ms on the share's clock (the hook runs inside the share, after any wait)
    const query = new ChangeListQuery(shop.db, shop.orders, { listDisplay: ["number", "status"], ordering: ["-createdAt"] } as never, {
      now: () => NOW,
      timeZone: "UTC",
      fairShare: share,
      onStatement: () => {
        log.push(String(currentReader()));
        clock.ms += 150;
      },
    });
    const state = query.parseState("");
    share.seen("light");
    const first = await readsOf("heavy", () => query.fetchPage(state));
    expect(first.total).toBe(N_ORDERS);
    expect(waits).toEqual([]);
    const statements = log.length;
    expect(statements).toBeGreaterThanOrEqual(2); // 300 ms or more against a 200 ms bucket
    const heavy = readsOf("heavy", () => query.fetchPage(state));
    await new Promise((r) => setImmediate(r));
    expect(waits.length).toBeGreaterThan(0);
    expect(log).toHaveLength(statements); // the heavy user's next statement has not started
    const light = await readsOf("light", () => query.fetchPage(state));
    expect(log.slice(statements)).toEqual(Array(statements).fill("light"));
    release();
    const again = await heavy;
    expect(log.slice(2 * statements)).toEqual(Array(statements).fill("heavy"));
    expect(again.rows.map((r) => r.pk)).toEqual(light.rows.map((r) => r.pk));
  });

  it("runs the statements of no user (outside readsOf) at once", async () => {
    const { share, clock, waits } = manualShare();
    const query = new ChangeListQuery(shop.db, shop.orders, { listDisplay: ["number"], ordering: ["-createdAt"] } as never, { now: () => NOW, timeZone: "UTC", fairShare: share, onStatement: () => void (clock.ms += 1_000) });
    share.seen("light");
    for (let i = 0; i < 3; i++) await query.fetchPage(query.parseState(""));
    expect(waits).toEqual([]);
  });

  it("\"all N matching\" resolved for an action, an autocomplete's search, a delete confirmation's related counts and a user's readsFor database: their statements are charged to that user", async () => {
    let ms = 0;
    // every look at the clock moves it 100 ms: each statement costs at least that
    const site = await AdminSite.create({ db: shop.db, fairShare: { msPerSecond: 1, burstMs: 200, othersWithinMs: 600_000, now: () => (ms += 100), sleep: async () => {} } });
    try {
      const share = site.fairShare!;
      const admin = site.register(shop.orders, { app: "shop", listDisplay: ["number"], ordering: ["-createdAt"] } as never);
      const query = site.query(admin);
      share.seen("someone else");
      const sel = await resolveSelectionOf(site, { id: 7 } as SessionUser, query, { mode: "all" }, query.parseState(""));
      expect(sel.count).toBe(N_ORDERS);
      expect(await sel.ids()).toHaveLength(N_ORDERS);
      expect(share.waitFor(7)).toBeGreaterThan(0);
      expect(share.waitFor(8)).toBe(0);
      // an autocomplete's search (a change form's foreign key, a list filter) is the user's too
      const customers = site.register(shop.customers, { app: "shop", listDisplay: ["name"], searchFields: ["name"] } as never);
      const fk = { table: shop.customers, references: shop.customers.id, referencesKey: "id", display: shop.customers.name, admin: customers } as never;
      const searcher: SessionUser = { id: 9, username: "searcher", isStaff: true, isSuperuser: true, permissions: [] };
      for (let i = 0; i < 3; i++) expect((await searchRelated(site, fk, searcher, "smith")).map((c) => c.label).sort()).toEqual(["Ann Smith", "Cleo SMITHERS"]);
      expect(share.waitFor(9)).toBeGreaterThan(0);
      // a delete confirmation's related counts (one per foreign key pointing at the object)
      const deleter: SessionUser = { ...searcher, id: 10 };
      for (let i = 0; i < 3; i++) expect(await relatedRows(site, customers, { id: 1 }, deleter)).toMatchObject([{ count: N_ORDERS / 5, effect: "protect" }]);
      expect(share.waitFor(10)).toBeGreaterThan(0);
      for (let i = 0; i < 3; i++) {
        const rows = await qb(site.readsFor(8)).select({ n: count() }).from(shop.orders);
        expect(Number(rows[0]!.n)).toBe(N_ORDERS);
      }
      expect(share.waitFor(8)).toBeGreaterThan(0);
    } finally {
      await site.readPool?.close();
    }
  });

  it("the site's change lists go through its share, and its sessions tell the share who is active", async () => {
    const { clock, waits, release } = manualShare();
    release();
    const site = await AdminSite.create({ db: shop.db, fairShare: { msPerSecond: 100, burstMs: 200, now: () => clock.ms, sleep: (ms) => (waits.push(ms), Promise.resolve(void (clock.ms += ms))) } });
    expect(new AdminSite({ db: shop.db, fairShare: false }).fairShare).toBeUndefined();
    const share = site.fairShare!;
    expect(share.msPerSecond).toBe(100);
    const admin = site.register(shop.orders, { app: "shop", listDisplay: ["number"], ordering: ["-createdAt"] } as never);
    const query = site.query(admin);
    // alone: a second of statements, never delayed, nothing owed
    const heavy = -1; // no user of the database's
    await readsOf(heavy, async () => {
      await query.fetchPage(query.parseState(""));
      clock.ms += 1_000;
    });
    const light = await site.users.createUser({ username: "light", password: "a long enough password", email: "light@example.com", isStaff: true });
    const t = adminTablesFor(site.db);
    const at = new Date();
    await qb(site.db).insert(t.weftSessions).values({ id: "fair-share-session", userId: light.id, createdAt: at, lastSeenAt: at, expiresAt: new Date(at.getTime() + 3_600_000) });
    // a frame of the light user's live page (session authority reloads the session)
    await site.sessions.reload({ id: "fair-share-session", user: { id: light.id } } as unknown as AdminSession);
    expect(waits).toEqual([]);
    // the heavy user now spends past the share: its statements wait
    await share.run(heavy, async () => void (clock.ms += 500));
    await readsOf(heavy, () => query.fetchPage(query.parseState("")));
    expect(waits.length).toBeGreaterThan(0);
    expect(share.delayed).toBe(waits.length);
  });
});
