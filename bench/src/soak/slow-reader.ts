/**
 * Part 2 of `pnpm bench:soak`: a slow reader next to `clients` normal ones (issue 5, "Load").
 *
 * The normal clients hold one view each (counter / table) and send one event per second. A
 * feed client (one session, {@link SLOW_VIEWS} {@link Feed} views, ~16 KB per push, one
 * `orders` publish per second) comes and goes. Four windows of `seconds` each, in this order:
 *
 * 1. *alone*: the normal clients only;
 * 2. *reading*: the feed client reads everything (the load its pushes cost the server);
 * 3. *slow*: a new feed client joins the same views and its TCP socket stops reading
 *    (`ws.pause()`); the window starts once
 *    the server's `bufferedAmount` for it is over `maxBufferedBytes` (the kernel buffers are
 *    full and renders are being held back), so it measures the congested state;
 * 4. *alone again*: after the feed client read again, caught up and left.
 *
 * The server's `bufferedAmount` of every socket is sampled each second.
 */
import { performance } from "node:perf_hooks";
import { applyDelta } from "@weft/client/apply";
import { C_HEARTBEAT } from "@weft/client/protocol";
import { getPage } from "../http.js";
import type { ServerHandle } from "../server-handle.js";
import { int, ms, percentile, pool, sleep, sorted } from "../stats.js";
import { BenchSocket } from "../wsclient.js";
import { KINDS, SoakSocket, Tally } from "./clients.js";
import { FEED_PATH } from "./feed.js";

/** Views the feed client holds (the per-socket limit). */
export const SLOW_VIEWS = 32;

/** One measured window of the normal clients. */
export interface SlowWindow {
  n: number;
  p50: number;
  p99: number;
  /** `!` replies (rate limit, server error) in the window */
  errors: number;
  /** load average when it ended */
  load: string;
}

/** Everything part 2 reports. */
export interface SlowResult {
  clients: number;
  seconds: number;
  alone: SlowWindow;
  reading: SlowWindow;
  slow: SlowWindow;
  after: SlowWindow;
  /** the normal clients' events left unanswered over the four windows */
  lost: number;
  /** `maxBufferedBytes` of the server */
  bound: number;
  /** seconds from the pause to the slow reader's queue passing the bound (-1: never) */
  secondsToBound: number;
  /** max server-side `bufferedAmount` of the slow reader over the slow window, bytes */
  maxBufferedSlow: number;
  /** max sum of the other sockets' `bufferedAmount`, bytes */
  maxBufferedOthers: number;
  /** publishes from the pause to the end of the slow window (each re-renders its views) */
  published: number;
  /** render frames it read once it read again */
  framesAfterResume: number;
  /** largest render frame it read, bytes */
  maxFrame: number;
  /** views showing the newest publish once it read again */
  caughtUp: number;
  /** "no", or the close code and reason if the server closed it */
  slowClosed: string;
}

/** What part 2 needs from the soak's driver. */
export interface SlowContext {
  server: ServerHandle;
  clients: number;
  seconds: number;
  log: (msg: string) => void;
  load: () => string;
}

/** The feed client: joins {@link SLOW_VIEWS} feed views and keeps what it would show. */
class FeedClient {
  readonly shown = new Map<number, string>();
  frames = 0;
  maxFrame = 0;

  private constructor(readonly sock: BenchSocket) {
    sock.ws.on("message", (data: Buffer) => {
      const f = JSON.parse(data.toString("utf8")) as [string, number, unknown];
      if (f[0] !== "r" && f[0] !== "d") return;
      this.frames++;
      this.maxFrame = Math.max(this.maxFrame, data.length);
      this.shown.set(f[1], f[0] === "r" ? (f[2] as string) : applyDelta(this.shown.get(f[1]) ?? "", f[2] as never));
    });
  }

  /**
   * Joins the views, then sends a heartbeat every 30 s as the browser runtime does, reading or
   * not (a paused socket still writes): otherwise the server's idle timeout (75 s) would close it.
   */
  static async open(base: string): Promise<FeedClient> {
    const first = await getPage(base, FEED_PATH);
    const c = new FeedClient(await BenchSocket.open(base, first.cookie));
    const beat = setInterval(() => c.sock.ws.send(JSON.stringify([C_HEARTBEAT])), 30_000);
    c.sock.ws.once("close", () => clearInterval(beat));
    for (let ref = 1; ref <= SLOW_VIEWS; ref++) {
      const page = ref === 1 ? first : await getPage(base, FEED_PATH, first.cookie);
      await c.sock.join(ref, page.roots[0]!.token, base + FEED_PATH);
    }
    return c;
  }

