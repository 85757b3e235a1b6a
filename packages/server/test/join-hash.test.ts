/**
 * The join that sends nothing new (issue 16): the client sends the hash of the HTML its root
 * holds; when the connected render is that HTML the server answers `["=", ref]` and keeps the
 * render as the base of later deltas; otherwise (state changed, or a forged / garbage hash) it
 * sends the HTML, as before. The counter, 50-row table and KPI tile are the demo's templates.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LiveView, on } from "../src/index.js";
import { decodeClientFrame, htmlHash } from "../../client/src/codec.js";
import { Client, getPage, rootInner, startServer } from "./helpers.js";

const TEMPLATES = fileURLToPath(new URL("../../../examples/admin-demo/templates/", import.meta.url));

class Counter extends LiveView<{ count: number }> {
  static template = "counter.eta";
  mount() {
    return { count: 0 };
  }
  events = { inc: () => this.assign({ count: this.assigns.count + 1 }) };
}

const ROWS = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, sku: `SKU-${1000 + i}`, name: `Product ${i + 1}`, stock: (i * 37) % 100, priceCents: 500 + ((i * 7919) % 10_000) }));

class StockTable extends LiveView<{ rows: typeof ROWS }> {
  static template = "table.eta";
  mount() {
    return { rows: ROWS };
  }
  events = {
    restock: on(z.object({ id: z.coerce.number().int().min(1).max(50) }), ({ id }) =>
      this.assign({ rows: this.assigns.rows.map((r) => (r.id === id ? { ...r, stock: r.stock + 1 } : r)) }),
    ),
  };
}

class Kpi extends LiveView<{ count: number }> {
  static template = "orders-today.eta";
  mount() {
    this.subscribe("orders");
    return { count: 41 };
  }
  handleInfo() {
    this.assign({ count: this.assigns.count + 1 });
  }
}

/** Renders something else once connected: the page's HTML is never the join's. */
class Clock extends LiveView<{ connected: boolean }> {
  mount() {
    return { connected: !!this.ctx.connected };
  }
  render() {
    return `<p>${this.assigns.connected ? "live" : "static"}</p>`;
  }
}

let srv: Awaited<ReturnType<typeof startServer>>;
const open: Client[] = [];

beforeAll(async () => {
  srv = await startServer({ "/counter": Counter, "/table": StockTable, "/kpi": Kpi, "/clock": Clock }, { views: TEMPLATES, limits: { joinTimeoutMs: 60_000 } });
});
afterAll(async () => {
  for (const c of open) c.close();
  await srv.app.close();
});

/** GETs `path` and joins its view on a new socket, with the hash of the page's root (or `hash` as given, or none). */
async function joined(path: string, opts: { hash?: unknown; none?: boolean } = {}) {
  const page = await getPage(srv.base, path);
  const root = page.roots[0];
  const inner = rootInner(page.html, root.id);
  const c = await Client.open(srv.base, page.cookie);
  open.push(c);
  if (opts.none) c.join(1, root.token, srv.base + path);
  else if ("hash" in opts) c.send(["j", 1, root.token, srv.base + path, null, opts.hash]);
  else c.join(1, root.token, srv.base + path, undefined, inner);
  await c.until(() => c.messages.find((m) => "ref" in m && m.ref === 1 && (m.type === "=" || m.type === "r" || m.type === "!")), "join answer");
  return { c, inner, page, answer: c.raw.find((t) => t.startsWith('["=",1') || t.startsWith('["r",1') || t.startsWith('["!",1'))! };
}

