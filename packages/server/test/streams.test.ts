// Streams (as Phoenix's stream/4): items rendered once, sent as `s` frames, kept by the
// browser and not by the server; at / limit / reset / delete; refusals; the HTTP render and
// the join over a real socket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, WeftError } from "../src/index.js";
import { mountLive, type LiveTest } from "../src/testing/index.js";
import { Client, getPage, startServer } from "./helpers.js";
import { STREAM_FRAME_CHARS } from "../src/live/streams.js";
import type { Outbox } from "../src/live/runtime.js";
import type { ServerFrame } from "../../client/src/codec.js";

type Row = { id: number; name: string };
const rows = (from: number, n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: from + i, name: `row ${from + i}` }));

/** A list as a stream, plus a counter elsewhere in the view. */
class Feed extends LiveView<{ title: string; count: number }> {
  static streams = { rows: { render: (r: Row, id: string) => `<li id="${id}">${r.name}</li>` } };
  mount(params: Record<string, string>) {
    this.stream("rows", rows(1, Number(params.n ?? 3)));
    return { title: "Feed", count: 0 };
  }
  render(it: { title: string; count: number }) {
    return `<h1>${it.title} ${it.count}</h1><ul id="rows" lv-stream="rows"></ul>`;
  }
  events = {
    inc: () => this.assign({ count: this.assigns.count + 1 }),
    add: (p: Record<string, unknown>) => this.streamInsert("rows", { id: Number(p.id), name: String(p.name ?? `row ${p.id}`) }, { at: p.at as number, limit: p.limit as number }),
    del: (p: Record<string, unknown>) => this.streamDelete("rows", { id: Number(p.id) }),
    delDom: (p: Record<string, unknown>) => this.streamDelete("rows", String(p.dom)),
    reset: () => this.stream("rows", rows(100, 2), { reset: true }),
    bulk: (p: Record<string, unknown>) => this.stream("rows", rows(Number(p.from), Number(p.n))),
    addThenDelete: () => {
      this.streamInsert("rows", { id: 50, name: "row 50" });
      this.streamDelete("rows", { id: 50 });
    },
  };
}

/** Keyed by `slug`, rendered with a template-less render; used for the refusals. */
class Keyed extends LiveView {
  static streams = { tags: { domId: (t: { slug: string }) => t.slug, render: (t: { slug: string }) => ` <b>${t.slug}</b>\n` /* trimmed when sent */ }, bare: {}, 'a"b': { render: () => "<i></i>" } };
  mount() {}
  render() {
    return `<p>tags</p><div lv-stream="tags"></div>`;
  }
}

const ids = (lv: LiveTest) => (lv.streams.get("rows") ?? []).map(([id]) => id);
/** the last HTML the server sent for the view: the base it diffs against */
const base = (lv: LiveTest) => (lv.runtime as unknown as { out: { sent: { get(): string | null } } }).out.sent.get();

