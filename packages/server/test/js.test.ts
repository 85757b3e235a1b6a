// JS commands (the builder, its JSON, its escaping in a template and its refusals) and the
// reply value of an event (`{ reply }` returned by a handler), over a real socket.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { JS, LiveView, WeftError } from "../src/index.js";
import { mountLive } from "../src/testing/index.js";
import { Client, getPage, startServer } from "./helpers.js";

const apps: FastifyInstance[] = [];
const clients: Client[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const a of apps) await a.close();
});

/** The code of the WeftError `f` throws (fails if it throws anything else or nothing). */
function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WeftError);
    return (e as WeftError).code;
  }
  throw new Error("did not throw");
}

describe("JS builder", () => {
  it("builds each operation with the browser's defaults filled in", () => {
    expect(JSON.parse(String(JS.show({ to: "#m" })))).toEqual([["show", { to: "#m", display: "block" }]]);
    expect(JSON.parse(String(JS.show({ display: "flex", transition: "fade-in", time: 50 })))).toEqual([["show", { display: "flex", transition: "fade-in", time: 50 }]]);
    expect(JSON.parse(String(JS.hide({ transition: " fade   out " })))).toEqual([["hide", { transition: "fade out", time: 200 }]]);
    expect(JSON.parse(String(JS.toggle()))).toEqual([["toggle", { display: "block" }]]);
    expect(JSON.parse(String(JS.addClass("a  b", { to: ".x" })))).toEqual([["add", { names: "a b", to: ".x" }]]);
    expect(JSON.parse(String(JS.removeClass("a")))).toEqual([["remove", { names: "a" }]]);
    expect(JSON.parse(String(JS.setAttribute("aria-expanded", "true", { to: "#b" })))).toEqual([["set", { attr: "aria-expanded", value: "true", to: "#b" }]]);
    expect(JSON.parse(String(JS.removeAttribute("hidden")))).toEqual([["set", { attr: "hidden" }]]);
    expect(JSON.parse(String(JS.transition("shake", { to: "#f" })))).toEqual([["transition", { transition: "shake", to: "#f", time: 200 }]]);
    expect(JSON.parse(String(JS.dispatch("copy", { detail: { n: 1 } })))).toEqual([["dispatch", { event: "copy", detail: { n: 1 }, bubbles: true }]]);
    expect(JSON.parse(String(JS.dispatch("copy", { bubbles: false })))).toEqual([["dispatch", { event: "copy", bubbles: false }]]);
    expect(JSON.parse(String(JS.push("inc", { value: { by: 2 } })))).toEqual([["push", { event: "inc", value: { by: 2 } }]]);
    expect(JSON.parse(String(JS.focus({ to: "#q" })))).toEqual([["focus", { to: "#q" }]]);
    expect(JSON.parse(String(JS.navigate("/b", { replace: true })))).toEqual([["navigate", { href: "/b", replace: true }]]);
    expect(JSON.parse(String(JS.patch("?page=2")))).toEqual([["patch", { href: "?page=2" }]]);
  });

  it("composes in order, without changing the command it extends", () => {
    const base = JS.push("inc");
    const more = base.addClass("busy", { to: "#x" }).hide({ to: "#m" });
    expect(more.ops.map(([k]) => k)).toEqual(["push", "add", "hide"]);
    expect(base.ops).toHaveLength(1);
    expect(JSON.stringify({ a: more })).toBe(`{"a":${more}}`);
  });

  it("refuses bad arguments with WEFT_ERR_INVALID_JS", () => {
    const bad = [
      () => JS.show({ to: "" }),
      () => JS.hide({ time: -1 }),
      () => JS.hide({ transition: "x", time: Number.NaN }),
      () => JS.addClass(""),
      () => JS.addClass("   "),
      () => JS.setAttribute("on click", "x"),
      () => JS.setAttribute('a"b', "x"),
      () => JS.setAttribute("title", 1 as unknown as string),
      () => JS.push(""),
      () => JS.push("x".repeat(129)),
      () => JS.push("inc", { value: [1] as unknown as Record<string, unknown> }),
      () => JS.push("inc", { to: "#x" } as never),
      () => JS.show({ colour: "red" } as never),
      () => JS.navigate(""),
      () => JS.patch("/x", { replace: "yes" as unknown as boolean }),
      () => JS.focus("#x" as never),
    ];
    for (const f of bad) expect(code(f), String(f)).toBe("WEFT_ERR_INVALID_JS");
  });
});

