// Async assigns (assignAsync → AsyncResult loading / ok / failed) and startAsync/handleAsync:
// loaders run outside the view's event queue, and are aborted when the view leaves.
import { describe, expect, it } from "vitest";
import { AsyncCancelledError, LiveComponent, LiveView, type AsyncResult } from "../src/index.js";
import { mountLive } from "../src/testing/index.js";
import { gate, Profile } from "./fixtures/components.js";

describe("assignAsync", () => {
  it("shows loading (in the HTTP render too), keeps handling events while loading, then ok", async () => {
    const lv = await mountLive(Profile);
    expect(lv.staticHtml).toContain("<p>loading</p>");
    expect(lv.html()).toBe("<p>loading</p><i>0</i><s></s>");
    // the loader is pending: an event is still answered, with its render
    expect(await lv.event("ping")).toBe("<p>loading</p><i>1</i><s></s>");
    expect(lv.frames.at(-1)).toMatch(/^\["ad",1,1,/);
    gate.open!("acme");
    expect(await lv.renderAsync()).toBe("<p>ok:acme</p><i>1</i><s></s>");
    expect(lv.view.assigns.org).toEqual({ loading: false, ok: true, failed: undefined, result: "acme" });
  });

  it("a loader that throws leaves the assign failed, with what it threw", async () => {
    const lv = await mountLive(Profile);
    gate.open!(new Error("no such org"));
    expect(await lv.renderAsync()).toBe("<p>failed:no such org</p><i>0</i><s></s>");
  });

  it("a second assignAsync for the same key aborts the first and drops its outcome; a reload keeps the last result", async () => {
    const lv = await mountLive(Profile);
    gate.open!("first");
    await lv.renderAsync();
    const firstSignal = gate.signal!;
    await lv.event("reload");
    expect(lv.view.assigns.org).toMatchObject({ loading: true, result: "first" });
    expect(firstSignal.aborted).toBe(false); // it had finished; the new one is another task
    const secondSignal = gate.signal!;
    const openSecond = gate.open!;
    await lv.event("reload");
    expect(secondSignal.aborted).toBe(true);
    expect(secondSignal.reason).toBeInstanceOf(AsyncCancelledError);
    openSecond("stale");
    gate.open!("third");
    expect(await lv.renderAsync()).toContain("<p>ok:third</p>");
    expect(lv.frames.join("")).not.toContain("stale");
  });

  it("aborts the loader when the view leaves, and renders nothing after", async () => {
    const lv = await mountLive(Profile);
    const signal = gate.signal!;
    const frames = lv.frames.length;
    await lv.close();
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ code: "WEFT_ERR_ASYNC_CANCELLED", name: "AbortError" });
    gate.open!("too late");
    await lv.renderAsync();
    expect(lv.frames.length).toBe(frames);
    expect(lv.view.assigns.org).toMatchObject({ loading: true });
  });
});

describe("startAsync", () => {
  it("hands the outcome to handleAsync in the queue", async () => {
    const lv = await mountLive(Profile);
    gate.open!("acme");
    await lv.event("work");
    expect(await lv.renderAsync()).toContain("<s>work:done</s>");
  });

  it("cancelAsync aborts the task; handleAsync gets the AbortError", async () => {
    const lv = await mountLive(Profile);
    gate.open!("acme");
    await lv.event("slow");
    await lv.event("stop");
    expect(await lv.renderAsync()).toContain("<s>slow:AbortError</s>");
    expect(lv.view.cancelAsync("slow")).toBe(false);
  });

  it("renderAsync fails clearly, within its bound, when a loader never ends", async () => {
    const lv = await mountLive(Profile);
    await expect(lv.renderAsync(50)).rejects.toMatchObject({ code: "WEFT_ERR_TEST_ASYNC_TIMEOUT" });
    await lv.close();
  });
});

describe("assignAsync in a LiveComponent", () => {
  const loads: Array<{ signal: AbortSignal; open: (v: string) => void }> = [];
  class Stats extends LiveComponent<{ id: string; total: AsyncResult<string> }> {
    mount() {
      this.assignAsync("total", (signal) => new Promise((open) => loads.push({ signal, open: (v) => open({ total: v }) })));
    }
    render(it: this["assigns"]) {
      return `<b>${it.total.loading ? "…" : it.total.result}</b>`;
    }
  }
  class Dash extends LiveView<{ show: boolean }> {
    mount() {
      return { show: true };
    }
    events = { hide: () => this.assign({ show: false }) };
    render(it: any) {
      return it.show ? it.component(Stats, { id: "stats" }) : "<p>none</p>";
    }
  }

  it("loads in the component once connected; dropping the component aborts its loader", async () => {
    loads.length = 0;
    const lv = await mountLive(Dash);
    expect(lv.staticHtml).toContain("<b>…</b>");
    expect(loads).toHaveLength(1); // the disconnected render started nothing
    loads[0]!.open("42");
    expect(await lv.renderAsync()).toBe("<b>42</b>");

    const again = await mountLive(Dash);
    const pending = loads[1]!;
    await again.event("hide");
    expect(pending.signal.aborted).toBe(true);
    expect(await again.renderAsync()).toBe("<p>none</p>");
  });
});
