import { describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "../src/pubsub/index.js";
import { createServer } from "node:net";
import { freePort, mountLive } from "../src/testing/index.js";
import { LiveView, type Payload } from "../src/index.js";
import { Child, Counter, Navigator, Parent, SecretChild, Sequencer } from "./fixtures/views.js";
import { Shop } from "./fixtures/components.js";

/** A form with every kind of field, echoing what its events received. */
class Signup extends LiveView<{ got: string; done: boolean }> {
  mount() {
    return { got: "", done: false };
  }
  events = {
    validate: (p: Payload) => this.assign({ got: JSON.stringify(p) }),
    save: (p: Payload) => (p.email === "a@b.c" ? this.redirect(`/welcome?who=${p.name}`) : this.assign({ got: `save:${JSON.stringify(p)}` })),
    remove: (p: Payload) => this.assign({ got: `remove:${p.id}:${p.extra ?? ""}` }),
  };
  render() {
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
    return `<form id="f" lv-change="validate" lv-submit="save">
<input name="name" value="Ann &amp; co"><input name="email" type="email"><input type="checkbox" name="terms" value="yes">
<input type="checkbox" name="tags" value="a" checked><input type="checkbox" name="tags" value="b" checked>
<select name="plan"><option value="free">Free</option><option value="pro" selected>Pro</option></select>
<textarea name="bio">hi &lt;there&gt;</textarea><input type="submit" name="go" value="Go"><input name="off" disabled value="x">
</form><ul><li><button lv-click="remove" lv-value-id="1">x</button></li><li><button lv-click="remove" lv-value-id="2">y</button></li></ul>
<p>plain</p><a lv-patch="/nav?page=9">nine</a><pre>${esc(this.assigns.got)}</pre>`;
  }
}

class Welcome extends LiveView<{ who: string }> {
  mount(params: Record<string, string>) {
    return { who: params.who ?? "?" };
  }
  render() {
    return `<h1>Welcome ${this.assigns.who}</h1>`;
  }
}

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

  it("keeps the disconnected HTTP render, and joins with the token it signed", async () => {
    const lv = await mountLive(Counter);
    expect(lv.staticHtml).toMatch(/^<div id="lv-[\w-]+" lv-view="counter" lv-token="[^"]+">/);
    expect(lv.staticHtml).toContain('<b id="count">0</b>');
  });

  it("element(selector).click() sends the element's lv-click with its lv-value-*; render() shows it", async () => {
    const lv = await mountLive(Signup);
    expect(lv.element("li button", "y").render()).toBe('<button lv-click="remove" lv-value-id="2">y</button>');
    expect(await lv.element("li button", "y").click({ extra: "z" })).toContain("<pre>remove:2:z</pre>");
    expect(lv.has("pre", "remove:2")).toBe(true);
    expect(lv.has("pre", /remove:1/)).toBe(false);
  });

  it("element refusals: no match, several matches, no binding", async () => {
    const lv = await mountLive(Signup);
    expect(() => lv.element("#nope").render()).toThrow(expect.objectContaining({ code: "WEFT_ERR_TEST_NO_ELEMENT" }));
    await expect(lv.element("li button").click()).rejects.toMatchObject({ code: "WEFT_ERR_TEST_NO_ELEMENT", message: expect.stringMatching(/matched 2 elements/) });
    await expect(lv.element("p", "plain").click()).rejects.toMatchObject({ code: "WEFT_ERR_TEST_NO_BINDING" });
    expect(lv.errors).toEqual([]);
  });

  it("form(selector).change() sends every field as FormData would, the changes, and _target", async () => {
    const lv = await mountLive(Signup);
    await lv.form("#f").change({ email: "x@y.z" });
    expect(JSON.parse(lv.view.assigns.got)).toEqual({
      name: "Ann & co",
      email: "x@y.z",
      tags: ["a", "b"],
      plan: "pro",
      bio: "hi <there>",
      _target: "email",
    });
    await lv.form("#f").change({ terms: "yes", tags: ["b"] });
    expect(JSON.parse(lv.view.assigns.got)).toMatchObject({ terms: "yes", tags: ["b"], _target: "terms" });
  });

  it("form refusals: a field the form lacks, a form without the binding", async () => {
    const lv = await mountLive(Signup);
    await expect(lv.form("#f").submit({ nmae: "typo" })).rejects.toMatchObject({ code: "WEFT_ERR_TEST_NO_FIELD", message: expect.stringMatching(/"nmae".*name, email/) });
    const shop = await mountLive(Shop);
    await expect(shop.form("section").submit()).rejects.toMatchObject({ code: "WEFT_ERR_TEST_NO_BINDING" });
    expect(lv.view.assigns.got).toBe("");
  });

  it("submit() then followRedirect() mounts the redirect's view with its query", async () => {
    const lv = await mountLive(Signup);
    await expect(lv.followRedirect(Welcome)).rejects.toMatchObject({ code: "WEFT_ERR_TEST_NO_REDIRECT" });
    await lv.form("#f").submit({ email: "other" });
    expect(lv.view.assigns.got).toMatch(/^save:/);
    await lv.form("#f").submit({ email: "a@b.c", name: "Bo" });
    expect(lv.redirectedTo).toBe("/welcome?who=Bo");
    const next = await lv.followRedirect(Welcome);
    expect(next.html()).toBe("<h1>Welcome Bo</h1>");
  });

  it("an lv-patch link patches the URL", async () => {
    class WithLink extends Navigator {
      render() {
        return `<p>page ${this.assigns.page}</p><a lv-patch="/nav?page=9">nine</a>`;
      }
    }
    const nav = await mountLive(WithLink);
    expect(nav.html()).toContain("<p>page 1</p>");
    expect(await nav.element("a").click()).toContain("<p>page 9</p>");
  });

  it("joins nested views as the browser does: their HTML inside their roots, events routed to them", async () => {
    class ClickChild extends Child {
      static id = "child";
      render() {
        return `<button lv-click="click">child ${this.assigns.label} ${this.assigns.clicks}</button>`;
      }
    }
    const lv = await mountLive(Parent, { register: [ClickChild, SecretChild] });
    // the HTTP render inlines the child and leaves out the one the session may not see
    expect(lv.staticHtml).toContain('<button lv-click="click">child a 0</button>');
    expect(lv.staticHtml).not.toContain("secret");
    const kids = lv.liveChildren();
    expect(kids).toHaveLength(2);
    expect(kids[0]!.view).toBeInstanceOf(ClickChild);
    // the secret child's join is refused, as the socket refuses it
    expect(kids[1]!.errors).toEqual([{ code: "unauthorized", message: expect.stringMatching(/refused/) }]);
    expect(lv.html()).toContain('<button lv-click="click">child a 0</button>');
    // a click inside the child's root goes to the child (the parent declares no "click")
    await lv.element("button", "child a").click();
    expect(lv.html()).toContain('<button lv-click="click">child a 1</button>');
    expect(lv.errors).toEqual([]);
    await lv.event("bump");
    expect(lv.html()).toContain("<h1>Parent 1</h1>");
    expect(lv.html()).toContain('<button lv-click="click">child a 1</button>');
    await lv.close();
  });
});

describe("freePort", () => {
  it("gives a port of 127.0.0.1 that a server can listen on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => srv.once("error", reject).listen(port, "127.0.0.1", resolve));
    expect((srv.address() as { port: number }).port).toBe(port);
    await new Promise((resolve) => srv.close(resolve));
  });
});