class Modal extends LiveView<{ n: number }> {
  static template: string;
  mount() {
    return { n: 0 };
  }
  events = {
    inc: () => this.assign({ n: this.assigns.n + 1 }),
    save: (p: Record<string, unknown>) => ({ reply: { saved: p.id, n: this.assigns.n } }),
    bump: () => (this.assign({ n: this.assigns.n + 1 }), { reply: { n: this.assigns.n } }),
    list: () => ({ reply: [1, 2] }),
    other: () => ({ ok: true }),
  };
}

describe("JS commands in a template", () => {
  it("render into an HTML-safe attribute the browser reads back as the same JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-js-"));
    writeFileSync(
      join(dir, "modal.eta"),
      `<button id="open" lv-click="<%= it.JS.show({ to: '[data-x=\\"a\\'b\\"]' }).push('inc') %>">open</button><p id="n"><%= it.n %></p>`,
    );
    Modal.template = join(dir, "modal.eta");
    const { app, base } = await startServer({ "/modal": Modal });
    apps.push(app);
    const page = await getPage(base, "/modal");
    const m = /<button id="open" lv-click="([^"]*)">/.exec(page.html);
    expect(m, page.html).not.toBeNull();
    // no quote of either kind, no < or > survive in the attribute value
    expect(m![1]).not.toMatch(/["'<>]/);
    const decoded = m![1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    expect(JSON.parse(decoded)).toEqual([["show", { to: `[data-x="a'b"]`, display: "block" }], ["push", { event: "inc" }]]);
  });
});

describe("an event's reply value", () => {
  it("rides on the reply frame, with or without a render; other results send none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-js-"));
    writeFileSync(join(dir, "modal.eta"), `<p id="n"><%= it.n %></p>`);
    Modal.template = join(dir, "modal.eta");
    const { app, base } = await startServer({ "/r": Modal });
    apps.push(app);
    const page = await getPage(base, "/r");
    const c = await Client.open(base, page.cookie);
    clients.push(c);
    c.join(1, page.roots[0]!.token, base + "/r");
    await c.until(() => c.html.get(1), "joined");

    expect(await c.reply(c.event(1, "save", { id: 7 }))).toEqual(["a", 1, expect.any(Number), { saved: 7, n: 0 }]);
    const bumped = await c.reply(c.event(1, "bump"));
    expect(bumped[0]).toMatch(/^a[rd]$/);
    expect(bumped.at(-1)).toEqual({ n: 1 });
    expect(c.html.get(1)).toContain('<p id="n">1</p>');
    expect(await c.reply(c.event(1, "other"))).toHaveLength(3);
    // a reply that is not a plain object is the handler's bug: a generic error, nothing sent
    const err = await c.reply(c.event(1, "list"));
    expect(err.slice(0, 3)).toEqual(["!", 1, "server_error"]);
    // the view still works
    expect((await c.reply(c.event(1, "save", { id: 8 }))).at(-1)).toEqual({ saved: 8, n: 1 });
  });
});

describe("mountLive", () => {
  it("lists the reply values of events", async () => {
    class R extends LiveView<{ n: number }> {
      mount() {
        return { n: 0 };
      }
      render() {
        return `<p>${this.assigns.n}</p>`;
      }
      events = { save: () => (this.assign({ n: 1 }), { reply: { id: 3 } }), plain: () => {} };
    }
    const lv = await mountLive(R);
    expect(await lv.event("save")).toBe("<p>1</p>");
    await lv.event("plain");
    expect(lv.replies).toEqual([{ id: 3 }]);
  });
});
