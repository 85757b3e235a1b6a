// JobStore's onWrite hook (what @weft/admin keeps its job history with): called in the writing
// process after every stored write, with the record it replaced; a throwing observer changes
// nothing but a warning.
import { describe, expect, it } from "vitest";
import { JobStore, type JobRecord, startJob } from "../src/jobs/index.js";
import { MemoryChannelLayer } from "../src/pubsub/memory.js";

describe("JobStore onWrite", () => {
  it("sees the creation, each write with its predecessor, and never a write it declined", async () => {
    const layer = new MemoryChannelLayer();
    const seen: Array<[JobRecord["status"], number, number | undefined]> = [];
    const store = new JobStore(layer, { leaseMs: 3_600_000, onWrite: (rec, prev) => seen.push([rec.status, rec.rev, prev?.rev]) });
    const started = await startJob(store, { owner: "u1", action: "a", description: "d" }, (p) => p.update({ current: 1, total: 1 }));
    expect(await started.finished).toBe("done");
    expect(seen[0]).toEqual(["queued", 1, undefined]);
    expect(seen.at(-1)![0]).toBe("done");
    for (let i = 1; i < seen.length; i++) expect(seen[i]![2], `write ${i} follows write ${i - 1}`).toBe(seen[i - 1]![1]);
    const n = seen.length;
    await store.mutate(started.id, () => undefined);
    expect(seen).toHaveLength(n);
    await layer.close();
  });

  it("a throwing observer is logged; the write and its publish go on", async () => {
    const layer = new MemoryChannelLayer();
    const warnings: string[] = [];
    const store = new JobStore(layer, {
      onWrite: () => {
        throw new Error("observer down");
      },
      logger: { warn: (_o, msg) => void warnings.push(msg ?? "") },
    });
    const rec = await store.create({ owner: "u1", action: "a", description: "d" });
    const heard = new Promise<JobRecord>((r) => store.subscribe(rec.id, r));
    await store.update(rec.id, { message: "hi" });
    expect((await heard).message).toBe("hi");
    expect((await store.get(rec.id))?.message).toBe("hi");
    expect(warnings).toContain("weft: job write observer failed");
    await layer.close();
  });
});
