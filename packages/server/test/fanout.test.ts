// Render once for many viewers (live/fanout.ts): views of one class in one state share one
// render, one delta and one frame; `static shared = true` also shares handleInfo; per-user
// views keep their own work. Real servers and sockets for the wire, the memo alone for the rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fanout } from "../src/live/fanout.js";
import { LiveView, type Params } from "../src/index.js";
import { Client, getPage, startServer } from "./helpers.js";

const TEMPLATE = new URL("./fixtures/templates/counter.eta", import.meta.url);
let infoRuns = 0;
let renders = 0;

/** A KPI tile of one shared state: handleInfo runs once per publish for the whole group. */
class SharedTile extends LiveView<{ count: number }> {
  static shared = true;
  mount(params: Params) {
    this.subscribe("tile");
    return { count: Number(params.start ?? 0) };
  }
  render() {
    renders++;
    return `<b>${this.assigns.count}</b>`;
  }
  handleInfo(msg: unknown) {
    infoRuns++;
    this.assign({ count: this.assigns.count + (msg as { by: number }).by });
  }
}

/** Not shared, renders from a template: each view runs handleInfo, equal states share the render. */
class TemplateTile extends LiveView<{ count: number }> {
  static template = TEMPLATE;
  mount() {
    this.subscribe("ttile");
    return { count: 0 };
  }
  handleInfo() {
    infoRuns++;
    this.assign({ count: this.assigns.count + 1 });
  }
}

/** A per-user view (render() reads the session): never shared. */
class PerUser extends LiveView<{ n: number }> {
  mount() {
    this.subscribe("user");
    return { n: 0 };
  }
  render() {
    return `<i>${this.session.id}:${this.assigns.n}</i>`;
  }
  handleInfo() {
    this.assign({ n: this.assigns.n + 1 });
  }
}

let srv: Awaited<ReturnType<typeof startServer>>;
const open: Client[] = [];
beforeAll(async () => {
  srv = await startServer({ "/shared": SharedTile, "/template": TemplateTile, "/user": PerUser }, { limits: { joinTimeoutMs: 60_000 } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await srv.app.close();
});

async function viewers(path: string, n: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const page = await getPage(srv.base, path);
      const c = await Client.open(srv.base, page.cookie);
      open.push(c);
      c.join(1, page.roots[0].token, srv.base + path);
      await c.until(() => c.html.has(1), "join");
      return c;
    }),
  );
}

describe("render once for many viewers", () => {
  it("a shared view's handleInfo and render run once per state; every viewer gets the same bytes", async () => {
    const zero = await viewers("/shared", 6);
    const ten = await viewers("/shared?start=10", 4);
    // the shared frame's bytes go out as text frames, as every other frame
    const binary: boolean[] = [];
    zero[0].ws.on("message", (_d, isBinary) => binary.push(isBinary));
    infoRuns = 0;
    renders = 0;
    await srv.app.weft.services.pubsub.publish("tile", { by: 2 });
    await Promise.all([...zero, ...ten].map((c) => c.until(() => c.html.get(1)?.includes("2</b>"), "the push")));
    for (const c of zero) expect(c.html.get(1)).toBe("<b>2</b>");
    for (const c of ten) expect(c.html.get(1)).toBe("<b>12</b>");
    // two states, two groups
    expect(infoRuns).toBe(2);
    expect(renders).toBe(2);
    expect(new Set(zero.map((c) => c.raw.at(-1))).size).toBe(1);
    expect(zero[0].raw.at(-1)!.length).toBeLessThanOrEqual(24);
    expect(binary).toEqual([false]);
    // a second publish: each group still right
    await srv.app.weft.services.pubsub.publish("tile", { by: 1 });
    await Promise.all(zero.map((c) => c.until(() => c.html.get(1) === "<b>3</b>", "second push")));
    await Promise.all(ten.map((c) => c.until(() => c.html.get(1) === "<b>13</b>", "second push")));
  });

  it("a template view runs handleInfo per view but renders and diffs once for equal assigns", async () => {
    const cs = await viewers("/template", 5);
    infoRuns = 0;
    await srv.app.weft.services.pubsub.publish("ttile", {});
    await Promise.all(cs.map((c) => c.until(() => c.html.get(1)?.includes('"count">1<'), "the push")));
    expect(infoRuns).toBe(5);
    expect(new Set(cs.map((c) => c.raw.at(-1))).size).toBe(1);
  });

  it("a per-user view keeps its own render", async () => {
    const cs = await viewers("/user", 3);
    await srv.app.weft.services.pubsub.publish("user", {});
    await Promise.all(cs.map((c) => c.until(() => c.html.get(1)?.endsWith(":1</i>"), "the push")));
    expect(new Set(cs.map((c) => c.html.get(1))).size).toBe(3);
  });
});

