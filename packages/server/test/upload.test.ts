// Uploads over a real socket, as the upload chunk speaks them: the limits refuse files before a
// byte is stored, the server asks for each chunk, a lying client is cut off, cancel / consume /
// leave delete the temporary files. TMPDIR points at a directory of this file's own, so what is
// stored on disk is looked at directly.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, WeftError, type Payload } from "../src/index.js";
import { UploadSet } from "../src/live/upload.js";
import { mountLive } from "../src/testing/index.js";
import { Client, getPage, startServer } from "./helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "weft-upload-test-"));
process.env.TMPDIR = TMP;

/** The bytes stored now under TMP: every temporary file with its content. */
function stored(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(TMP.length)] = readFileSync(p, "latin1");
    }
  };
  walk(TMP);
  return out;
}

class Doc extends LiveView<{ saved: string[] }> {
  static id = "doc";
  mount() {
    this.allowUpload("doc", { accept: [".txt", "image/*"], maxEntries: 2, maxFileSize: 10, chunkSize: 4 });
    return { saved: [] };
  }
  render(it: any) {
    return JSON.stringify({ uploads: it.uploads, saved: it.saved });
  }
  events = {
    cancel: (p: Payload) => void this.cancelUpload("doc", p.ref as string),
    save: async () => {
      const got = await this.consumeUploadedEntries("doc", async (e, path) => `${e.name}=${await readFile(path, "latin1")}`);
      this.assign({ saved: [...this.assigns.saved, ...got] });
    },
  };
}