describe("join hash: nothing changed since the HTTP render", () => {
  for (const [path, event, payload] of [
    ["/counter", "inc", {}],
    ["/table", "restock", { id: "3" }],
  ] as const) {
    it(`${path}: the join reply is ["=",1] (≤ 64 B) and the next event's delta applies to the page's HTML`, async () => {
      const hashed = await joined(path);
      expect(hashed.answer).toBe('["=",1]');
      expect(Buffer.byteLength(hashed.answer)).toBeLessThanOrEqual(64);
      // a client without the hash gets the whole HTML, which is the page's: the two bases agree
      const plain = await joined(path, { none: true });
      expect(plain.answer.length).toBeGreaterThan(100);
      expect(plain.c.html.get(1)).toBe(hashed.inner);
      const seqs = [hashed.c.event(1, event, payload), plain.c.event(1, event, payload)];
      const [a, b] = [await hashed.c.reply(seqs[0]), await plain.c.reply(seqs[1])];
      expect(a[0]).toBe("ad");
      expect(JSON.stringify(a).length).toBeLessThanOrEqual(path === "/counter" ? 24 : 40);
      expect(b[0]).toBe("ad");
      expect(hashed.c.html.get(1)).toBe(plain.c.html.get(1));
      expect(hashed.c.html.get(1)).not.toBe(hashed.inner);
    });
  }

  it(`/kpi: the join reply is ["=",1] (≤ 64 B) and a push's delta applies to the page's HTML`, async () => {
    const k = await joined("/kpi");
    expect(k.answer).toBe('["=",1]');
    expect(Buffer.byteLength(k.answer)).toBeLessThanOrEqual(64);
    await srv.app.weft.services.pubsub.publish("orders", { type: "order.created" });
    await k.c.until(() => k.c.html.get(1)?.includes(">42<"), "the pushed count");
    const push = k.c.raw.find((t) => t.startsWith('["d",1'))!;
    expect(Buffer.byteLength(push)).toBeLessThanOrEqual(20);
    expect(k.c.html.get(1)).toBe(k.inner.replace(">41<", ">42<"));
  });
});

describe("join hash: a render that differs gets the HTML", () => {
  it("a view whose connected render changed answers with the full HTML, which the client then holds", async () => {
    const j = await joined("/clock");
    expect(j.inner).toBe("<p>static</p>");
    expect(JSON.parse(j.answer)).toEqual(["r", 1, "<p>live</p>"]);
    expect(j.c.html.get(1)).toBe("<p>live</p>");
  });

  it("the hash of other HTML gets the full HTML", async () => {
    const j = await joined("/counter", { hash: htmlHash("<p>something else</p>") });
    expect(j.answer.startsWith('["r",1,"')).toBe(true);
    expect(JSON.parse(j.answer)[2]).toBe(j.inner);
  });

  it("garbage and forged hashes are treated as changed: the HTML is sent, nothing else happens, the view works", async () => {
    for (const hash of ["", "x", "0.0", "-1.-1", 42, { a: 1 }, ["1.2"], "9".repeat(33), htmlHash("").repeat(3)]) {
      const j = await joined("/counter", { hash });
      expect(j.answer.startsWith('["r",1,"'), JSON.stringify(hash)).toBe(true);
      const seq = j.c.event(1, "inc");
      expect((await j.c.reply(seq))[0]).toBe("ad");
      expect(j.c.html.get(1)).toContain(">1<");
      expect(j.c.closed).toBeUndefined();
    }
  });

  it("a matching hash does not stand in for a token: a forged token with the right hash is refused", async () => {
    const page = await getPage(srv.base, "/counter");
    const c = await Client.open(srv.base, page.cookie);
    open.push(c);
    const token = page.roots[0].token;
    c.join(1, token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA"), srv.base + "/counter", undefined, rootInner(page.html, page.roots[0].id));
    await c.until(() => c.frames.find((f) => f[0] === "!" && f[1] === 1), "refusal");
    expect(c.frames.find((f) => f[0] === "!")![2]).toBe("invalid_token");
    expect(c.frames.some((f) => f[0] === "=")).toBe(false);
  });

  it("the codec reads a hash only as a short string, and a join with forms and a hash", () => {
    expect(decodeClientFrame('["j",1,"t","u",null,"12.34"]')).toMatchObject({ hash: "12.34", forms: [] });
    expect(decodeClientFrame('["j",1,"t","u",[["save",{"a":1}]],"12.34"]')).toMatchObject({ hash: "12.34", forms: [["save", { a: 1 }]] });
    expect(decodeClientFrame('["j",1,"t","u",null,12]')).not.toHaveProperty("hash");
    expect(decodeClientFrame(`["j",1,"t","u",null,"${"1".repeat(33)}"]`)).not.toHaveProperty("hash");
    expect(decodeClientFrame('["j",1,"t","u"]')).not.toHaveProperty("hash");
    expect(htmlHash("<p>1</p>")).toBe(htmlHash("<p>1</p>"));
    expect(htmlHash("<p>1</p>")).not.toBe(htmlHash("<p>2</p>"));
    expect(htmlHash("x".repeat(100_000)).length).toBeLessThanOrEqual(23);
  });
});
