/**
 * examples/hello, driven as a browser would: the app in-process on port 0, pages fetched over
 * HTTP, views joined over a real WebSocket with the protocol client of the server's tests.
 * The last test runs the built `start` script (dist/main.js, after `pnpm build`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, getPage } from "../../../packages/server/test/helpers.js";
import { buildApp } from "../src/app.js";

let app: FastifyInstance;
let base = "";
const clients: Client[] = [];

beforeAll(async () => {
  app = await buildApp("hello-test-secret-0123456789-abcdefgh");
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await app?.close();
});

/** GETs `path` and joins its view over a new socket as ref 1. */
async function open(path: string) {
  const page = await getPage(base, path);
  expect(page.res.status).toBe(200);
  expect(page.roots).toHaveLength(1);
  const c = await Client.open(base, page.cookie);
  clients.push(c);
  c.join(1, page.roots[0].token, base + path);
  await c.until(() => c.html.get(1), `the joined render of ${path}`);
  return { page, c, html: () => c.html.get(1) ?? "" };
}

describe("the counter", () => {
  it("renders 0 without JavaScript and counts over the WebSocket", async () => {
    const { page, c, html } = await open("/");
    expect(page.html).toContain('<p id="count">0</p>');
    expect(page.html).toContain("<title>Counter · Hello Weft</title>");
    await c.reply(c.event(1, "inc"));
    await c.reply(c.event(1, "inc"));
    expect(html()).toContain('<p id="count">2</p>');
    await c.reply(c.event(1, "dec"));
    expect(html()).toContain('<p id="count">1</p>');
  });
});

describe("the guestbook", () => {
  it("shows an error beside each invalid field, keeps what was typed, and adds nothing", async () => {
    const { c, html } = await open("/guestbook");
    const reply = await c.reply(c.event(1, "sign", { name: "   ", message: "hi" }));
    expect(reply[0], "a reply, not an error frame").not.toBe("!");
    expect(html()).toMatch(/<p class="error" id="name-error">Tell us your name<\/p>/);
    expect(html()).toMatch(/<p class="error" id="message-error">Say a little more<\/p>/);
    expect(html()).toContain(">hi</textarea>");
    expect(html()).toMatch(/<ul id="entries">\s*<\/ul>/);

    await c.reply(c.event(1, "sign", { name: "Ada", message: "x".repeat(281) }));
    expect(html()).not.toContain("name-error");
    expect(html()).toContain('<p class="error" id="message-error">At most 280 characters</p>');
  });

  it("refuses a payload that is not the form's shape before the handler runs", async () => {
    const { c, html } = await open("/guestbook");
    const err = await c.reply(c.event(1, "sign", { name: ["Ada"], message: "hello there" }));
    expect(err.slice(0, 3)).toEqual(["!", 1, "invalid_payload"]);
    expect(html()).not.toContain("Ada");
  });

  it("accepts a valid entry, clears the form, escapes it, and shows it on every open guestbook", async () => {
    const { c, html } = await open("/guestbook");
    const other = await open("/guestbook");
    await c.reply(c.event(1, "sign", { name: "  Ada ", message: "Hello <b>Weft</b>" }));
    expect(html()).not.toContain('class="error"');
    expect(html()).toContain('<input name="name" value=""');
    expect(html()).toContain("<li><strong>Ada</strong>: Hello &lt;b&gt;Weft&lt;/b&gt;</li>");
    await other.c.until(() => other.html().includes("<strong>Ada</strong>"), "the entry on the other page");

    // a page opened afterwards has it in its first HTML
    expect((await getPage(base, "/guestbook")).html).toContain("<strong>Ada</strong>");
  });
});

describe("pnpm start", () => {
  it("serves the counter from the built dist/main.js", async () => {
    const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
    expect(existsSync(main), "dist/main.js (run `pnpm build`)").toBe(true);
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          const m = /the counter at (http:\/\/[^/\s]+)\//.exec(out);
          if (m) return resolve(m[1]);
          if (child.exitCode !== null || Date.now() - started > 30_000) return reject(new Error(`dist/main.js did not start:\n${out}`));
          setTimeout(check, 50);
        };
        check();
      });
      const page = await getPage(url, "/");
      expect(page.html).toContain('<p id="count">0</p>');
      expect(page.roots).toHaveLength(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill();
        await exited;
      }
    }
  });
});