  /** Views whose HTML shows publish `id`. */
  showing(id: number): number {
    let n = 0;
    for (const html of this.shown.values()) if (html.includes(`data-n="${id}"`)) n++;
    return n;
  }
}

/** Runs the four windows; the `orders` ticker runs at 1/s throughout. */
export async function slowReader(ctx: SlowContext): Promise<SlowResult> {
  const { server: s, log } = ctx;
  const bound = s.limits.maxBufferedBytes ?? 262_144;
  const buffered = async () => (await s.request({ cmd: "buffered" })).buffered!;
  const tally = new Tally();
  log(`slow reader: opening ${ctx.clients} clients…`);
  const socks = await pool(
    Array.from({ length: ctx.clients }, (_, i) => [KINDS[i % 2]!]),
    16,
    (p) => SoakSocket.open(s.base, p, tally),
  );
  await s.request({ cmd: "ticker", topic: "orders", ms: 1000 });
  tally.t0 = performance.now();
  for (const k of socks) k.start();
  await sleep(3000);
  const window = async (name: string, sample?: () => Promise<void>): Promise<SlowWindow> => {
    log(`  ${ctx.seconds} s ${name}…`);
    tally.takeWindow();
    const err0 = tally.errorReplies;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end) {
      await sleep(1000);
      await sample?.();
    }
    const l = sorted(tally.takeWindow());
    const w = { n: l.length, p50: percentile(l, 50), p99: percentile(l, 99), errors: tally.errorReplies - err0, load: ctx.load() };
    log(`  p99 ${ms(w.p99)} ms, p50 ${ms(w.p50)} ms (${int(w.n)} replies)`);
    return w;
  };

  const alone = await window("without the feed client");
  const reader = await FeedClient.open(s.base);
  const reading = await window(`next to the feed client reading (${SLOW_VIEWS} feed views)`);
  await reader.sock.close();

  // A fresh connection for the slow reader: a socket that has been reading at ~0.5 MB/s has
  // had its receive buffer grown by TCP autotuning (up to net.ipv4.tcp_rmem's max, 32 MB here),
  // which would only postpone the moment its queue reaches the bound. ws.pause() pauses the TCP
  // socket and keeps ws from resuming it (a bare socket.pause() is undone by ws's receiver).
  const feed = await FeedClient.open(s.base);
  feed.sock.ws.pause();
  const paused = Date.now();
  const pub0 = (await s.request({ cmd: "ticker", topic: "orders", ms: 1000 })).published!;
  let secondsToBound = -1;
  while (secondsToBound < 0 && Date.now() - paused < 120_000) {
    await sleep(1000);
    if ((await buffered()).max > bound) secondsToBound = Math.round((Date.now() - paused) / 1000);
  }
  log(`  slow reader's queue over ${int(bound)} B after ${secondsToBound} s`);
  let maxBufferedSlow = 0;
  let maxBufferedOthers = 0;
  const slow = await window("next to the feed client not reading", async () => {
    const b = await buffered();
    // The normal clients read everything; any queued bytes are the slow reader's (or a
    // momentary queue of a normal one: reported separately as the sum minus the max).
    maxBufferedSlow = Math.max(maxBufferedSlow, b.max);
    maxBufferedOthers = Math.max(maxBufferedOthers, b.sum - b.max);
  });
  // Freeze the newest state: stop publishing, then let it read again.
  const lastId = (await s.request({ cmd: "ticker", topic: "orders", ms: 0 })).published!;
  const framesBefore = feed.frames;
  feed.sock.ws.resume();
  const by = Date.now() + 60_000;
  while (feed.showing(lastId) < SLOW_VIEWS && !feed.sock.closed && Date.now() < by) await sleep(200);
  // a close frame the server sent while it was paused arrives only now
  const slowClosed = feed.sock.closed ? `${feed.sock.closed.code} ${feed.sock.closed.reason}` : "no";
  const caughtUp = feed.showing(lastId);
  const framesAfterResume = feed.frames - framesBefore;
  log(`  read again: ${caughtUp}/${SLOW_VIEWS} views show the newest publish after ${int(framesAfterResume)} frames`);
  await feed.sock.close();

  await s.request({ cmd: "ticker", topic: "orders", ms: 1000 });
  const after = await window("without the feed client again");
  await s.request({ cmd: "ticker", topic: "orders", ms: 0 });
  for (const k of socks) k.stop();
  await sleep(2000);
  const lost = socks.reduce((n, k) => n + k.lost(), 0);
  await pool(socks, 50, (k) => k.close());
  return {
    clients: ctx.clients, seconds: ctx.seconds, alone, reading, slow, after, lost, bound, secondsToBound, maxBufferedSlow,
    maxBufferedOthers, published: lastId - pub0, framesAfterResume, maxFrame: feed.maxFrame, caughtUp, slowClosed,
  };
}