let srv: Awaited<ReturnType<typeof startServer>>;
const clients: Client[] = [];
/** Polls `f` until it holds (the file system has no event to wait for here). */
async function until(f: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const b64 = (s: string) => Buffer.from(s, "latin1").toString("base64");

beforeAll(async () => {
  srv = await startServer({ "/doc": Doc }, { limits: { joinTimeoutMs: 60_000 } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await srv.app.close();
});

async function open() {
  const page = await getPage(srv.base, "/doc");
  const c = await Client.open(srv.base, page.cookie);
  clients.push(c);
  c.join(1, page.roots[0].token, srv.base + "/doc");
  await c.until(() => c.html.has(1), "first render");
  const state = () => JSON.parse(c.html.get(1)!) as { uploads: { doc: { entries: any[] } }; saved: string[] };
  const entries = () => state().uploads.doc.entries;
  /** the `next chunk` frames for entry `e` */
  const asks = (e: number) => c.frames.filter((f) => f[0] === "k" && f[1] === 1 && f[2] === e);
  /** waits for the ask for entry `e` at `offset` */
  const ask = (e: number, offset: number) => c.until(() => asks(e).find((f) => f[3] === offset), `ask ${e}@${offset}`);
  return { c, state, entries, asks, ask };
}

describe("upload limits, before a byte is stored", () => {
  it("gives wrong type, too big and too many their own errors and asks only for the accepted files", async () => {
    const { c, entries, asks, ask } = await open();
    c.send(["f", 1, "doc", [
      [1, "a.txt", 6, "text/plain"],
      [2, "evil.exe", 3, "application/octet-stream"],
      [3, "big.png", 11, "image/png"],
      [4, "pic", 2, "image/png"], // no extension, accepted by its MIME type
      [5, "c.TXT", 1, ""], // a third good one: over maxEntries
    ]]);
    expect(await ask(1, 0)).toEqual(["k", 1, 1, 0, 4]);
    await ask(4, 0);
    await c.until(() => entries().length === 5, "5 entries");
    const byRef = Object.fromEntries(entries().map((e) => [e.ref, e]));
    expect(byRef[1]).toMatchObject({ name: "a.txt", size: 6, type: "text/plain", progress: 0, valid: true, done: false, errors: [] });
    expect(byRef[2].errors).toEqual([{ code: "not_accepted", message: "This type of file is not accepted (.txt, image/*)" }]);
    expect(byRef[3].errors).toEqual([{ code: "too_large", message: "Too large: at most 10 B" }]);
    expect(byRef[4].valid).toBe(true);
    expect(byRef[5].errors).toEqual([{ code: "too_many_files", message: "Too many files: at most 2" }]);
    expect([2, 3, 5].map((e) => asks(e).length)).toEqual([0, 0, 0]);
    // a chunk for a refused entry is dropped unread: nothing stored, nothing asked
    c.send(["c", 1, 2, b64("MZ!")]);
    c.send(["c", 1, 3, b64("0123")]);
    await c.reply(c.event(1, "noop-probe"));
    expect(Object.values(stored())).not.toContain("MZ!");
    expect(Object.values(stored())).not.toContain("0123");
  });

  it("cuts a client that sends more than it declared off, and keeps none of it", async () => {
    const { c, entries, asks, ask } = await open();
    c.send(["f", 1, "doc", [[1, "a.txt", 5, "text/plain"]]]);
    await ask(1, 0);
    c.send(["c", 1, 1, b64("abcd")]);
    await ask(1, 4);
    const before = Object.keys(stored()).length;
    expect(Object.values(stored())).toContain("abcd");
    // declared 5 bytes, sends 4 more (and 64 KiB would be the frame limit, not 10 B)
    c.send(["c", 1, 1, b64("efgh")]);
    await c.until(() => entries()[0]?.errors.length, "the entry's error");
    expect(entries()[0].errors).toEqual([{ code: "too_large", message: "Too large: more bytes than the 5 B declared" }]);
    // and it is told to send no more of it
    await c.until(() => asks(1).find((f) => f[3] === 4 && f[4] === 0), "the stop");
    expect(Object.values(stored())).not.toContain("abcd");
    expect(Object.values(stored())).not.toContain("abcdefgh");
    expect(Object.keys(stored()).length).toBe(before - 1);
  });

  it("refuses an upload the view did not allow, a reused entry ref and a malformed upload frame", async () => {
    const { c, asks } = await open();
    c.send(["f", 1, "avatar", [[1, "a.txt", 1, "text/plain"]]]);
    await c.until(() => c.frames.find((f) => f[0] === "!" && f[2] === "invalid_payload" && /no upload "avatar"/.test(f[3] as string)), "refusal");
    c.send(["f", 1, "doc", [[7, "a.txt", 1, "text/plain"]]]);
    await c.until(() => asks(7).length, "ask");
    c.send(["f", 1, "doc", [[7, "b.txt", 1, "text/plain"]]]);
    await c.until(() => c.frames.find((f) => f[0] === "!" && /entry 7 already exists/.test(f[3] as string)), "reused ref refused");
    c.send(["f", 1, "doc", [[8, "b.txt", -1, "text/plain"]]]);
    await c.until(() => c.frames.find((f) => f[0] === "!" && f[2] === "bad_frame" && /upload files/.test(f[3] as string)), "bad frame");
    c.send(["c", 1, 7, 42]);
    await c.until(() => c.frames.find((f) => f[0] === "!" && f[2] === "bad_frame" && /chunk must be/.test(f[3] as string)), "bad chunk frame");
  });

  it("checks allowUpload's options", () => {
    const u = new UploadSet(() => {});
    const code = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(WeftError);
        return [(err as WeftError).code, (err as Error).message];
      }
      return ["no error"];
    };
    expect(code(() => u.allow("a", { accept: [] }))[0]).toBe("WEFT_ERR_UPLOAD_OPTION");
    expect(code(() => u.allow("a", { accept: ["png"] }))[1]).toMatch(/`accept` must be "any" or a non-empty list/);
    expect(code(() => u.allow("a", { accept: "any", maxFileSize: 0 }))[1]).toMatch(/`maxFileSize` must be an integer from 1/);
    expect(code(() => u.allow("a", { accept: "any", chunkSize: 64_000 }))[1]).toMatch(/`chunkSize` must be an integer from 1 to 48000/);
    expect(code(() => u.allow("", { accept: "any" }))[0]).toBe("WEFT_ERR_UPLOAD_OPTION");
    expect(code(() => u.allow("a", { accept: [".csv", "text/*"], maxEntries: 3 }))).toEqual(["no error"]);
  });
});

describe("progress, consume, cancel, leave", () => {
  it("asks chunk by chunk, pushes progress, and consume hands over the bytes and deletes them", async () => {
    const { c, entries, state, ask } = await open();
    c.send(["f", 1, "doc", [[1, "a.txt", 10, "text/plain"], [2, "e.txt", 0, "text/plain"]]]);
    const progress: number[] = [];
    for (const [offset, part] of [[0, "0123"], [4, "4567"], [8, "89"]] as const) {
      expect(await ask(1, offset)).toEqual(["k", 1, 1, offset, part.length]);
      c.send(["c", 1, 1, b64(part)]);
      await c.until(() => entries()[0].progress >= Math.floor(((offset + part.length) * 100) / 10), "progress");
      progress.push(entries()[0].progress);
    }
    expect(progress).toEqual([40, 80, 100]);
    expect(await ask(1, 10)).toEqual(["k", 1, 1, 10, 0]);
    expect(entries().map((e) => [e.name, e.done])).toEqual([["a.txt", true], ["e.txt", true]]);
    expect(Object.values(stored())).toContain("0123456789");
    await c.reply(c.event(1, "save"));
    expect(state().saved).toEqual(["a.txt=0123456789", "e.txt="]);
    expect(entries()).toEqual([]);
    expect(stored()).toEqual({});
  });

  it("cancel removes the entry and its bytes; its next chunk is dropped", async () => {
    const { c, entries, asks, ask } = await open();
    c.send(["f", 1, "doc", [[1, "a.txt", 8, "text/plain"], [2, "b.txt", 4, "text/plain"]]]);
    await ask(1, 0);
    c.send(["c", 1, 1, b64("wxyz")]);
    await ask(1, 4);
    expect(Object.values(stored())).toContain("wxyz");
    await c.reply(c.event(1, "cancel", { ref: "1" }));
    expect(entries().map((e) => e.ref)).toEqual([2]);
    expect(Object.values(stored())).not.toContain("wxyz");
    c.send(["c", 1, 1, b64("WXYZ")]);
    await c.reply(c.event(1, "noop-probe"));
    expect(asks(1).length).toBe(2);
    expect(Object.values(stored())).not.toContain("WXYZ");
  });

  it("a new choice with maxEntries 1 replaces the current file, as Phoenix", async () => {
    const u = new UploadSet(() => {});
    u.allow("one", { accept: "any" });
    expect(u.preflight("one", [[1, "a", 1, ""]])).toEqual([[1, 0, 1]]);
    expect(u.preflight("one", [[2, "b", 1, ""]])).toEqual([[2, 0, 1]]);
    expect(u.state().one!.entries.map((e) => [e.ref, e.valid])).toEqual([[2, true]]);
    await u.dispose();
  });

  it("consume keeps the entry whose callback threw, and the ones after it", async () => {
    const u = new UploadSet(() => {});
    u.allow("a", { accept: "any", maxEntries: 3 });
    u.preflight("a", [[1, "1", 1, ""], [2, "2", 1, ""], [3, "3", 1, ""]]);
    for (const ref of [1, 2, 3]) expect(await u.chunk(ref, b64(String(ref)))).toEqual([ref, 1, 0]);
    const seen: string[] = [];
    await expect(u.consume("a", (e, path) => {
      if (e.ref === 2) throw new Error("disk full");
      seen.push(readFileSync(path, "latin1"));
    })).rejects.toThrow("disk full");
    expect(seen).toEqual(["1"]);
    expect(u.state().a!.entries.map((e) => e.ref)).toEqual([2, 3]);
    expect(await u.consume("a", (_e, path) => readFileSync(path, "latin1"))).toEqual(["2", "3"]);
    await u.dispose();
  });

  it("deletes the temporary files when the view leaves, and when the socket closes", async () => {
    // the views of the tests above leave first, so TMP holds only this test's directory
    for (const c of clients.splice(0)) c.close();
    await until(() => readdirSync(TMP).length === 0, "the other views' directories gone");
    for (const how of ["leave", "close"] as const) {
      const { c, ask } = await open();
      c.send(["f", 1, "doc", [[1, "a.txt", 8, "text/plain"]]]);
      await ask(1, 0);
      c.send(["c", 1, 1, b64(how.slice(0, 4))]);
      await ask(1, 4);
      expect(Object.values(stored())).toEqual([how.slice(0, 4)]);
      expect(readdirSync(TMP)).toHaveLength(1);
      if (how === "leave") c.send(["l", 1]);
      else c.close();
      await until(() => readdirSync(TMP).length === 0, `the directory gone after ${how}`);
    }
  });
});

describe("mountLive's upload helper", () => {
  it("chooses files, sends every chunk asked for, and the submit consumes them", async () => {
    const t = await mountLive(Doc);
    const html = JSON.parse(await t.upload("doc", [{ name: "n.txt", content: "0123456789", type: "text/plain" }, { name: "x.exe", content: "MZ" }]));
    expect(html.uploads.doc.entries.map((e: any) => [e.name, e.progress, e.done, e.errors.map((x: any) => x.code)])).toEqual([
      ["n.txt", 100, true, []],
      ["x.exe", 0, false, ["not_accepted"]],
    ]);
    expect(JSON.parse(await t.event("save")).saved).toEqual(["n.txt=0123456789"]);
    await t.upload("nope", [{ name: "a.txt", content: "a" }]);
    expect(t.errors).toEqual([{ code: "invalid_payload", message: 'no upload "nope" is allowed' }]);
    await t.close();
  });
});

describe("the upload chunks' own rate limit", () => {
  it("chunks never take the events' budget, and a chunk flood is refused on its own budget", async () => {
    // events: burst 6; chunks: burst 2000 — 20 chunks would be far over the events' burst
    const s = await startServer({ "/doc": Doc }, { limits: { joinTimeoutMs: 60_000, maxEventsPerSecond: 3, maxChunksPerSecond: 1000 } });
    try {
      const page = await getPage(s.base, "/doc");
      const c = await Client.open(s.base, page.cookie);
      c.join(1, page.roots[0].token, s.base + "/doc");
      await c.until(() => c.html.has(1), "first render");
      c.send(["f", 1, "doc", [[1, "a.txt", 10, "text/plain"]]]);
      await c.until(() => c.frames.find((f) => f[0] === "k" && f[2] === 1), "first ask");
      for (let i = 0; i < 20; i++) c.send(["c", 1, 99, b64("x")]); // dropped unread, but counted
      c.send(["c", 1, 1, b64("0123")]);
      await c.until(() => c.frames.find((f) => f[0] === "k" && f[3] === 4), "the next ask");
      const reply = await c.reply(c.event(1, "noop-probe"));
      expect(reply.slice(0, 3)).toEqual(["!", 1, "unknown_event"]);
      expect(c.frames.filter((f) => f[2] === "rate_limited")).toEqual([]);
      c.close();
    } finally {
      await s.app.close();
    }
    const t = await startServer({ "/doc": Doc }, { limits: { joinTimeoutMs: 60_000, maxChunksPerSecond: 1 } });
    try {
      const page = await getPage(t.base, "/doc");
      const c = await Client.open(t.base, page.cookie);
      c.join(1, page.roots[0].token, t.base + "/doc");
      await c.until(() => c.html.has(1), "first render");
      for (let i = 0; i < 4; i++) c.send(["c", 1, 99, b64("x")]);
      await c.until(() => c.frames.find((f) => f[0] === "!" && f[2] === "rate_limited" && f[3] === "too many upload chunks"), "the chunks' rate limit");
      // the events' budget is untouched
      expect((await c.reply(c.event(1, "noop-probe")))[2]).toBe("unknown_event");
      c.close();
    } finally {
      await t.app.close();
    }
  });
});
