import { afterAll, expect, it } from "vitest";
import { Client, getPage, startServer } from "./helpers.js";
import { Child, Counter } from "./fixtures/views.js";

let srv: Awaited<ReturnType<typeof startServer>>;
afterAll(() => srv?.app.close());

it("renders nested views placed in the layout; they join like any other view", async () => {
  srv = await startServer({ "/counter": Counter }, { layout: new URL("./fixtures/templates/layout-with-child.eta", import.meta.url) });
  srv.app.weft.register(Child);
  const page = await getPage(srv.base, "/counter");
  expect(page.html).toMatch(/<header><div id="lv-layout-banner" lv-view="child" lv-token="[^"]+" lv-child><span class="child">child in layout 0<\/span>\n<\/div><\/header>/);
  const banner = page.roots.find((r) => r.id === "lv-layout-banner")!;
  const c = await Client.open(srv.base, page.cookie);
  c.join(1, banner.token, srv.base + "/counter");
  await c.until(() => c.html.get(1), "banner render");
  await c.reply(c.event(1, "click"));
  expect(c.html.get(1)).toContain("child in layout 1");
  c.close();
});