const ok = (b: boolean) => (b ? "yes" : "**no**");
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} %`;

/** The method bullet of part 2, for the soak section of docs/benchmarks.md. */
export function slowMethod(sr: SlowResult): string[] {
  return [
    `- **Slow reader**: ${sr.clients} clients, one view each (counter / table), one event per second; an`,
    "  `orders` publish every second. A feed client joins " + `${SLOW_VIEWS} views of a bench-only live feed`,
    "  (`bench/src/soak/feed.ts`: 100 lines that all change on every publish, ~16 KB per push; the",
    "  demo's KPI pushes are ~20 B, which the loopback kernel buffers, ~4 MB, absorb for hours).",
    `  Four windows of ${sr.seconds} s: the normal clients *alone*; next to the feed client *reading*;`,
    "  next to a fresh one *not reading* (`ws.pause()` pauses its TCP socket; the window starts once the",
    "  server's queue for it is over `maxBufferedBytes`, i.e. the kernel buffers are full and renders",
    "  are held back); *alone again*, after it read again, caught up and left. The server's",
    "  `bufferedAmount` of every socket is sampled every second. p99 of the normal clients' round trips per window.",
  ];
}

/** The "Slow reader" table of the soak section. */
export function slowTable(sr: SlowResult): string[] {
  const vsReading = (100 * (sr.slow.p99 - sr.reading.p99)) / sr.reading.p99;
  const base = (sr.alone.p99 + sr.after.p99) / 2;
  const vsAlone = (100 * (sr.slow.p99 - base)) / base;
  const noise = (100 * Math.abs(sr.after.p99 - sr.alone.p99)) / base;
  return [
    "### Slow reader",
    "",
    "| Figure | Measured | Target |",
    "|---|---|---|",
    `| Slow reader's server-side \`bufferedAmount\`, max over the window | ${int(sr.maxBufferedSlow)} B (over the bound ${sr.secondsToBound} s after it stopped reading) | ≤ ${int(sr.bound)} B (\`maxBufferedBytes\`) + one frame (largest ${int(sr.maxFrame)} B): ${ok(sr.secondsToBound >= 0 && sr.maxBufferedSlow <= sr.bound + sr.maxFrame)} |`,
    `| Other sockets' \`bufferedAmount\`, max of the sum | ${int(sr.maxBufferedOthers)} B | |`,
    `| Publishes while it did not read / render frames it read once reading again (what the kernel held, then one render per view) | ${int(sr.published)} × ${SLOW_VIEWS} views = ${int(sr.published * SLOW_VIEWS)} renders / ${int(sr.framesAfterResume)} frames | coalesced |`,
    `| Views showing the newest publish once it read again | ${sr.caughtUp} / ${SLOW_VIEWS} | all (${ok(sr.caughtUp === SLOW_VIEWS)}) |`,
    `| Slow reader closed by the server | ${sr.slowClosed} | no |`,
    `| Others' p99: alone / feed client reading / not reading / alone again | ${ms(sr.alone.p99)} / ${ms(sr.reading.p99)} / ${ms(sr.slow.p99)} / ${ms(sr.after.p99)} ms | |`,
    `| Others' p99, not reading against reading (what its not reading costs the others) | ${signed(vsReading)} | at most +10 % (${ok(vsReading <= 10)}) |`,
    `| Others' p99, not reading against the mean of the alone windows | ${signed(vsAlone)} | within ±10 %: ${Math.abs(vsAlone) <= 10 ? "yes" : noise > 10 ? `not resolved: the two alone windows differ by ${noise.toFixed(1)} % from each other` : "**no**"} |`,
    `| Others' p50: alone / reading / not reading / alone again | ${ms(sr.alone.p50)} / ${ms(sr.reading.p50)} / ${ms(sr.slow.p50)} / ${ms(sr.after.p50)} ms | |`,
    `| Others' replies per window / lost over all four | ${int(sr.alone.n)} / ${int(sr.reading.n)} / ${int(sr.slow.n)} / ${int(sr.after.n)} / ${sr.lost} | 0 lost (${ok(sr.lost === 0)}) |`,
    "",
    sr.secondsToBound < 0
      ? "The slow reader's queue never passed the bound (the kernel buffers took everything): the hold-back was not exercised by this run; `packages/server/test/transport.test.ts` covers it."
      : "Once the kernel buffers are full the queue reaches the bound; from then on the server holds renders back (the view is marked dirty, nothing is queued) and the queue stays at the bound plus at most the one frame that took it over. When the reader reads again it gets the newest state of each view, not the backlog.",
  ];
}
