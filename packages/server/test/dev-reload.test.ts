import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, it } from "vitest";
import { LiveView } from "../src/index.js";
import { Client, getPage, startServer } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "weft-dev-"));
writeFileSync(join(dir, "hello.eta"), "<p>Hello <%= it.name %></p>");

class Hello extends LiveView<{ name: string }> {
  static template = "hello.eta";
  mount() {
    return { name: "Ada" };
  }
}

let srv: Awaited<ReturnType<typeof startServer>>;
afterAll(() => srv?.app.close());

it("re-renders connected views when a template is edited (dev mode)", async () => {
  srv = await startServer({ "/hello": Hello }, { views: dir, dev: true });
  const page = await getPage(srv.base, "/hello");
  const c = await Client.open(srv.base, page.cookie);
  c.join(1, page.roots[0].token, srv.base + "/hello");
  await c.until(() => c.html.get(1) === "<p>Hello Ada</p>", "first render");
  writeFileSync(join(dir, "hello.eta"), "<p>Goodbye <%= it.name %></p>");
  await c.until(() => c.html.get(1) === "<p>Goodbye Ada</p>", "re-render after edit");
  c.close();
});
