/**
 * The peer bench's LiveViewJS side: the child serves the three views, the Phoenix-channel
 * client joins them and gets the replies and pushes the figures measure, and a client of a
 * pushing view that disconnects no longer takes the server down (LiveViewJS 0.8.1's stock
 * wiring does: see bench/src/peers/lvjs-server.ts). Runs the built bench (bench/dist).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerHandle } from "../dist/server-handle.js";
import { liveviewjs } from "../dist/peers/peer.js";

let tmp: string;
let server: ServerHandle;

async function waitViews(n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await server.views()) !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} views, the server has ${await server.views()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  tmp = mkdtempSync(join(os.tmpdir(), "weft-peers-test-"));
  // an empty demo database (migrated on open): the KPI counts 0 orders today
  server = await ServerHandle.start(join(tmp, "demo.db"), "peers-test-secret-0123456789abcdef", {}, liveviewjs.script);
});

afterAll(async () => {
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("LiveViewJS peer", () => {
  it("joins the counter and the table and answers events with diffs", async () => {
    const c = await liveviewjs.join(server.base, await liveviewjs.page(server.base, "/counter"));
    expect(c.joinText).toContain('"rendered"');
    expect(c.joinText).toContain('id=\\"count\\"');
    expect(await c.request("inc", {})).toMatch(/"phx_reply",\{"status":"ok","response":\{"diff":\{"0":"1"\}\}\}\]$/);
    expect(await c.request("inc", {})).toContain('"diff":{"0":"2"}');
    const t = await liveviewjs.join(server.base, await liveviewjs.page(server.base, "/table"));
    const reply = await t.request("restock", { id: "2" });
    // row 2 starts at stock 37; LiveViewJS re-sends the whole list with it at 38
    expect(reply).toContain('["2","SKU-1001","Product 2","38","84.19","2"]');
    await c.close();
    await t.close();
    await waitViews(0);
  });

  it("survives a publish after a KPI viewer disconnected, and shuts that view down", async () => {
    const gone = await liveviewjs.join(server.base, await liveviewjs.page(server.base, "/kpi"));
    const stays = await liveviewjs.join(server.base, await liveviewjs.page(server.base, "/kpi"));
    await waitViews(2);
    await gone.close();
    await waitViews(1);
    for (let i = 0; i < 3; i++) {
      const push = stays.nextPush();
      await server.publish("orders", { type: "order.created", id: i, totalCents: 100 });
      expect(await push).toContain(`"diff",{"0":"${i + 1}"}`);
    }
    // still serving
    const c = await liveviewjs.join(server.base, await liveviewjs.page(server.base, "/counter"));
    expect(await c.request("inc", {})).toContain('"diff":{"0":"1"}');
    await c.close();
    await stays.close();
    await waitViews(0);
  });

  it("refuses a page it does not serve", async () => {
    await expect(liveviewjs.page(server.base, "/nope")).rejects.toThrow(/HTTP 404/);
  });
});
