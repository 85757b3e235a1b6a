/**
 * Part 2 of `pnpm bench:soak`: a slow reader next to `clients` normal ones (issue 5, "Load").
 *
 * The normal clients hold one view each (counter / table) and send one event per second. A
 * feed client (one session, {@link SLOW_VIEWS} {@link Feed} views, ~16 KB per push, one
 * `orders` publish per second) comes and goes. `rounds` rounds of three `seconds`-long
 * segments, interleaved so that drift over the run (GC state, the shared machine) falls on
 * every condition alike:
 *
 * 1. *alone*: the normal clients only;
 * 2. *reading*: a feed client reads everything (what its pushes cost the server);
 * 3. *slow*: a fresh feed client whose TCP socket stops reading (`ws.pause()`); the segment
 *    starts once the server's `bufferedAmount` for it is over `maxBufferedBytes` (the kernel
 *    buffers are full and renders are held back) and {@link SETTLE_MS} more, so it measures the
 *    steady congested state. Then
 *    publishing stops, it reads again and must show the newest publish on every view.
 *
 * Round trips are pooled per condition. The server's `bufferedAmount` of every socket is
 * sampled each second of the slow segments.
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

/**
 * Pause between the slow reader's queue reaching the bound and the measured segment: until
 * then the server rendered its 32 views every second, as for a reading client, and the
 * garbage of those renders is collected in the next seconds.
 */
const SETTLE_MS = 10_000;

/** Views the feed client holds (the per-socket limit). */
export const SLOW_VIEWS = 32;

/** The normal clients' round trips under one condition, pooled over its segments. */
export interface SlowCondition {
  n: number;
  p50: number;
  p99: number;
  /** p99 of each segment, in run order */
  perRound: number[];
  /** `!` replies (rate limit, server error) */
  errors: number;
}

/** Everything part 2 reports. */
export interface SlowResult {
  clients: number;
  seconds: number;
  rounds: number;
  alone: SlowCondition;
  reading: SlowCondition;
  slow: SlowCondition;
  /** p99 of the alone segments of odd rounds against even rounds: the noise floor, % */
  noisePct: number;
  /** the normal clients' events left unanswered over the whole part */
  lost: number;
  /** `maxBufferedBytes` of the server */
  bound: number;
  /** seconds from each pause to the slow reader's queue passing the bound (-1: never) */
  secondsToBound: number[];
  /** max server-side `bufferedAmount` of a slow reader over the slow segments, bytes */
  maxBufferedSlow: number;
  /** max sum of the other sockets' `bufferedAmount`, bytes */
  maxBufferedOthers: number;
  /** publishes while a slow reader did not read, summed over rounds */
  published: number;
  /** render frames the slow readers read once reading again, summed */
  framesAfterResume: number;
  /** largest render frame a feed client read, bytes */
  maxFrame: number;
  /** views showing the newest publish once reading again, summed over rounds (of rounds × 32) */
  caughtUp: number;
  /** slow readers the server closed (code and reason), or none */
  slowClosed: string[];
  /** load average when the part ended */
  load: string;
}

