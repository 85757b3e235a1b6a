// The ChannelLayer contract, one body run on the in-memory layer and on a private Redis server.
import { afterEach, describe, expect, it } from "vitest";
import { type LayerKind, memoryKind, redisKind, type Site } from "./support/layers.js";
import { waitFor } from "./support/wait.js";

for (const kind of [memoryKind, redisKind()] as LayerKind[]) {
  describe(`ChannelLayer contract: ${kind.name}`, () => {
    let site: Site;
    afterEach(async () => {
      await site?.close();
    });

    it("delivers JSON copies to every subscriber of a topic, in any instance, and only of that topic", async () => {
      site = kind.newSite();
      const a = site.open();
      const b = site.open();
      const gotA: unknown[] = [];
      const gotB: Array<[unknown, string]> = [];
      const other: unknown[] = [];
      a.subscribe("t", (m) => gotA.push(m));
      b.subscribe("t", (m, topic) => gotB.push([m, topic]));
      b.subscribe("t2", (m) => other.push(m));
      await site.settle();
      const msg = { n: 1, s: "é\u2028", nested: { list: [1, null, true] } };
      await a.publish("t", msg);
      await waitFor(() => gotA.length === 1 && gotB.length === 1, "delivery");
      expect(gotA[0]).toEqual(msg);
      expect(gotA[0]).not.toBe(msg);
      expect(gotB[0]).toEqual([msg, "t"]);
      await b.publish("t2", "second");
      await waitFor(() => other.length === 1, "t2 delivery");
      expect(gotA).toHaveLength(1);
    });

    it("fans out to many local handlers; a throwing handler does not stop the others; unsubscribe is per handler", async () => {
      site = kind.newSite();
      const a = site.open();
      const counts = new Array(20).fill(0) as number[];
      const unsubs = counts.map((_, i) =>
        a.subscribe("fan", () => {
          counts[i]++;
          if (i === 3) throw new Error("handler 3 fails");
        }),
      );
      await site.settle();
      await a.publish("fan", 1);
      await waitFor(() => counts.every((c) => c === 1), "every handler once");

      for (const u of unsubs.slice(0, 10)) u();
      unsubs[0](); // twice: harmless
      await site.settle();
      await a.publish("fan", 2);
      await waitFor(() => counts.slice(10).every((c) => c === 2), "remaining handlers");
      expect(counts.slice(0, 10)).toEqual(new Array(10).fill(1));

      // all gone: nothing delivered, and the topic can be subscribed again
      for (const u of unsubs) u();
      const again: unknown[] = [];
      const marker: unknown[] = [];
      a.subscribe("marker", (m) => marker.push(m));
      await site.settle();
      await a.publish("fan", 3);
      await a.publish("marker", "after");
      await waitFor(() => marker.length === 1, "marker");
      expect(counts.every((c) => c <= 2)).toBe(true);
      a.subscribe("fan", (m) => again.push(m));
      await site.settle();
      await a.publish("fan", 4);
      await waitFor(() => again.length === 1, "resubscribed");
      expect(again).toEqual([4]);
    });

    it("stores values with and without a TTL, deletes them, and reads several at once", async () => {
      site = kind.newSite();
      const a = site.open();
      const b = site.open();
      await a.set("k1", { x: 1 });
      await a.set("k2", [1, "two"], 60_000);
      await a.set("short", "gone soon", 50);
      expect(await b.get("k1")).toEqual({ x: 1 });
      expect(await b.get("k2")).toEqual([1, "two"]);
      expect(await b.get("missing")).toBeUndefined();
      expect(await b.mget(["k1", "missing", "k2"])).toEqual([{ x: 1 }, undefined, [1, "two"]]);
      expect(await b.mget([])).toEqual([]);
      await waitFor(async () => (await b.get("short")) === undefined, "TTL expiry");
      expect(await b.mget(["short"])).toEqual([undefined]);
      await b.delete("k1");
      await b.delete("never-there");
      expect(await a.get("k1")).toBeUndefined();
      expect(await a.get("k2")).toEqual([1, "two"]);
    });

    it("compare-and-set stores only over the expected value (undefined: only when absent)", async () => {
      site = kind.newSite();
      const a = site.open();
      const b = site.open();
      expect(await a.compareAndSet("c", undefined, { v: 1, s: "a" })).toBe(true);
      expect(await b.compareAndSet("c", undefined, { v: 9 })).toBe(false);
      const read = await b.get("c");
      expect(await b.compareAndSet("c", { v: 0, s: "a" }, { v: 9 })).toBe(false);
      // a TTL that cannot pass while the test reads the value back, however loaded the machine
      expect(await b.compareAndSet("c", read, { v: 2 }, 3_600_000)).toBe(true);
      expect(await a.compareAndSet("c", read, { v: 3 })).toBe(false);
      expect(await a.get("c")).toEqual({ v: 2 });
      // the TTL of a compare-and-set: a separate key with a short one, its expiry waited for
      expect(await a.compareAndSet("short", undefined, 1)).toBe(true);
      expect(await b.compareAndSet("short", 1, 2, 50)).toBe(true);
      await waitFor(async () => (await a.get("short")) === undefined, "CAS TTL expiry");
      expect(await a.compareAndSet("short", undefined, "back")).toBe(true);
      expect(await a.get("short")).toBe("back");
    });

    it("claims slots atomically: 20 concurrent claims from two instances on a limit of 3 → exactly 3; renew, release, lease end", async () => {
      site = kind.newSite();
      const a = site.open();
      const b = site.open();
      const LONG = 3_600_000; // a lease that cannot end during the test
      await Promise.all([a.get("warm"), b.get("warm")]); // connected: the burst races on Redis, not on the connection
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim("slots", `m${i}`, 3, LONG)));
      const holders = got.flatMap((ok, i) => (ok ? [`m${i}`] : []));
      expect(holders).toHaveLength(3);
      // a holder claiming again renews and keeps its slot; a newcomer is still refused
      expect(await a.claim("slots", holders[0]!, 3, LONG)).toBe(true);
      expect(await b.claim("slots", "newcomer", 3, LONG)).toBe(false);
      // a release frees exactly one slot, in every instance; releasing twice (or a stranger) is harmless
      await b.release("slots", holders[1]!);
      await b.release("slots", holders[1]!);
      await a.release("slots", "stranger");
      expect(await a.claim("slots", "newcomer", 3, LONG)).toBe(true);
      expect(await b.claim("slots", "late", 3, LONG)).toBe(false);
      // other keys are other sets; limit 0 refuses everybody
      expect(await b.claim("other", "late", 1, LONG)).toBe(true);
      expect(await b.claim("zero", "x", 0, LONG)).toBe(false);
      // a lease that ends frees its slot without a release (the holder died)
      expect(await a.claim("short", "dies", 1, 50)).toBe(true);
      expect(await b.claim("short", "waits", 1, LONG)).toBe(false);
      await waitFor(async () => b.claim("short", "waits", 1, LONG), "the short lease to end");
      // bad numbers are refused before anything is stored
      await expect(a.claim("bad", "m", -1, LONG)).rejects.toThrow(RangeError);
      await expect(a.claim("bad", "m", 1.5, LONG)).rejects.toThrow(RangeError);
      await expect(a.claim("bad", "m", 1, 0)).rejects.toThrow(RangeError);
      await expect(a.claim("bad", "m", 1, Number.NaN)).rejects.toThrow(RangeError);
      expect(await a.claim("bad", "m", 1, LONG)).toBe(true);
    });

    it("keeps sorted indexes: by score then member, reversed, paged, removable", async () => {
      site = kind.newSite();
      const a = site.open();
      const b = site.open();
      expect(await a.zcard("z")).toBe(0);
      expect(await a.zrange("z")).toEqual([]);
      await a.zadd("z", 3, "c");
      await a.zadd("z", 1, "a");
      await a.zadd("z", 2, "b2");
      await a.zadd("z", 2, "b1");
      await a.zadd("z", 5, "e");
      await a.zadd("z", 0, "e"); // re-scored
      expect(await b.zcard("z")).toBe(5);
      expect(await b.zrange("z")).toEqual(["e", "a", "b1", "b2", "c"]);
      expect(await b.zrange("z", { reverse: true })).toEqual(["c", "b2", "b1", "a", "e"]);
      expect(await b.zrange("z", { reverse: true, offset: 1, count: 2 })).toEqual(["b2", "b1"]);
      expect(await b.zrange("z", { offset: 4, count: 10 })).toEqual(["c"]);
      expect(await b.zrange("z", { count: 0 })).toEqual([]);
      await b.zrem("z", ["a", "nope"]);
      await b.zrem("z", []);
      expect(await a.zrange("z")).toEqual(["e", "b1", "b2", "c"]);
      await a.zrem("z", ["e", "b1", "b2", "c"]);
      expect(await a.zcard("z")).toBe(0);
    });

    it("reports itself healthy once connected", async () => {
      site = kind.newSite();
      const a = site.open();
      await a.get("warm-up");
      await waitFor(() => a.healthy, "healthy");
    });
  });
}
