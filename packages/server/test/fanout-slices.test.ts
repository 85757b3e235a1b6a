// LocalFanout delivers a large fan-out a slice per turn of the event loop, in publish order.
import { describe, expect, it } from "vitest";
import { DELIVERY_SLICE, LocalFanout } from "../src/pubsub/channel-layer.js";
import { MemoryChannelLayer } from "../src/pubsub/memory.js";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe("LocalFanout slices", () => {
  it("delivers to `slice` handlers in the publishing turn and the rest in later turns, letting other work run between", async () => {
    const fanout = new LocalFanout(undefined, 2);
    const got: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) fanout.add("t", (m) => got.push(`${name}${String(m)}`));
    fanout.deliver("t", 1);
    expect(got).toEqual(["a1", "b1"]);
    // work queued now (another client's event) runs between two slices, not after the whole fan-out
    let between = -1;
    setImmediate(() => (between = got.length));
    for (let turn = 0; turn < 5 && got.length < 5; turn++) await nextTurn();
    expect(between).toBe(4);
    expect(got).toEqual(["a1", "b1", "c1", "d1", "e1"]);
  });

  it("keeps publish order for every handler while earlier messages are still being sliced, across topics", async () => {
    const fanout = new LocalFanout(undefined, 3);
    const seen = new Map<number, unknown[]>();
    for (let i = 0; i < 10; i++) {
      seen.set(i, []);
      fanout.add("t", (m) => seen.get(i)!.push(m));
    }
    const other: unknown[] = [];
    fanout.add("u", (m) => other.push(m));
    fanout.deliver("t", "m1");
    fanout.deliver("u", "u1"); // waits behind m1's slices
    fanout.deliver("t", "m2");
    expect(other).toEqual([]);
    for (let turn = 0; turn < 10 && [...seen.values()].some((s) => s.length < 2); turn++) await nextTurn();
    for (const s of seen.values()) expect(s).toEqual(["m1", "m2"]);
    expect(other).toEqual(["u1"]);
  });

  it("a throwing handler is reported and the slice goes on; an unsubscribe meanwhile still gets the message already on its way", async () => {
    const errors: unknown[] = [];
    const fanout = new LocalFanout((e) => errors.push(e), 1);
    const got: string[] = [];
    fanout.add("t", () => {
      throw new Error("boom");
    });
    const [off] = fanout.add("t", (m) => got.push(String(m)));
    fanout.deliver("t", "x");
    off();
    await nextTurn();
    expect(errors).toHaveLength(1);
    expect(got).toEqual(["x"]);
    fanout.deliver("t", "y");
    await nextTurn();
    expect(got).toEqual(["x"]);
  });

  it("rejects a slice that is not a whole number ≥ 1", () => {
    expect(() => new LocalFanout(undefined, 0)).toThrow(RangeError);
    expect(() => new LocalFanout(undefined, 1.5)).toThrow(RangeError);
  });

  it("a channel layer reaches 3 × DELIVERY_SLICE subscribers over several turns, each once", async () => {
    const layer = new MemoryChannelLayer();
    const counts = new Array<number>(DELIVERY_SLICE * 3).fill(0);
    counts.forEach((_, i) => layer.subscribe("kpi", () => counts[i]!++));
    await layer.publish("kpi", { n: 1 });
    for (let turn = 0; turn < 10 && counts.some((c) => c === 0); turn++) await nextTurn();
    expect(counts.every((c) => c === 1)).toBe(true);
    await layer.close();
  });
});
