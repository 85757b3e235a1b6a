// The idle timeout (limits.idleTimeoutMs, close 4410) is one sweep per server (transport/idle.ts):
// the rule with an injected clock, and a real socket that goes silent.
import { afterAll, describe, expect, it } from "vitest";
import { IdleSweep, type IdleSocket } from "../src/transport/idle.js";
import { Client, getPage, startServer } from "./helpers.js";
import { Counter } from "./fixtures/views.js";

const servers: Array<Awaited<ReturnType<typeof startServer>>> = [];
afterAll(async () => {
  for (const s of servers) await s.app.close();
});

describe("idle sweep", () => {
  it("closes the sockets silent for longer than the timeout, and only those; a forgotten one never", () => {
    let now = 1_000;
    const sweep = new IdleSweep({ idleTimeoutMs: 75_000 }, () => now);
    const closed: string[] = [];
    const sock = (name: string, heard: number): IdleSocket & { heard: number } => ({ heard, idle: () => closed.push(name) });
    const quiet = sock("quiet", now);
    const chatty = sock("chatty", now);
    const gone = sock("gone", now);
    for (const s of [quiet, chatty, gone]) sweep.watch(s);
    sweep.forget(gone);
    now += 75_000;
    sweep.sweep();
    expect(closed).toEqual([]); // exactly the timeout: not yet
    now += 1;
    chatty.heard = now - 10;
    sweep.sweep();
    expect(closed).toEqual(["quiet"]);
    sweep.close();
  });

  it("a real socket that joins and then sends nothing is closed with 4410", async () => {
    const srv = await startServer({ "/counter": Counter }, { limits: { idleTimeoutMs: 400, joinTimeoutMs: 60_000 } });
    servers.push(srv);
    const page = await getPage(srv.base, "/counter");
    const c = await Client.open(srv.base, page.cookie);
    c.join(1, page.roots[0].token, srv.base + "/counter");
    await c.until(() => c.html.has(1), "join");
    await c.until(() => c.closed, "the idle close", 30_000);
    expect(c.closed?.code).toBe(4410);
    await c.until(() => srv.app.weft.connectedViews() === 0, "its view stopped");
  });
});
