// LiveComponents: mounted and updated inside the parent's render, re-rendered only when their
// props or own assigns changed, their own events routed by the event frame's target
// (lv-target), ids checked. Over mountLive (the real runtime) and a real server and socket.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WeftError } from "../src/index.js";
import { mountLive } from "../src/testing/index.js";
import { calls, Board, Nameless, Shop, Twins } from "./fixtures/components.js";
import { Client, getPage, startServer } from "./helpers.js";

beforeEach(() => {
  calls.mount.length = calls.update.length = calls.render.length = 0;
});

describe("LiveComponent lifecycle", () => {
  it("mounts once, then calls update and renders only the component whose props changed", async () => {
    const lv = await mountLive(Board, { props: { count: 3 } });
    expect(lv.html()).toContain('<p id="t-tile-1">t1:0');
    // the disconnected HTTP render and the connected join each mount them, as Phoenix's do
    expect(calls.mount).toEqual(["tile-0", "tile-1", "tile-2", "tile-0", "tile-1", "tile-2"]);
    expect(calls.render).toEqual(["tile-0", "tile-1", "tile-2", "tile-0", "tile-1", "tile-2"]);
    calls.mount.length = calls.update.length = calls.render.length = 0;

    // a parent event no tile's props depend on: the parent renders, no tile does
    await lv.event("tick");
    expect(lv.html()).toContain("<i>1</i>");
    expect(calls.update).toEqual([]);
    expect(calls.render).toEqual([]);

    // one tile's props change: only that one updates and renders
    await lv.event("rename", { i: 1, to: "one" });
    expect(lv.html()).toContain('<p id="t-tile-1">one:0');
    expect(calls.update).toEqual(["tile-1"]);
    expect(calls.render).toEqual(["tile-1"]);
    expect(calls.mount).toEqual([]);
  });

  it("routes an event with a target to that component only; its state survives parent renders", async () => {
    const lv = await mountLive(Board, { props: { count: 2 } });
    calls.render.length = 0;
    await lv.event("bump", {}, "tile-0");
    await lv.event("bump", {}, "tile-0");
    expect(lv.html()).toContain('<p id="t-tile-0">t0:2');
    expect(lv.html()).toContain('<p id="t-tile-1">t1:0');
    expect(calls.render).toEqual(["tile-0", "tile-0"]);
    await lv.event("rename", { i: 0, to: "zero" });
    expect(lv.html()).toContain('<p id="t-tile-0">zero:2');
    // the view's own events are not the component's, and the component's not the view's
    await lv.event("bump");
    await lv.event("tick", {}, "tile-0");
    expect(lv.errors).toEqual([
      { code: "unknown_event", message: 'unknown event "bump"' },
      { code: "unknown_event", message: 'unknown event "tick"' },
    ]);
  });

  it("drops a component the parent stops rendering; shown again, it mounts afresh", async () => {
    const lv = await mountLive(Board, { props: { count: 1 } });
    calls.mount.length = 0;
    await lv.event("bump", {}, "tile-0");
    await lv.event("hide");
    await lv.event("bump", {}, "tile-0");
    expect(lv.errors).toEqual([{ code: "unknown_target", message: 'no component "tile-0" in this view' }]);
    await lv.event("show");
    expect(lv.html()).toContain('<p id="t-tile-0">t0:0');
    expect(calls.mount).toEqual(["tile-0"]);
  });

  it("renders from the view's template by declared name, with lv-target on its button", async () => {
    const lv = await mountLive(Shop);
    expect(lv.html()).toBe('<h1>Shop</h1><section id="cart"><b>1 items</b><button lv-click="toggle" lv-target="cart">toggle</button></section>\n');
    await lv.element("#cart button").click();
    expect(lv.html()).toContain("<ul><li>apple</li></ul>");
    await lv.event("add", { item: "pear" });
    expect(lv.html()).toContain("<b>2 items</b><ul><li>apple</li><li>pear</li></ul>");
  });

  it("a development re-render (a template edited) renders every component again", async () => {
    const { LiveComponent, LiveView } = await import("../src/index.js");
    const look = { word: "old" };
    class Word extends LiveComponent<{ id: string }> {
      render() {
        return `<em>${look.word}</em>`;
      }
    }
    class Page extends LiveView {
      mount() {}
      render(it: any) {
        return it.component(Word, { id: "w" });
      }
    }
    const lv = await mountLive(Page);
    look.word = "new";
    lv.runtime.rerender();
    expect(await lv.settle()).toBe("<em>new</em>");
  });

  it("refuses a missing id, a duplicate id and an undeclared name with coded errors", async () => {
    await expect(mountLive(Twins)).rejects.toMatchObject({ code: "WEFT_ERR_COMPONENT_ID_DUPLICATE" });
    await expect(mountLive(Nameless)).rejects.toMatchObject({ code: "WEFT_ERR_COMPONENT_ID_MISSING" });
    class Undeclared extends Shop {
      static components = {} as typeof Shop.components;
    }
    const err = await mountLive(Undeclared).catch((e) => e);
    expect(err).toBeInstanceOf(WeftError);
    expect(err.code).toBe("WEFT_ERR_COMPONENT_NOT_DECLARED");
  });
});

describe("LiveComponents over the socket", () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await startServer({ "/shop": Shop, "/board": Board }, { limits: { joinTimeoutMs: 60_000 } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await srv.app.close();
  });

  it("renders components in the disconnected page, and an event frame's target reaches the component", async () => {
    const page = await getPage(srv.base, "/shop");
    expect(page.html).toContain('<section id="cart"><b>1 items</b><button lv-click="toggle" lv-target="cart">');
    const c = await Client.open(srv.base, page.cookie);
    clients.push(c);
    c.join(1, page.roots[0].token, srv.base + "/shop");
    await c.until(() => c.html.has(1), "first render");
    c.send(["e", 1, 1, "toggle", {}, "cart"]);
    const reply = await c.reply(1);
    expect(reply[0]).toBe("ad");
    expect(c.html.get(1)).toContain("<ul><li>apple</li></ul>");
    // an unknown target is refused, naming the event; nothing changes
    c.send(["e", 1, 2, "toggle", {}, "basket"]);
    await c.until(() => c.find((f) => f[0] === "!" && f[4] === 2), "unknown_target error");
    expect(c.find((f) => f[0] === "!" && f[4] === 2)).toEqual(["!", 1, "unknown_target", 'no component "basket" in this view', 2]);
    // a malformed target is a bad frame
    c.send(["e", 1, 3, "toggle", {}, 7]);
    await c.until(() => c.find((f) => f[0] === "!" && f[4] === 3), "bad_frame error");
    expect(c.find((f) => f[0] === "!" && f[4] === 3)?.[2]).toBe("bad_frame");
    expect(c.html.get(1)).toContain("<ul><li>apple</li></ul>");
  });
});