describe("streams (mountLive)", () => {
  it("the mount's items arrive as one reset stream frame after the render; the container stays empty in the diffed HTML", async () => {
    const lv = await mountLive(Feed);
    expect(lv.frames[0]).toBe('["r",1,"<h1>Feed 0</h1><ul id=\\"rows\\" lv-stream=\\"rows\\"></ul>"]');
    expect(JSON.parse(lv.frames[1]!)).toEqual(["s", 1, "rows", 1, [], [["rows-1", -1, '<li id="rows-1">row 1</li>'], ["rows-2", -1, '<li id="rows-2">row 2</li>'], ["rows-3", -1, '<li id="rows-3">row 3</li>']]]);
    expect(base(lv)).toBe('<h1>Feed 0</h1><ul id="rows" lv-stream="rows"></ul>');
    expect(lv.html()).toBe('<h1>Feed 0</h1><ul id="rows" lv-stream="rows"><li id="rows-1">row 1</li><li id="rows-2">row 2</li><li id="rows-3">row 3</li></ul>');
  });

  it("at: -1 appends, 0 prepends, n inserts before the n-th; an existing id is updated in place", async () => {
    const lv = await mountLive(Feed);
    await lv.event("add", { id: 4 });
    await lv.event("add", { id: 0, at: 0 });
    await lv.event("add", { id: 9, at: 2 });
    expect(ids(lv)).toEqual(["rows-0", "rows-1", "rows-9", "rows-2", "rows-3", "rows-4"]);
    await lv.event("add", { id: 2, name: "renamed", at: 0 });
    expect(ids(lv)).toEqual(["rows-0", "rows-1", "rows-9", "rows-2", "rows-3", "rows-4"]);
    expect(lv.html()).toContain('<li id="rows-2">renamed</li>');
  });

  it("limit trims from the other end: n keeps the first n, -n the last n", async () => {
    const lv = await mountLive(Feed);
    await lv.event("add", { id: 4, limit: -3 });
    expect(ids(lv)).toEqual(["rows-2", "rows-3", "rows-4"]);
    await lv.event("add", { id: 0, at: 0, limit: 2 });
    expect(ids(lv)).toEqual(["rows-0", "rows-2"]);
    const last = JSON.parse(lv.frames.at(-1)!);
    expect(last).toEqual(["s", 1, "rows", 0, [], [["rows-0", 0, '<li id="rows-0">row 0</li>', 2]]]);
  });

  it("delete by item or by DOM id; reset clears; insert-then-delete in one handler leaves nothing behind", async () => {
    const lv = await mountLive(Feed);
    await lv.event("del", { id: 2 });
    expect(ids(lv)).toEqual(["rows-1", "rows-3"]);
    expect(JSON.parse(lv.frames.at(-1)!)).toEqual(["s", 1, "rows", 0, ["rows-2"], []]);
    await lv.event("delDom", { dom: "rows-3" });
    expect(ids(lv)).toEqual(["rows-1"]);
    await lv.event("addThenDelete");
    expect(JSON.parse(lv.frames.at(-1)!)).toEqual(["s", 1, "rows", 0, ["rows-50"], []]);
    expect(ids(lv)).toEqual(["rows-1"]);
    await lv.event("reset");
    expect(ids(lv)).toEqual(["rows-100", "rows-101"]);
    expect(JSON.parse(lv.frames.at(-1)!)[3]).toBe(1);
  });

  it("a render of other parts sends a delta and no stream frame; the items stay", async () => {
    const lv = await mountLive(Feed);
    const n = lv.frames.length;
    await lv.event("inc");
    const after = lv.frames.slice(n).map((f) => JSON.parse(f)[0]);
    expect(after).toEqual(["ad"]);
    expect(ids(lv)).toEqual(["rows-1", "rows-2", "rows-3"]);
    expect(lv.html()).toContain("<h1>Feed 1</h1>");
  });

  it("the server's base HTML does not grow with 10,000 inserted items; one more item is one small frame", async () => {
    const lv = await mountLive(Feed, { props: { n: 0 } });
    const before = base(lv);
    expect(before).not.toBeNull();
    await lv.event("bulk", { from: 1, n: 10_000 });
    expect(lv.streams.get("rows")).toHaveLength(10_000);
    expect(base(lv)).toBe(before);
    expect(base(lv)!.length).toBe(before!.length);
    // the items are not kept: the view holds no pending stream operation after the send
    expect((lv.view as unknown as Record<symbol, { size: number }>)[Object.getOwnPropertySymbols(lv.view).find((s) => s.description === "weft.streams")!]!.size).toBe(0);
    const n = lv.frames.length;
    await lv.event("add", { id: 10_001 });
    const frames = lv.frames.slice(n);
    expect(frames).toHaveLength(2); // the event's reply, then the stream frame
    expect(frames[0]).toBe('["a",1,2]');
    expect(frames[1]).toBe('["s",1,"rows",0,[],[["rows-10001",-1,"<li id=\\"rows-10001\\">row 10001</li>"]]]');
    expect(Buffer.byteLength(frames[1]!)).toBe(78);
    expect(base(lv)).toBe(before);
  });

  it("a long stream goes in frames of at most 64 Ki characters of HTML; held frames go first on drain, renders never overtake them", async () => {
    const lv = await mountLive(Feed, { props: { n: 0 } });
    const rt = lv.runtime as unknown as { outbox: Outbox; flush(): void };
    const real = rt.outbox;
    let room = Infinity; // frames the socket takes before it is congested
    rt.outbox = { send: (f: ServerFrame) => (room--, real.send(f)), congested: () => room <= 0 };
    const types = (from: number) => lv.frames.slice(from).map((f) => JSON.parse(f)[0] as string);
    const html = (f: string) => (JSON.parse(f)[5] as Array<[string, number, string]>).reduce((n, i) => n + i[2].length, 0);

    let n = lv.frames.length;
    await lv.event("bulk", { from: 1, n: 10_000 });
    const chunks = lv.frames.slice(n).filter((f) => f.startsWith('["s"'));
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const f of chunks) expect(html(f)).toBeLessThanOrEqual(STREAM_FRAME_CHARS);
    expect(ids(lv)).toEqual(Array.from({ length: 10_000 }, (_, i) => `rows-${i + 1}`));

    // the socket takes the reply and one chunk, then is congested: the other chunks wait
    n = lv.frames.length;
    room = 2;
    await lv.event("bulk", { from: 20_001, n: 10_000 });
    expect(types(n)).toEqual(["a", "s"]);
    // an event meanwhile: answered, its render held behind the chunks
    await lv.event("inc");
    expect(types(n)).toEqual(["a", "s", "a"]);
    // drained: the held chunks, then the render
    room = Infinity;
    rt.flush();
    await lv.settle();
    const after = types(n);
    expect(after.slice(0, 3)).toEqual(["a", "s", "a"]);
    expect(after.at(-1)).toBe("d");
    expect(after.slice(3, -1).every((t) => t === "s")).toBe(true);
    expect(ids(lv)).toHaveLength(20_000);
    expect(ids(lv).at(-1)).toBe("rows-30000");
    expect(lv.html()).toContain("<h1>Feed 1</h1>");
  });

  it("refuses bad streams, options and items with a WeftError code, and queues nothing", async () => {
    const lv = await mountLive(Keyed);
    const v = lv.view;
    const code = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(WeftError);
        return (err as WeftError).code;
      }
      return "no error";
    };
    expect(code(() => v.stream("nope", []))).toBe("WEFT_ERR_STREAM_NOT_CONFIGURED");
    expect(code(() => v.stream("bare", []))).toBe("WEFT_ERR_STREAM_NOT_CONFIGURED");
    expect(code(() => v.stream("toString", []))).toBe("WEFT_ERR_STREAM_NOT_CONFIGURED");
    // a name that could not be written into the container's attribute and selector
    expect(code(() => v.stream('a"b', []))).toBe("WEFT_ERR_STREAM_NOT_CONFIGURED");
    expect(code(() => v.stream("tags", [{ slug: "a" }], { at: -2 }))).toBe("WEFT_ERR_STREAM_OPTION");
    expect(code(() => v.stream("tags", [{ slug: "a" }], { at: 1.5 }))).toBe("WEFT_ERR_STREAM_OPTION");
    expect(code(() => v.stream("tags", [{ slug: "a" }], { limit: 0 }))).toBe("WEFT_ERR_STREAM_OPTION");
    expect(code(() => v.stream("tags", "abc" as never))).toBe("WEFT_ERR_STREAM_OPTION");
    expect(code(() => v.stream("tags", null as never))).toBe("WEFT_ERR_STREAM_OPTION");
    // one bad item refuses the whole call: the good one before it is not queued
    expect(code(() => v.stream("tags", [{ slug: "ok" }, 7 as never]))).toBe("WEFT_ERR_STREAM_ITEM_ID");
    expect(code(() => v.stream("tags", [{ slug: "" }]))).toBe("WEFT_ERR_STREAM_ITEM_ID");
    expect(code(() => v.streamDelete("tags", ""))).toBe("WEFT_ERR_STREAM_ITEM_ID");
    await lv.settle();
    expect(lv.frames.filter((f) => f.startsWith('["s"'))).toEqual([]);
    // a good call still works afterwards
    v.stream("tags", [{ slug: "x" }]);
    await lv.settle();
    expect(lv.html()).toBe('<p>tags</p><div lv-stream="tags"><b>x</b></div>');
    expect(lv.streams.get("tags")).toEqual([["x", "<b>x</b>"]]);
  });

  it("an item without an id (and no domId function) is refused", async () => {
    const lv = await mountLive(Feed);
    expect(() => lv.view.streamInsert("rows", { name: "no id" })).toThrow(expect.objectContaining({ code: "WEFT_ERR_STREAM_ITEM_ID" }));
  });
});

describe("streams over HTTP and the socket", () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const open: Client[] = [];
  beforeAll(async () => {
    srv = await startServer({ "/feed": Feed }, { limits: { joinTimeoutMs: 60_000 } });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await srv.app.close();
  });

  it("the HTTP render puts the items in their container; the join re-sends them with reset after the render", async () => {
    const page = await getPage(srv.base, "/feed");
    expect(page.html).toContain('<ul id="rows" lv-stream="rows"><li id="rows-1">row 1</li><li id="rows-2">row 2</li><li id="rows-3">row 3</li></ul>');
    const c = await Client.open(srv.base, page.cookie);
    open.push(c);
    c.join(1, page.roots[0]!.token, srv.base + "/feed");
    const s = await c.until(() => c.messages.find((m) => m.type === "s"), "stream frame");
    expect(c.messages.map((m) => m.type)).toEqual(["r", "s"]);
    expect(s).toMatchObject({ ref: 1, name: "rows", reset: true, deletes: [] });
    expect(c.html.get(1)).toBe('<h1>Feed 0</h1><ul id="rows" lv-stream="rows"></ul>');
  });
});
