import { describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "../src/pubsub/index.js";
import { mountLive } from "../src/testing/index.js";
import { Counter, Navigator, Sequencer } from "./fixtures/views.js";

describe("@weft/server/testing", () => {
  it("mounts a view connected and drives it with events", async () => {
    const lv = await mountLive(Counter);
    expect(lv.html()).toContain('<b id="count">0</b>');
    expect(await lv.event("inc", { by: 2 })).toContain('<b id="count">2</b>');
    expect(lv.view.assigns.count).toBe(2);
    await lv.event("nope");
    expect(lv.errors).toEqual([{ code: "unknown_event", message: 'unknown event "nope"' }]);
  });

  it("records pushed events, patches and redirects", async () => {
    const lv = await mountLive(Navigator, { url: "http://localhost/nav?page=3" });
    expect(lv.html()).toBe("<p>page 3</p>");
    await lv.event("next");
    await lv.settle();
    expect(lv.patches).toEqual(["/nav?page=4"]);
    expect(lv.html()).toBe("<p>page 4</p>");
    await lv.event("ping");
    expect(lv.pushed).toEqual([{ event: "pong", payload: { at: 1 } }]);
    await lv.event("away");
    expect(lv.redirectedTo).toBe("/elsewhere");
  });

  it("delivers pubsub messages to handleInfo and stops listening after close", async () => {
    const pubsub = new MemoryChannelLayer();
    const lv = await mountLive(Sequencer, { pubsub });
    await pubsub.publish("seq", { n: 1 });
    expect(await lv.settle()).toBe("<ol><li>info:1</li></ol>");
    await lv.close();
    await pubsub.publish("seq", { n: 2 });
    expect(await lv.settle()).toBe("<ol><li>info:1</li></ol>");
  });
});
