// Live sessions and live navigation (issue 12) over a real fastify server and real WebSockets:
// onMount hooks on the HTTP render, the join and the navigation; one frame each way for a
// navigation; full loads across sessions; refusals; lv-patch to another route; pageTitle.
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { weft, LiveView, type Params } from "../src/index.js";
import { Client, getPage, SECRET } from "./helpers.js";

const calls: string[] = [];
const gate = { open: true };
let terminated = 0;

class Home extends LiveView<{ user: string; n: number }> {
  static title = "Home";
  mount() {
    // `user` comes from the live session's onMount hook, which runs before mount: mount returns the rest
    return { n: 0 };
  }
  terminate() {
    terminated++;
  }
  render() {
    return `<p>home of ${this.assigns.user} ${this.assigns.n}</p>`;
  }
  events = {
    inc: () => this.assign({ n: this.assigns.n + 1 }),
    go: () => this.pushNavigate("/items/7?tab=x"),
    patchAway: () => this.pushPatch("/items/8"),
  };
}

class Item extends LiveView<{ user: string; id: string; tab: string; pageTitle: string }> {
  mount(params: Params) {
    return { id: params.id, tab: params.tab ?? "", pageTitle: `Item ${params.id}` };
  }
  handleParams(params: Params) {
    this.assign({ tab: params.tab ?? "" });
  }
  render() {
    return `<p>item ${this.assigns.id} ${this.assigns.tab} for ${this.assigns.user}</p>`;
  }
  events = { rename: () => this.assign({ pageTitle: `Item ${this.assigns.id} (renamed)` }) };
}

class Other extends LiveView {
  mount() {}
  render() {
    return "<p>other</p>";
  }
}

class Plain extends LiveView {
  mount() {}
  render() {
    return "<p>plain</p>";
  }
}

class PlainOtherLayout extends Plain {}
class Plain2 extends LiveView {
  mount() {}
  render() {
    return "<p>plain 2</p>";
  }
}

let app: FastifyInstance;
let base: string;
const open: Client[] = [];

