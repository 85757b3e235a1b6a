import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { Templates } from "../src/render/templates.js";

const dir = mkdtempSync(join(tmpdir(), "weft-templates-"));
for (const sub of ["a", "b"]) {
  mkdirSync(join(dir, sub));
  writeFileSync(join(dir, sub, "page.eta"), `${sub.toUpperCase()}[<%~ include("./part", it) %>]`);
  writeFileSync(join(dir, sub, "part.eta"), `${sub}-part <%= it.x %>`);
}
const templates = new Templates(dir, true);
afterAll(() => {
  templates.close();
  rmSync(dir, { recursive: true, force: true });
});

it("resolves the same include name against each including file, every render", () => {
  for (let i = 0; i < 3; i++) {
    expect(templates.render("a/page.eta", { x: i })).toBe(`A[a-part ${i}]`);
    expect(templates.render("b/page.eta", { x: i })).toBe(`B[b-part ${i}]`);
  }
});

it("shows an edited partial (dev mode): the kept path is not the kept template", async () => {
  expect(templates.render("a/page.eta", { x: "<1>" })).toBe("A[a-part &lt;1&gt;]");
  writeFileSync(join(dir, "a", "part.eta"), "edited <%= it.x %>");
  await vi.waitFor(() => expect(templates.render("a/page.eta", { x: 2 })).toBe("A[edited 2]"), { timeout: 10_000, interval: 50 });
  expect(templates.render("b/page.eta", { x: 2 })).toBe("B[b-part 2]");
});
