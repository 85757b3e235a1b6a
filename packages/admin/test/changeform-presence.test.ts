// Presence on the change form (changeform/presence.ts) with an injected clock: joins are
// answered, heartbeats keep a form present, a form silent past the TTL (its worker crashed)
// drops out, leaves drop at once, own messages and malformed ones are ignored; two forms wired
// through a real MemoryChannelLayer see each other. And the version tokens of optimistic
// concurrency (changeform/concurrency.ts).
import { describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { FormPresence, HEARTBEAT, isPresenceMessage, PRESENCE_TIMING, presenceText, PresenceRoster } from "../src/changeform/presence.js";
import { describeChanges, versionOf } from "../src/changeform/concurrency.js";
import type { FormSpec } from "../src/changeform/fields.js";

const TTL = PRESENCE_TIMING.ttlMs;

describe("presence roster", () => {
  it("answers joins, keeps beating forms, drops leavers at once and silent ones after the TTL", () => {
    const r = new PresenceRoster("me", TTL);
    expect(r.receive({ presence: "join", pid: "a", user: "ann" }, 0)).toEqual({ changed: true, answer: true });
    expect(r.receive({ presence: "beat", pid: "b", user: "bob" }, 0)).toEqual({ changed: true, answer: false });
    // the same user in a second window is named once
    expect(r.receive({ presence: "beat", pid: "a2", user: "ann" }, 0)).toEqual({ changed: false, answer: false });
    expect(r.names()).toEqual(["ann", "bob"]);
    r.receive({ presence: "beat", pid: "a", user: "ann" }, TTL - 1);
    r.receive({ presence: "beat", pid: "a2", user: "ann" }, TTL - 1);
    // bob's worker crashed: no leave, no beat; gone after the TTL, ann is still there
    expect(r.prune(TTL - 1)).toBe(false);
    expect(r.prune(TTL)).toBe(true);
    expect(r.names()).toEqual(["ann"]);
    expect(r.receive({ presence: "leave", pid: "a", user: "ann" }, TTL)).toEqual({ changed: false, answer: false });
    expect(r.receive({ presence: "leave", pid: "a2", user: "ann" }, TTL).changed).toBe(true);
    expect(r.names()).toEqual([]);
    // its own messages come back on the topic and are ignored
    expect(r.receive({ presence: "join", pid: "me", user: "me" }, 0)).toEqual({ changed: false, answer: false });
  });

  it("checks messages from the channel layer and words the notice", () => {
    expect(isPresenceMessage({ presence: "beat", pid: "x", user: "u" })).toBe(true);
    for (const bad of [null, "join", { presence: "hack", pid: "x", user: "u" }, { presence: "beat", pid: 1, user: "u" }, { presence: "beat", pid: "x".repeat(65), user: "u" }]) expect(isPresenceMessage(bad)).toBe(false);
    expect(presenceText([], "order")).toBe("");
    expect(presenceText(["ann"], "order")).toBe("ann is also editing this order");
    expect(presenceText(["ann", "bob"], "order")).toBe("ann and bob are also editing this order");
    expect(presenceText(["ann", "bob", "cy"], "order")).toBe("ann, bob and 1 other are also editing this order");
    expect(presenceText(["ann", "bob", "cy", "di"], "order")).toBe("ann, bob and 2 others are also editing this order");
  });

  it("two forms on one channel layer see each other; the heartbeat prunes a silent one", async () => {
    const layer = new MemoryChannelLayer();
    const topic = "presence:shop.order:1";
    const timers: Array<{ who: string; ms: number }> = [];
    const make = (pid: string, user: string) => {
      const p = new FormPresence({ topic, user, publish: (t, m) => layer.publish(t, m), sendInfo: (_m, ms) => void timers.push({ who: pid, ms }), onError: (e) => { throw e; } }, pid);
      const unsubscribe = layer.subscribe(topic, (m) => void p.handle(m, now));
      return { p, unsubscribe };
    };
    let now = 0;
    const a = make("a", "ann");
    a.p.start();
    const b = make("b", "bob");
    b.p.start();
    await expect.poll(() => [a.p.roster.names(), b.p.roster.names()]).toEqual([["bob"], ["ann"]]);
    expect(timers).toEqual([
      { who: "a", ms: PRESENCE_TIMING.heartbeatMs },
      { who: "b", ms: PRESENCE_TIMING.heartbeatMs },
    ]);
    // b's process dies without a word: a's heartbeat after the TTL drops it
    b.unsubscribe();
    now = TTL + 1;
    expect(a.p.handle(HEARTBEAT, now)).toBe(true);
    expect(a.p.roster.names()).toEqual([]);
    a.unsubscribe();
  });
});

describe("version tokens", () => {
  const col = {} as never;
  const spec = (keys: string[]): FormSpec => ({ columns: Object.fromEntries(keys.map((k) => [k, col])), byKey: new Map([["totalCents", { label: "Total" }]]) }) as unknown as FormSpec;

  it("is the version column when there is one, else a digest of every column", () => {
    expect(versionOf(spec(["id", "version"]), { id: 1, version: 7 })).toBe("7");
    const s = spec(["id", "totalCents", "at"]);
    const v = versionOf(s, { id: 1, totalCents: 100, at: new Date(5) });
    expect(v).toMatch(/^[\w-]{22}$/);
    expect(versionOf(s, { at: new Date(5), totalCents: 100, id: 1 })).toBe(v);
    expect(versionOf(s, { id: 1, totalCents: 101, at: new Date(5) })).not.toBe(v);
    expect(versionOf(s, { id: 1, totalCents: 100, at: new Date(6) })).not.toBe(v);
  });

  it("describes the other save's changes by label, without the version column", () => {
    expect(describeChanges(spec(["totalCents", "note", "version"]), { totalCents: [82245, 90000], note: [null, "gift"], version: [1, 2] })).toBe("total 82245 → 90000; note — → gift");
  });
});