beforeAll(async () => {
  app = Fastify({ logger: false });
  await app.register(weft, { secret: SECRET });
  app.liveSession(
    "main",
    {
      onMount: (view, params, session) => {
        calls.push(`${view.constructor.name}:${view.ctx.connected ? "connected" : "http"}:${params.id ?? ""}:${session.id ? "s" : ""}`);
        if (!gate.open) return false;
        view.assign({ user: "ada" });
      },
    },
    (s) => {
      s.live("/", Home);
      s.live("/items/:id", Item, { title: (p) => `Item #${p.id}` });
    },
  );
  app.liveSession("other", {}, (s) => s.live("/other", Other));
  app.live("/plain", Plain);
  app.live("/plain2", Plain2);
  // same session, another layout: the layout would stay, so it is a full load
  app.live("/plain-other-layout", PlainOtherLayout, { layout: new URL("../src/render/layout.eta", import.meta.url) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const c of open) c.close();
  await app.close();
});

async function joined(path: string) {
  const page = await getPage(base, path);
  const c = await Client.open(base, page.cookie);
  open.push(c);
  c.join(1, page.roots[0].token, base + path);
  await c.until(() => c.html.has(1), "first render");
  return { c, page };
}

describe("live sessions", () => {
  it("run onMount on the HTTP render and on the join, before mount (the hook's assigns render)", async () => {
    calls.length = 0;
    const { c, page } = await joined("/");
    expect(page.html).toContain("home of ada 0");
    expect(page.html).toContain("<title>Home</title>");
    expect(c.html.get(1)).toBe("<p>home of ada 0</p>");
    expect(calls).toEqual(["Home:http::s", "Home:connected::s"]);
  });

  it("a live navigation is one frame each way: the old view leaves, the new one mounts with the hooks, its title and a fresh token", async () => {
    const { c } = await joined("/");
    calls.length = 0;
    const before = terminated;
    const n = c.frames.length;
    c.send(["n", 1, 2, base + "/items/7?tab=a"]);
    await c.until(() => c.html.has(2), "the mounted frame");
    const got = c.frames.slice(n);
    expect(got).toHaveLength(1);
    const [type, ref, html, title, id, view, token] = got[0] as string[];
    expect([type, ref, html, title, view]).toEqual(["m", 2, "<p>item 7 a for ada</p>", "Item 7", "item"]);
    expect(id).toMatch(/^lv-/);
    expect(calls).toEqual(["Item:connected:7:s"]);
    await c.until(() => terminated === before + 1, "the old view's terminate");
    // the new view is live on the new ref; the old ref is gone
    await c.reply(c.event(2, "rename"));
    expect(await c.until(() => c.frames.find((f) => f[0] === "ti"), "title frame")).toEqual(["ti", 2, "Item 7 (renamed)"]);
    const gone = await c.reply(c.event(1, "inc"));
    expect(gone).toEqual(["!", 1, "unknown_view", "no such view", expect.any(Number)]);
    // its token is the new view's: a fresh socket rejoins with it (a reconnect after the navigation)
    const c2 = await Client.open(base, (await getPage(base, "/")).cookie);
    open.push(c2);
    c2.join(1, token, base + "/items/7");
    await c2.until(() => c2.messages.some((m) => m.type === "!"), "refused: another session's token");
  });

  it("the rejoin of a navigated view's token works on the same session", async () => {
    const page = await getPage(base, "/");
    const c = await Client.open(base, page.cookie);
    open.push(c);
    c.join(1, page.roots[0].token, base + "/");
    await c.until(() => c.html.has(1), "join");
    c.send(["n", 1, 2, base + "/items/3"]);
    await c.until(() => c.html.has(2), "mounted");
    const token = (c.frames.find((f) => f[0] === "m") as string[])[6];
    const again = await Client.open(base, page.cookie);
    open.push(again);
    again.join(5, token, base + "/items/3");
    await again.until(() => again.html.get(5) === "<p>item 3  for ada</p>", "rejoined item");
  });

  it("pushNavigate tells the client to navigate; the HTTP render of the new page takes the route's title function", async () => {
    const { c } = await joined("/");
    await c.reply(c.event(1, "go"));
    expect(c.frames.find((f) => f[0] === "g")).toEqual(["g", 1, "/items/7?tab=x", 0]);
    // a pushPatch to another route navigates too, and runs no handleParams
    await c.reply(c.event(1, "patchAway"));
    expect(c.frames.filter((f) => f[0] === "g").at(-1)).toEqual(["g", 1, "/items/8", 0]);
    expect(c.frames.some((f) => f[0] === "t")).toBe(false);
    // the page's pageTitle assign wins over the route's title
    expect((await getPage(base, "/items/9")).html).toContain("<title>Item 9</title>");
  });

  it("between plain routes of the same layout a navigation is live (the implicit session); another layout is a full load", async () => {
    const page = await getPage(base, "/plain");
    const c = await Client.open(base, page.cookie);
    open.push(c);
    c.join(1, page.roots[0].token, base + "/plain");
    await c.until(() => c.html.has(1), "join");
    c.send(["n", 1, 2, base + "/plain2"]);
    await c.until(() => c.html.get(2) === "<p>plain 2</p>", "live navigation");
    expect(c.frames.at(-1)![0]).toBe("m");
    c.send(["n", 2, 3, base + "/plain-other-layout"]);
    await c.until(() => c.frames.some((f) => f[0] === "x"), "full load");
    expect(c.frames.at(-1)).toEqual(["x", 3, "/plain-other-layout"]);
  });

  it("crossing live sessions, a plain route or an unknown path is a full load (redirect), and the hooks do not run", async () => {
    for (const path of ["/other", "/plain", "/nowhere?x=1"]) {
      const { c } = await joined("/");
      calls.length = 0;
      c.send(["n", 1, 2, base + path]);
      await c.until(() => c.frames.some((f) => f[0] === "x"), `redirect to ${path}`);
      expect(c.frames.at(-1)).toEqual(["x", 2, path]);
      expect(calls).toEqual([]);
    }
  });

  it("an lv-patch (params) to another route becomes a navigation, never the wrong view's handleParams", async () => {
    const { c } = await joined("/items/1");
    // the pageTitle assign reaches the client on the join
    expect(await c.until(() => c.frames.find((f) => f[0] === "ti"), "title on join")).toEqual(["ti", 1, "Item 1"]);
    c.send(["p", 1, base + "/items/1?tab=b"]);
    await c.until(() => c.html.get(1)?.includes(" b for"), "same route: handleParams");
    c.send(["p", 1, base + "/"]);
    await c.until(() => c.frames.some((f) => f[0] === "g"), "navigate instruction");
    expect(c.frames.at(-1)).toEqual(["g", 1, base + "/", 1]);
    // the same view class on other route params is another page too
    c.send(["p", 1, base + "/items/2?tab=c"]);
    await c.until(() => c.frames.filter((f) => f[0] === "g").length === 2, "second navigate instruction");
    expect(c.frames.at(-1)).toEqual(["g", 1, base + "/items/2?tab=c", 1]);
    expect(c.html.get(1)).toBe("<p>item 1 b for ada</p>");
  });

  it("refuses when onMount refuses: 403 over HTTP, unauthorized on join, a full load on navigation", async () => {
    const { c } = await joined("/");
    const page = await getPage(base, "/");
    gate.open = false;
    try {
      expect((await fetch(base + "/items/1")).status).toBe(403);
      const c2 = await Client.open(base, page.cookie);
      open.push(c2);
      c2.join(1, page.roots[0].token, base + "/");
      await c2.until(() => c2.frames.find((f) => f[0] === "!"), "join refused");
      expect(c2.frames.at(-1)).toEqual(["!", 1, "unauthorized", "not allowed"]);
      c.send(["n", 1, 2, base + "/items/1"]);
      await c.until(() => c.frames.some((f) => f[0] === "x"), "navigation refused");
      expect(c.frames.at(-1)).toEqual(["x", 2, "/items/1"]);
      expect(c.html.has(2)).toBe(false);
    } finally {
      gate.open = true;
    }
  });

  it("refuses a navigate frame for an unknown view, a foreign URL or a ref in use, and keeps the view", async () => {
    const { c } = await joined("/");
    c.send(["n", 9, 10, base + "/items/1"]);
    c.send(["n", 1, 11, "http://evil.example/items/1"]);
    c.send(["n", 1, 1, base + "/items/1"]);
    await c.until(() => c.frames.filter((f) => f[0] === "!").length === 3, "three refusals");
    // (in any order: a malformed frame is refused at decoding, the others after the session check)
    expect(c.frames.filter((f) => f[0] === "!").map((f) => f.slice(0, 3).join(" ")).sort()).toEqual([
      "! 1 bad_frame",
      "! 1 bad_frame",
      "! 9 unknown_view",
    ]);
    await c.reply(c.event(1, "inc"));
    expect(c.html.get(1)).toBe("<p>home of ada 1</p>");
  });

  it("a session declared twice, a route naming an undeclared session, or a view in two sessions stop the start with WEFT_ERR_LIVE_SESSION", async () => {
    const a = Fastify({ logger: false });
    await a.register(weft, { secret: SECRET });
    a.liveSession("x", {}, (s) => s.live("/x", Plain));
    expect(() => a.liveSession("x", {})).toThrow(expect.objectContaining({ code: "WEFT_ERR_LIVE_SESSION" }));
    expect(() => a.live("/y", Other, { liveSession: "nope" })).toThrow(expect.objectContaining({ code: "WEFT_ERR_LIVE_SESSION" }));
    expect(() => a.liveSession("z", {}, (s) => s.live("/z", Plain))).toThrow(expect.objectContaining({ code: "WEFT_ERR_LIVE_SESSION" }));
    await a.close();
  });
});
