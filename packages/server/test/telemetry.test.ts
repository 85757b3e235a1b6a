// Telemetry: weft's diagnostics_channel tracing channels carry the view id and a duration for
// mount, handleParams, event, handleInfo, render and diff, over a real server and socket; with
// nobody subscribed nothing is built. The opt-in readiness route counts views per worker.
import { tracingChannel } from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveView, weftChannels, type WeftTraceContext } from "../src/index.js";
import { traceAsync, traceSync } from "../src/live/telemetry.js";
import { Client, getPage, startServer } from "./helpers.js";

class Traced extends LiveView<{ n: number; page: string }> {
  static id = "traced";
  mount() {
    return { n: 0, page: "1" };
  }
  handleParams(params: Record<string, string>) {
    this.assign({ page: params.page ?? "1" });
  }
  handleInfo(msg: unknown) {
    this.assign({ n: this.assigns.n + Number(msg) });
  }
  render(it: { n: number; page: string }) {
    return `<p>n=${it.n} page=${it.page}</p>`;
  }
  events = {
    inc: () => this.assign({ n: this.assigns.n + 1 }),
    boom: () => {
      throw new Error("boom");
    },
    info: () => this.sendInfo(5),
    go: () => this.pushPatch("/traced?page=2"),
  };
}

const NAMES = ["mount", "handleParams", "event", "handleInfo", "render", "diff"] as const;
type Seen = { channel: string; kind: string; ctx: WeftTraceContext };

/** Subscribes to every weft channel; returns what it saw and the unsubscribe. */
function record() {
  const seen: Seen[] = [];
  const handlers = NAMES.map((name) => {
    const push = (kind: string) => (ctx: WeftTraceContext) => seen.push({ channel: name, kind, ctx: { ...ctx } });
    const h = { start: push("start"), end: push("end"), asyncStart: push("asyncStart"), asyncEnd: push("asyncEnd"), error: push("error") };
    tracingChannel(`weft.${name}`).subscribe(h as never);
    return [name, h] as const;
  });
  return {
    seen,
    done: () => handlers.forEach(([name, h]) => tracingChannel(`weft.${name}`).unsubscribe(h as never)),
  };
}

describe("telemetry", () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const open: Client[] = [];
  beforeAll(async () => {
    srv = await startServer({ "/traced": Traced }, { health: true, limits: { joinTimeoutMs: 60_000 } });
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await srv.app.close();
  });

  it("publishes start/end with the view id and a duration in ms for mount, handleParams, event, handleInfo, render and diff", async () => {
    const rec = record();
    try {
      const page = await getPage(srv.base, "/traced");
      const c = await Client.open(srv.base, page.cookie);
      open.push(c);
      c.join(1, page.roots[0]!.token, srv.base + "/traced");
      await c.until(() => c.html.has(1), "first render");
      const inc = c.event(1, "inc");
      await c.until(() => c.messages.find((m) => m.type === "ad" && m.seq === inc), "inc reply");
      c.event(1, "info");
      await c.until(() => c.html.get(1)?.includes("n=6"), "info render");
      c.event(1, "go");
      await c.until(() => c.html.get(1)?.includes("page=2"), "patch render");
      const boom = c.event(1, "boom");
      await c.until(() => c.messages.find((m) => m.type === "!" && m.seq === boom), "boom error");

      const ends = (name: string, kind = "asyncEnd") => rec.seen.filter((s) => s.channel === name && s.kind === kind).map((s) => s.ctx);
      // mount: once disconnected (HTTP), once connected (join)
      expect(ends("mount").map((c) => [c.view, c.connected])).toEqual([["traced", false], ["traced", true]]);
      expect(ends("handleParams").map((c) => c.connected)).toEqual([false, true, true]);
      expect(ends("event").map((c) => c.event)).toEqual(["inc", "info", "go", "boom"]);
      expect(ends("event").every((c) => c.ref === 1)).toBe(true);
      expect(ends("handleInfo")).toHaveLength(1);
      expect(ends("render", "end").length).toBeGreaterThanOrEqual(5);
      expect(ends("diff", "end").length).toBeGreaterThanOrEqual(3);
      for (const name of NAMES) {
        const all = [...ends(name), ...ends(name, "end")].filter((c) => c.duration !== undefined);
        expect(all.length, name).toBeGreaterThan(0);
        for (const ctx of all) {
          expect(ctx.view).toBe("traced");
          expect(ctx.duration).toBeGreaterThanOrEqual(0);
        }
      }
      // the failing handler: an error event with the error, and its duration
      const err = rec.seen.find((s) => s.channel === "event" && s.kind === "error")!;
      expect(err.ctx.event).toBe("boom");
      expect((err.ctx.error as Error).message).toBe("boom");
      // start comes before its end, with the same context object
      expect(rec.seen.findIndex((s) => s.channel === "mount" && s.kind === "start")).toBeLessThan(rec.seen.findIndex((s) => s.channel === "mount" && s.kind === "asyncEnd"));
    } finally {
      rec.done();
    }
  });

  it("builds no context and publishes nothing while nobody subscribes", async () => {
    for (const name of NAMES) expect(weftChannels[name].hasSubscribers, name).toBe(false);
    let built = 0;
    const ctx = () => (built++, { view: "x", connected: true });
    expect(traceSync(weftChannels.render, ctx, () => 7)).toBe(7);
    expect(await traceAsync(weftChannels.event, ctx, async () => 8)).toBe(8);
    expect(built).toBe(0);
    // and does once somebody does
    const rec = record();
    try {
      traceSync(weftChannels.render, ctx, () => 7);
      expect(built).toBe(1);
      expect(rec.seen.map((s) => s.kind)).toEqual(["start", "end"]);
    } finally {
      rec.done();
    }
  });

  it("GET /live/health (opt-in) counts this worker's sockets and connected views by view id, nothing else", async () => {
    const page = await getPage(srv.base, "/traced");
    const c = await Client.open(srv.base, page.cookie);
    open.push(c);
    c.join(1, page.roots[0]!.token, srv.base + "/traced");
    await c.until(() => c.html.has(1), "first render");
    const res = await fetch(`${srv.base}/live/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(["byView", "pid", "sockets", "status", "uptimeS", "views"]);
    expect(body).toMatchObject({ status: "ok", pid: process.pid });
    expect(body.views).toBe(srv.app.weft.connectedViews());
    expect(body.byView.traced).toBe(body.views);
    expect(body.sockets).toBeGreaterThanOrEqual(1);
  });

  it("no health route unless asked; a non-boolean `health` is refused at registration", async () => {
    const plain = await startServer({ "/traced": Traced });
    try {
      expect((await fetch(`${plain.base}/live/health`)).status).toBe(404);
    } finally {
      await plain.app.close();
    }
    await expect(startServer({}, { health: "yes" as never })).rejects.toMatchObject({ code: "WEFT_ERR_INVALID_OPTION" });
  });
});