describe("Fanout (the per-turn memo)", () => {
  class T extends LiveView<Record<string, unknown>> {
    static template = TEMPLATE;
    mount() {}
  }
  const view = (assigns: Record<string, unknown>, cls: new () => LiveView<any> = T) => Object.assign(new cls(), { assigns });
  const delta = (_o: string, h: string) => h;

  it("shares a render between equal primitive assigns only, and forgets it on the next turn", async () => {
    const f = new Fanout();
    let n = 0;
    const r = (v: LiveView<any>) => f.render(v, "old", { solo: () => false, render: () => `<p>${++n}</p>` }, delta);
    const a = r(view({ x: 1, s: "a" }));
    const b = r(view({ s: "a", x: 1 }));
    expect(n).toBe(1);
    expect(b.html).toBe(a.html);
    expect(f.frame(a.entry, 1, a.update!)).toBe(f.frame(b.entry, 1, b.update!));
    expect(f.frame(a.entry, 1, a.update!)).not.toBe(f.frame(b.entry, 2, b.update!));
    r(view({ x: 2, s: "a" }));
    r(view({ x: 1 }));
    r(view({ x: 1, s: "a", extra: undefined }));
    expect(n).toBe(4);
    // objects may have been mutated in place: never equal by identity unless the class is shared
    const list = [1];
    r(view({ list }));
    r(view({ list }));
    expect(n).toBe(6);
    // another HTML on the client: another group
    f.render(view({ x: 1, s: "a" }), "other", { solo: () => false, render: () => `<p>${++n}</p>` }, delta);
    expect(n).toBe(7);
    // a view whose render depends on more than its assigns neither takes nor gives
    f.render(view({ x: 1, s: "a" }), "old", { solo: () => true, render: () => `<p>${++n}</p>` }, delta);
    expect(n).toBe(8);
    await new Promise((res) => setImmediate(res));
    r(view({ x: 1, s: "a" }));
    expect(n).toBe(9);
  });

  it("a render() method is not shared unless the class is shared, which compares objects by identity", () => {
    class R extends LiveView<Record<string, unknown>> {
      mount() {}
      render() {
        return "";
      }
    }
    class S extends R {
      static shared = true;
    }
    const f = new Fanout();
    let n = 0;
    const list = [1];
    for (const cls of [R, R, S, S]) f.render(view({ list }, cls), "old", { solo: () => false, render: () => `${++n}` }, delta);
    expect(n).toBe(3);
  });

  it("shares handleInfo for a shared class; a failed run makes the others run their own", async () => {
    class S extends LiveView<{ n: number }> {
      static shared = true;
      mount() {}
    }
    const f = new Fanout();
    const msg = { m: 1 };
    let runs = 0;
    const views = [view({ n: 0 }, S), view({ n: 0 }, S), view({ n: 5 }, S)];
    const run = (v: LiveView<any>) => async () => {
      runs++;
      await Promise.resolve();
      v.assigns = { n: (v.assigns.n as number) + 1 };
    };
    const adopted = await Promise.all(views.map((v) => f.info(v, msg, run(v))));
    expect(adopted).toEqual([false, true, false]);
    expect(runs).toBe(2);
    expect(views[1].assigns).toBe(views[0].assigns);
    expect(views.map((v) => v.assigns.n)).toEqual([1, 1, 6]);

    const failing = [view({ n: 0 }, S), view({ n: 0 }, S)];
    const other = { m: 2 };
    const first = f.info(failing[0], other, async () => {
      throw new Error("no");
    });
    const second = f.info(failing[1], other, run(failing[1]));
    await expect(first).rejects.toThrow("no");
    expect(await second).toBe(false);
    expect(failing[1].assigns.n).toBe(1);
  });

  it("a synchronous handleInfo is shared without a promise; a synchronous throw makes the next view run its own", () => {
    class S extends LiveView<{ n: number }> {
      static shared = true;
      mount() {}
    }
    const f = new Fanout();
    const msg = { m: 3 };
    let runs = 0;
    const run = (v: LiveView<any>) => () => {
      runs++;
      v.assigns = { n: (v.assigns.n as number) + 1 };
    };
    const views = [view({ n: 0 }, S), view({ n: 0 }, S), view({ n: 5 }, S)];
    // booleans, not promises: the caller sends in the same turn
    expect(views.map((v) => f.info(v, msg, run(v)))).toEqual([false, true, false]);
    expect(runs).toBe(2);
    expect(views[1].assigns).toBe(views[0].assigns);
    const failing = [view({ n: 0 }, S), view({ n: 0 }, S)];
    const other = { m: 4 };
    expect(() =>
      f.info(failing[0], other, () => {
        throw new Error("no");
      }),
    ).toThrow("no");
    expect(f.info(failing[1], other, run(failing[1]))).toBe(false);
    expect(failing[1].assigns.n).toBe(1);
  });

  // string identity is not observable from JS: this checks the values and the bounds run;
  // the saving shows in bench:fanout's memory figure (50-row table: 19 -> 8 KiB per connection)
  it("interns the HTML sent per class: equal HTML is one string, the table is bounded, big HTML is not kept", () => {
    const f = new Fanout();
    const a = ["<p>", "1</p>"].join("");
    const b = ["<p>1", "</p>"].join("");
    expect(f.intern(T, a)).toBe(a);
    expect(f.intern(T, b)).toBe(a);
    for (let i = 0; i < 40; i++) f.intern(T, `<p>${i + 100}</p>`);
    const c = ["<p>", "1</p>"].join("");
    expect(f.intern(T, c)).toBe(c);
    const big = "x".repeat(70 * 1024);
    const big2 = "x".repeat(70 * 1024);
    f.intern(T, big);
    expect(f.intern(T, big2)).toBe(big2);
  });
});