/** What part 2 needs from the soak's driver. */
export interface SlowContext {
  server: ServerHandle;
  clients: number;
  /** length of one segment, s */
  seconds: number;
  rounds: number;
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

/** Runs the rounds; the `orders` ticker runs at 1/s except while a slow reader catches up. */
export async function slowReader(ctx: SlowContext): Promise<SlowResult> {
  const { server: s, log } = ctx;
  const bound = s.limits.maxBufferedBytes ?? 262_144;
  const buffered = async () => (await s.request({ cmd: "buffered" })).buffered!;
  const ticker = async (ms: number) => (await s.request({ cmd: "ticker", topic: "orders", ms })).published!;
  const tally = new Tally();
  log(`slow reader: opening ${ctx.clients} clients…`);
  const socks = await pool(
    Array.from({ length: ctx.clients }, (_, i) => [KINDS[i % 2]!]),
    16,
    (p) => SoakSocket.open(s.base, p, tally),
  );
  await ticker(1000);
  tally.t0 = performance.now();
  for (const k of socks) k.start();
  await sleep(3000);

  const pooled = { alone: [] as number[], reading: [] as number[], slow: [] as number[] };
  const perRound = { alone: [] as number[], reading: [] as number[], slow: [] as number[] };
  const errors = { alone: 0, reading: 0, slow: 0 };
  const oddEven: number[][] = [[], []];
  // Every segment samples the server's queues each second (an IPC round trip to the server), so
  // the observer costs every condition alike; only the slow segments keep the figures.
  const segment = async (cond: keyof typeof pooled, round: number, sample: () => Promise<unknown> = buffered) => {
    tally.takeWindow();
    const err0 = tally.errorReplies;
    const end = Date.now() + ctx.seconds * 1000;
    while (Date.now() < end) {
      await sleep(1000);
      await sample();
    }
    const l = tally.takeWindow();
    pooled[cond].push(...l);
    if (cond === "alone") oddEven[round % 2]!.push(...l);
    const p99 = percentile(sorted(l), 99);
    perRound[cond].push(p99);
    errors[cond] += tally.errorReplies - err0;
    log(`  round ${round + 1}, ${cond}: p99 ${ms(p99)} ms (${int(l.length)} replies)`);
  };

  const secondsToBound: number[] = [];
  const slowClosed: string[] = [];
  let maxBufferedSlow = 0;
  let maxBufferedOthers = 0;
  let published = 0;
  let framesAfterResume = 0;
  let caughtUp = 0;
  let maxFrame = 0;
  for (let round = 0; round < ctx.rounds; round++) {
    await segment("alone", round);

    const reader = await FeedClient.open(s.base);
    await segment("reading", round);
    maxFrame = Math.max(maxFrame, reader.maxFrame);
    await reader.sock.close();

    // A fresh connection for each slow reader: one that has been reading at ~0.5 MB/s has had
    // its receive buffer grown by TCP autotuning (up to net.ipv4.tcp_rmem's max, 32 MB here),
    // which would only postpone the moment its queue reaches the bound. ws.pause() pauses the
    // TCP socket and keeps ws from resuming it (a bare socket.pause() is undone by ws's receiver).
    const feed = await FeedClient.open(s.base);
    feed.sock.ws.pause();
    const paused = Date.now();
    const pub0 = await ticker(1000);
    let toBound = -1;
    while (toBound < 0 && Date.now() - paused < 120_000) {
      await sleep(1000);
      if ((await buffered()).max > bound) toBound = Math.round((Date.now() - paused) / 1000);
    }
    secondsToBound.push(toBound);
    // the fill renders (a reading client's cost) and their garbage are not the slow reader's
    await sleep(SETTLE_MS);
    await segment("slow", round, async () => {
      const b = await buffered();
      // The normal clients read everything; any queued bytes are the slow reader's (or a
      // momentary queue of a normal one: reported separately as the sum minus the max).
      maxBufferedSlow = Math.max(maxBufferedSlow, b.max);
      maxBufferedOthers = Math.max(maxBufferedOthers, b.sum - b.max);
    });
    // Freeze the newest state: stop publishing, then let it read again.
    const lastId = await ticker(0);
    published += lastId - pub0;
    const framesBefore = feed.frames;
    feed.sock.ws.resume();
    const by = Date.now() + 60_000;
    while (feed.showing(lastId) < SLOW_VIEWS && !feed.sock.closed && Date.now() < by) await sleep(200);
    // a close frame the server sent while it was paused arrives only now
    if (feed.sock.closed) slowClosed.push(`${feed.sock.closed.code} ${feed.sock.closed.reason}`);
    caughtUp += feed.showing(lastId);
    framesAfterResume += feed.frames - framesBefore;
    maxFrame = Math.max(maxFrame, feed.maxFrame);
    log(`  round ${round + 1}: queue over the bound after ${toBound} s; read again: ${feed.showing(lastId)}/${SLOW_VIEWS} views show the newest publish`);
    await feed.sock.close();
    await ticker(1000);
  }
  await ticker(0);
  for (const k of socks) k.stop();
  await sleep(2000);
  const lost = socks.reduce((n, k) => n + k.lost(), 0);
  await pool(socks, 50, (k) => k.close());
  const condition = (c: keyof typeof pooled): SlowCondition => {
    const l = sorted(pooled[c]);
    return { n: l.length, p50: percentile(l, 50), p99: percentile(l, 99), perRound: perRound[c], errors: errors[c] };
  };
  const [odd, even] = oddEven.map((l) => percentile(sorted(l), 99)) as [number, number];
  return {
    clients: ctx.clients, seconds: ctx.seconds, rounds: ctx.rounds, alone: condition("alone"), reading: condition("reading"), slow: condition("slow"),
    noisePct: (200 * Math.abs(odd - even)) / (odd + even), lost, bound, secondsToBound, maxBufferedSlow, maxBufferedOthers, published,
    framesAfterResume, maxFrame, caughtUp, slowClosed, load: ctx.load(),
  };
}

const ok = (b: boolean) => (b ? "yes" : "**no**");
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} %`;
const change = (from: number, to: number) => (100 * (to - from)) / from;

/** The `soak-slow` section of docs/benchmarks.md. */
export function slowMarkdown(sr: SlowResult, meta: { date: string; commit: string; cpus: string; totalS: number }): string {
  const vsAlone = change(sr.alone.p99, sr.slow.p99);
  const vsReading = change(sr.reading.p99, sr.slow.p99);
  const rounds = (c: SlowCondition) => c.perRound.map(ms).join(", ");
  const lines = [
    "## Slow reader (`pnpm bench:soak`, part 2)",
    "",
    `Written by \`node bench/dist/soak.js\` (\`--part slow\` runs this part alone; source \`bench/src/soak/slow-reader.ts\`). ${meta.date}, commit ${meta.commit}, ${meta.cpus}, Node ${process.version}; load average at the end ${sr.load}; ${Math.round(meta.totalS)} s.`,
    "",
    "### Method",
    "",
    `- ${sr.clients} clients, one view each (counter / table), one event per second each; the server publishes an`,
    "  `orders` message every second. A feed client joins " + `${SLOW_VIEWS} views of a bench-only live feed`,
    "  (`bench/src/soak/feed.ts`: 100 lines that all change on every publish, ~16 KB per push; the",
    "  demo's KPI pushes are ~20 B, which the loopback kernel buffers, ~4 MB, absorb for hours).",
    `- ${sr.rounds} rounds of three ${sr.seconds} s segments, interleaved so drift over the run falls on every condition`,
    "  alike: the normal clients *alone*; next to a feed client *reading*; next to a fresh feed client",
    "  *not reading* (`ws.pause()` pauses its TCP socket; it still sends a heartbeat every 30 s, as the",
    "  runtime does; the segment starts " + `${SETTLE_MS / 1000} s after the server's queue for it went over \`maxBufferedBytes\`, i.e.`,
    "  once the kernel buffers are full, renders are held back and the garbage of the renders before",
    "  is collected: it measures the steady congested state). After each slow segment publishing",
    "  stops, the reader reads again and must show the newest publish on every view.",
    "- The others' round trips are pooled per condition. The noise floor is the p99 of the alone",
    "  segments of odd rounds against even rounds. The server's `bufferedAmount` of every socket is",
    "  sampled each second of every segment (kept for the slow ones), so the sampling costs every",
    "  condition alike.",
    "",
    "| Figure | Measured | Target |",
    "|---|---|---|",
    `| Slow reader's server-side \`bufferedAmount\`, max over the slow segments | ${int(sr.maxBufferedSlow)} B (over the bound ${sr.secondsToBound.join(" / ")} s after it stopped reading) | ≤ ${int(sr.bound)} B (\`maxBufferedBytes\`) + one frame (largest ${int(sr.maxFrame)} B): ${ok(sr.secondsToBound.every((t) => t >= 0) && sr.maxBufferedSlow <= sr.bound + sr.maxFrame)} |`,
    `| Other sockets' \`bufferedAmount\`, max of the sum | ${int(sr.maxBufferedOthers)} B | |`,
    `| Publishes while not reading / render frames read once reading again (what the kernel held, then one render per view) | ${int(sr.published)} × ${SLOW_VIEWS} views = ${int(sr.published * SLOW_VIEWS)} renders / ${int(sr.framesAfterResume)} frames | coalesced |`,
    `| Views showing the newest publish once reading again | ${sr.caughtUp} / ${sr.rounds * SLOW_VIEWS} | all (${ok(sr.caughtUp === sr.rounds * SLOW_VIEWS)}) |`,
    `| Slow readers closed by the server | ${sr.slowClosed.length ? sr.slowClosed.join(", ") : "none"} | none |`,
    `| Others' p99, pooled: alone / feed client reading / not reading | ${ms(sr.alone.p99)} / ${ms(sr.reading.p99)} / ${ms(sr.slow.p99)} ms | |`,
    `| Others' p99 next to the slow reader, against alone | ${signed(vsAlone)} (noise floor: alone odd vs even rounds ${sr.noisePct.toFixed(1)} %) | at most +10 % (${ok(vsAlone <= 10)}) |`,
    `| Others' p99 next to the slow reader, against the same client reading | ${signed(vsReading)} | at most +10 % (${ok(vsReading <= 10)}) |`,
    `| Others' p99 per round | alone ${rounds(sr.alone)}; reading ${rounds(sr.reading)}; not reading ${rounds(sr.slow)} ms | |`,
    `| Others' p50, pooled: alone / reading / not reading | ${ms(sr.alone.p50)} / ${ms(sr.reading.p50)} / ${ms(sr.slow.p50)} ms | |`,
    `| Others' replies per condition / error replies / lost | ${int(sr.alone.n)} / ${int(sr.reading.n)} / ${int(sr.slow.n)} / ${sr.alone.errors + sr.reading.errors + sr.slow.errors} / ${sr.lost} | 0 lost (${ok(sr.lost === 0)}) |`,
    "",
    sr.secondsToBound.some((t) => t < 0)
      ? "A slow reader's queue never passed the bound (the kernel buffers took everything): the hold-back was not exercised in that round; `packages/server/test/transport.test.ts` covers it."
      : "Once the kernel buffers are full the queue reaches the bound; from then on the server holds renders back (the view is marked dirty, nothing is queued) and the queue stays at the bound plus at most the one frame that took it over. When the reader reads again it gets the newest state of each view, not the backlog. A reader that does not read costs the server less than one that does: its renders are skipped.",
  ];
  return lines.join("\n") + "\n";
}
