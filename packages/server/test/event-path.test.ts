// The event path of a connected view (live/runtime.ts): a synchronous handler is answered in the
// caller's turn when nothing is queued (no promise per event), and the queue still runs
// callbacks one at a time in arrival order when a handler awaits.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LiveView, on, type Payload } from "../src/index.js";
import { mountLive } from "../src/testing/index.js";

let release: () => void = () => {};

class Steps extends LiveView<{ log: string }> {
  mount() {
    return { log: "" };
  }
  events = {
    sync: (p: Payload) => this.assign({ log: `${this.assigns.log}s${p.n ?? ""}` }),
    slow: async () => {
      await new Promise<void>((r) => (release = r));
      this.assign({ log: `${this.assigns.log}a` });
    },
    boom: () => {
      throw new Error("boom");
    },
    checked: on(z.object({ n: z.string() }), (p) => this.assign({ log: `${this.assigns.log}c${p.n}` })),
    replies: () => ({ reply: { ok: 1 } }),
  };
  render() {
    return `<p>${this.assigns.log}</p>`;
  }
}

describe("the event path", () => {
  it("answers a synchronous handler before event() returns, with its render in the reply", async () => {
    const t = await mountLive(Steps);
    const before = t.frames.length;
    const done = t.runtime.event(1, "sync", { n: "1" });
    // sent in this turn: no microtask ran yet
    expect(t.frames.length).toBe(before + 1);
    expect(t.frames.at(-1)).toMatch(/^\["ad",1,1,/);
    await done;
    expect(await t.settle()).toBe("<p>s1</p>");
  });

  it("runs events one at a time in arrival order when a handler awaits", async () => {
    const t = await mountLive(Steps);
    const before = t.frames.length;
    const slow = t.runtime.event(1, "slow", {});
    const next = t.runtime.event(2, "sync", { n: "2" });
    await new Promise((r) => setImmediate(r));
    // the synchronous one waits behind the one that awaits
    expect(t.frames.length).toBe(before);
    expect(t.view.assigns.log).toBe("");
    release();
    await Promise.all([slow, next]);
    expect(t.view.assigns.log).toBe("as2");
    expect(t.frames.slice(before).map((f) => JSON.parse(f)[2])).toEqual([1, 2]);
    // and once the queue is empty, a synchronous handler is answered at once again
    const n = t.frames.length;
    void t.runtime.event(3, "sync", { n: "3" });
    expect(t.frames.length).toBe(n + 1);
  });

  it("answers a throwing handler, a refused payload and a reply in the same turn, and keeps going", async () => {
    const t = await mountLive(Steps);
    const before = t.frames.length;
    void t.runtime.event(1, "boom", {});
    void t.runtime.event(2, "checked", { n: 7 } as never);
    void t.runtime.event(3, "checked", { n: "7" });
    void t.runtime.event(4, "replies", {});
    const got = t.frames.slice(before).map((f) => JSON.parse(f));
    expect(got.map((f) => [f[0], f[2]])).toEqual([
      ["!", "server_error"],
      ["!", "invalid_payload"],
      ["ad", 3],
      ["a", 4],
    ]);
    expect(got[3][3]).toEqual({ ok: 1 });
    expect(await t.settle()).toBe("<p>c7</p>");
  });
});
