// The join that sends nothing new (issue 16), in real Chromium against examples/hello's
// /guestbook (in-process): the runtime sends the hash of the root's HTML with the join; the
// server's connected render is the page's HTML, so it answers ["=", ref] and the DOM is left
// alone — the focused field keeps its caret and selection, a field typed into before the answer
// keeps its text (a whole-HTML answer would have morphed it back to the server's empty value),
// the nodes are the same — and the next event's delta applies to the HTML the page had.
// The socket is routed so the join's answer is held until the page was typed into; a title
// frame sent after it is the barrier that says the runtime handled it. Waits are condition polls.
import { expect, it } from "vitest";
import { useHelloApp } from "./support/hello.js";
import { until } from "./support/browser.js";

const hello = useHelloApp("join-hash-e2e-secret-0123456789-abcdef");

it("a page whose state did not change joins without its DOM being replaced: focus, selection and typed text survive", async () => {
  const ctx = await hello.browser.newContext();
  const page = await ctx.newPage();
  const held: string[] = [];
  const sent: string[] = [];
  let toPage: ((m: string) => void) | undefined;
  let pass = false;
  await page.routeWebSocket(/\/live\/websocket/, (ws) => {
    const server = ws.connectToServer();
    toPage = (m) => ws.send(m);
    ws.onMessage((m) => (sent.push(String(m)), server.send(m)));
    // held until the page was typed into, then passed through
    server.onMessage((m) => (pass ? ws.send(m) : held.push(String(m))));
  });
  await page.goto(`${hello.base}/guestbook`);
  const answer = await until(() => held.find((m) => /^\["[=r!]",1/.test(m)), "the join's answer (held)");
  const join = JSON.parse(sent.find((m) => m.startsWith('["j"'))!) as unknown[];
  expect(join).toHaveLength(6);
  expect(join[4]).toBeNull();

  // the visitor types before the answer arrives
  await page.fill("textarea[name=message]", "typed before the join");
  await page.focus("input[name=name]");
  await page.keyboard.type("Ada Lovelace");
  await page.$eval("input[name=name]", (el: HTMLInputElement) => el.setSelectionRange(2, 5));
  await page.evaluate(() => {
    (window as any).__nodes = [document.querySelector("form"), document.querySelector("input[name=name]"), document.querySelector("#entries")];
  });

  expect(answer).toBe('["=",1]');
  expect(Buffer.byteLength(answer)).toBeLessThanOrEqual(64);
  pass = true;
  for (const m of held) toPage!(m);
  toPage!(JSON.stringify(["ti", 1, "joined"]));
  await page.waitForFunction(() => document.title.startsWith("joined"));

  const state = await page.evaluate(() => {
    const name = document.querySelector("input[name=name]") as HTMLInputElement;
    const [form, input, entries] = (window as any).__nodes as Element[];
    return {
      focused: document.activeElement === name,
      value: name.value,
      selection: [name.selectionStart, name.selectionEnd],
      message: (document.querySelector("textarea[name=message]") as HTMLTextAreaElement).value,
      same: form === document.querySelector("form") && input === name && entries === document.querySelector("#entries"),
      classes: document.querySelector("[lv-view]")!.className,
    };
  });
  expect(state).toEqual({ focused: true, value: "Ada Lovelace", selection: [2, 5], message: "typed before the join", same: true, classes: "" });

  // the next render is a delta against the HTML the page had: signing shows the entry and clears the form
  await page.getByRole("button", { name: "Sign" }).click();
  await page.locator("#entries li", { hasText: "Ada Lovelace" }).waitFor();
  expect(await page.locator("#entries li").first().innerText()).toBe("Ada Lovelace: typed before the join");
  expect(await page.inputValue("textarea[name=message]")).toBe("");
  await ctx.close();
});
