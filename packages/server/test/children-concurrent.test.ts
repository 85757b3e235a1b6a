// A page's nested views mount side by side in its disconnected (HTTP) render: a child whose mount
// awaits something (a widget's query) does not hold up the next one, and the page still has each
// child in its place; a child its `authorize` refuses is still nothing at all.
import { afterAll, expect, it } from "vitest";
import { LiveView } from "../src/index.js";
import { getPage, startServer } from "./helpers.js";

/** Whether the peer's mount has started, and how to tell a child waiting for it. */
const peer = { started: false, wake: () => {} };

class WaitsForPeer extends LiveView<{ met: boolean }> {
  async mount() {
    // the peer mounts after this child in the page: one after the other, it never starts while this waits
    const met = await new Promise<boolean>((resolve) => {
      if (peer.started) return resolve(true);
      const timer = setTimeout(() => resolve(false), 3_000);
      peer.wake = () => (clearTimeout(timer), resolve(true));
    });
    return { met };
  }
  render() {
    return `<p class="first">met its peer: ${this.assigns.met}</p>`;
  }
}

class Peer extends LiveView<{}> {
  async mount() {
    peer.started = true;
    peer.wake();
    return {};
  }
  render() {
    return `<p class="second">peer</p>`;
  }
}

class RefusedChild extends LiveView<{}> {
  static authorize = () => false;
  mount() {
    return {};
  }
  render() {
    return "<p>refused</p>";
  }
}

class Page extends LiveView<{}> {
  static template = new URL("./fixtures/templates/two-children.eta", import.meta.url);
  mount() {
    return {};
  }
}

let srv: Awaited<ReturnType<typeof startServer>>;
afterAll(() => srv?.app.close());

it("mounts a page's nested views concurrently, each in its place, a refused one as nothing", async () => {
  srv = await startServer({ "/page": Page });
  srv.app.weft.register(WaitsForPeer);
  srv.app.weft.register(Peer);
  srv.app.weft.register(RefusedChild);
  const { res, html } = await getPage(srv.base, "/page");
  expect(res.status).toBe(200);
  expect(html).toContain('<p class="first">met its peer: true</p>');
  expect(html.indexOf('class="first"')).toBeLessThan(html.indexOf('class="second"'));
  expect(html).not.toContain("refused</p>");
  expect(html).not.toContain("lv-child:");
});
