/**
 * `pnpm bench:jobs`: the background jobs' figures across two worker processes sharing a
 * private Redis — progress-update latency, cancel latency, and the frames a progress page
 * receives when a job updates 10,000 times a second. Writes its section of
 * docs/benchmarks.md; prints figures, never fails on a timing.
 *
 * ```
 * node bench/dist/jobs.js [--no-write]
 * ```
 *
 * Processes, all on 127.0.0.1:
 * - a private `redis-server` (free port, no persistence: `startRedisServer` of @weft/server/testing);
 * - worker A (jobs/worker-a.ts): a `RedisChannelLayer` and the admin's `JobStore` on it,
 *   running bench job bodies with `startJob` (what `withProgress` runs);
 * - worker B (jobs/worker-b.ts): the demo app (`buildApp`) on its own `RedisChannelLayer`,
 *   serving the progress page `/admin/jobs/<id>/` — the real LiveView and transport;
 * - this process: logs in as the demo's superuser on B and holds the WebSocket clients of
 *   the progress pages (bench/src/wsclient.ts), and drives A over IPC.
 *
 * Timestamps are `performance.timeOrigin + performance.now()` in each process (one machine, one
 * monotonic clock); A's offset from this process is measured over IPC (NTP-style, the shortest
 * of 40 round trips) and subtracted. A watchdog stops everything after 3 minutes.
 *
 * `BENCH_DUMP=1` also prints every latency sample with its Redis leg, the frames just before
 * it and the lease renewals near it (what the tail analysis in the section rests on).
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { applyDelta } from "@weft/client/apply";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { JobStore, RedisChannelLayer, randomSecret } from "@weft/server";
import { writeSection } from "./doc.js";
import { getPage } from "./http.js";
import { machineCpu, machineCpuPct, waitForQuiet } from "./machine.js";
import { Child, now, type JobEvent } from "./jobs/protocol.js";
import { startRedisServer, type RedisServer } from "@weft/server/testing";
import { int, ms, percentile, sleep, sorted } from "./stats.js";
import { BenchSocket } from "./wsclient.js";

const write = !process.argv.includes("--no-write");
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const log = (msg: string) => process.stderr.write(`bench:jobs: ${msg}\n`);

/** What each figure does; the whole run stays under ~1 minute on a quiet machine. */
const PLAN = {
  /** updates measured, after `latencyWarm` not counted, `latencySpacingMs` apart (more than the 50 ms coalescing) */
  latencyCount: 300,
  latencyWarm: 10,
  latencySpacingMs: 75,
  /** jobs cancelled, one after another */
  cancelJobs: 50,
  /** the flood: updates a second, for how long */
  floodRate: 10_000,
  floodSeconds: 5,
};
/** see measureLatency's afterRenewal */
const RENEWAL_SHADOW_MS = 100;
const TARGETS = { latencyP99: 20, cancelP99: 50, framesPerSecond: 20 };

/** A small demo database: the progress page does not read the shop's tables. */
const SEED = { customers: 200, products: 50, orders: 1_000, tickets: 50 };

const children: Child[] = [];
const closers: Array<() => Promise<void>> = [];
let redis: RedisServer | undefined;
const watchdog = setTimeout(() => {
  log("watchdog: still running after 3 minutes, giving up");
  for (const c of children) c.kill();
  void redis?.stop();
  process.exit(1);
}, 180_000);
watchdog.unref();

/** One frame as this process received it. */
interface Arrival {
  /** `now()` in the socket's message handler */
  t: number;
  frame: unknown[];
}

/** A progress page open on B: its socket and every frame received after the join. */
interface JobPage {
  sock: BenchSocket;
  html: string;
  arrivals: Arrival[];
}

interface Figures {
  env: { date: string; node: string; cpu: string; cores: number; os: string; loadStart: number[]; loadEnd: number[]; quiet: { waitedMs: number; busyPct: number } };
  clock: { a: { offset: number; uncertainty: number }; b: { offset: number; uncertainty: number } };
  /**
   * samples: update → frame on B's client; redisLeg: update → the record at a plain subscriber
   * of this process; quiet: the samples of updates not made right after a lease renewal;
   * slowAfterRenewal: samples over the p99 target among those made right after one
   */
  latency: { samples: number[]; redisLeg: number[]; quiet: number[]; renewals: number; slowAfterRenewal: number; merged: number; missing: number; busyPct: number };
  cancel: { samples: number[]; replies: number[]; statuses: Record<string, number>; busyPct: number };
  flood: {
    seconds: number;
    updates: number;
    published: number;
    frames: number;
    progressFrames: number;
    maxIn1s: number;
    progressMaxIn1s: number;
    minGapMs: number;
    lastShown: string;
    expected: string;
    cpuA: number;
    cpuB: number;
    busyPct: number;
  };
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-bench-jobs-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log(`seeding a small temp database (${int(SEED.orders)} orders)…`);
    ensureSeeded(dbFile, { quiet: true, seed: SEED });
    redis = await startRedisServer();
    log(`private redis-server at ${redis.url}`);
    const secret = randomSecret();
    const [a, b] = await Promise.all([
      Child.start("A", "./worker-a.js", [redis.url]),
      Child.start("B", "./worker-b.js", [dbFile, secret, redis.url]),
    ]);
    children.push(a, b);
    const base = `http://127.0.0.1:${b.port}`;
    log(`worker A pid ${a.pid} (jobs), worker B pid ${b.pid} (pages at ${base})`);
    const cookie = await login(base);
    // a plain subscriber in this process: when each record reaches a Redis subscriber, page or not
    const plain = new RedisChannelLayer(redis.url);
    closers.push(() => plain.close());
    const plainStore = new JobStore(plain);

    const clock = { a: await a.clockOffset(), b: await b.clockOffset() };
    log(`clock offsets from this process: A ${clock.a.offset.toFixed(3)} ± ${clock.a.uncertainty.toFixed(3)} ms, B ${clock.b.offset.toFixed(3)} ± ${clock.b.uncertainty.toFixed(3)} ms`);
    /** A's timestamp on this process's clock */
    const fromA = (t: number) => t - clock.a.offset;

    const quiet = await waitForQuiet(15_000);
    log(`machine CPU before measuring: ${quiet.busyPct.toFixed(0)} % of one core (waited ${(quiet.waitedMs / 1000).toFixed(0)} s for < 25 %)`);

    // warm both paths once (first page render, first job) so no figure pays for lazy start-up
    await cancelOnce(a, base, cookie, fromA);

    const latency = await measureLatency(a, base, cookie, fromA, plainStore);
    const cancel = await measureCancel(a, base, cookie, fromA);
    const flood = await measureFlood(a, b, base, cookie, fromA);

    await Promise.all(children.map((c) => c.stop()));
    const figures: Figures = {
      env: {
        date: new Date().toISOString().slice(0, 16).replace("T", " "),
        node: process.version,
        cpu: os.cpus()[0]?.model.trim() ?? "?",
        cores: os.cpus().length,
        os: `${os.type()} ${os.release()}`,
        loadStart,
        loadEnd: os.loadavg(),
        quiet,
      },
      clock,
      latency,
      cancel,
      flood,
    };
    const md = markdownOf(figures);
    process.stdout.write(summaryOf(figures));
    if (write) {
      writeSection(join(REPO, "docs", "benchmarks.md"), "jobs", md);
      log("wrote docs/benchmarks.md (jobs section)");
    }
  } finally {
    for (const close of closers) await close().catch(() => {});
    for (const c of children) c.kill();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- figure 1: progress.update on A → the frame showing it on B's client ----

async function measureLatency(a: Child, base: string, cookie: string, fromA: (t: number) => number, plain: JobStore): Promise<Figures["latency"]> {
  const count = PLAN.latencyWarm + PLAN.latencyCount;
  log(`latency: ${count} updates ${PLAN.latencySpacingMs} ms apart (${((count * PLAN.latencySpacingMs) / 1000).toFixed(0)} s)…`);
  const { jobId } = await a.request({ cmd: "start", job: { kind: "latency", count, spacingMs: PLAN.latencySpacingMs } });
  const page = await openJobPage(base, cookie, jobId!);
  const published: Array<{ t: number; message: string }> = [];
  const unsubscribe = plain.subscribe(jobId!, (rec) => published.push({ t: now(), message: rec.message }));
  await (plain.layer as RedisChannelLayer).whenSubscribed();
  const stamped = a.event(isEvent("stamps", jobId!), "the latency job's timestamps", 120_000);
  const cpu0 = machineCpu();
  await a.request({ cmd: "go", jobId: jobId! });
  const { stamps } = await stamped;
  await a.request({ cmd: "finished", jobId: jobId! });
  await sleep(200); // the last frames
  const busyPct = machineCpuPct(cpu0, machineCpu());
  unsubscribe();
  await page.sock.close();

  // when a Redis subscriber got the record carrying each marker: the leg before B's page; and
  // the records that carried no new update (the runner's lease renewals, every leaseMs / 3)
  const redisLeg: number[] = [];
  const renewals: number[] = [];
  const seen = new Set<number>();
  for (const { t, message } of published) {
    const m = /^bench-update-(\d+)$/.exec(message);
    const k = m ? Number(m[1]) : -1;
    if (seen.has(k)) renewals.push(t);
    seen.add(k);
    if (k >= PLAN.latencyWarm && redisLeg.length < k - PLAN.latencyWarm + 1) redisLeg.push(t - fromA(stamps[k]!));
  }
  /**
   * Whether update i came within two coalescing windows (100 ms) after a lease renewal's record
   * (or while it was being written): the renewal takes A's writer's 50 ms window, and B's
   * `watchJob` delivers it (a render with nothing new to send) up to 50 ms later, taking B's.
   */
  const afterRenewal = (i: number) => renewals.some((t) => t - fromA(stamps[i]!) < 10 && fromA(stamps[i]!) - t < RENEWAL_SHADOW_MS);

  // replay the frames in order: the first frame whose page shows marker k (or a later one) reflects update k
  const shownAt = new Array<number>(count).fill(Number.NaN);
  let html = page.html;
  let highest = -1;
  let merged = 0;
  for (const { t, frame } of page.arrivals) {
    html = applied(html, frame);
    const m = /id="job-message" class="job-message">bench-update-(\d+)</.exec(html);
    const k = m ? Number(m[1]) : -1;
    if (k > highest) {
      merged += k - highest - 1; // updates never shown on their own: coalesced into this frame
      for (let i = highest + 1; i <= k; i++) shownAt[i] = t;
      highest = k;
    }
  }
  const samples: number[] = [];
  const quiet: number[] = [];
  let slowAfterRenewal = 0;
  let missing = 0;
  for (let i = PLAN.latencyWarm; i < count; i++) {
    if (Number.isNaN(shownAt[i]!)) {
      missing++;
      continue;
    }
    const dt = shownAt[i]! - fromA(stamps[i]!);
    samples.push(dt);
    if (!afterRenewal(i)) quiet.push(dt);
    else if (dt > TARGETS.latencyP99) slowAfterRenewal++;
  }
  const s = sorted(samples);
  const r = sorted(redisLeg);
  log(`latency: p50 ${ms(percentile(s, 50))} ms, p99 ${ms(percentile(s, 99))} ms, max ${ms(s[s.length - 1]!)} ms; ${merged} coalesced, ${missing} never shown`);
  const q = sorted(quiet);
  log(`latency, A → a plain Redis subscriber: p50 ${ms(percentile(r, 50))} ms, p99 ${ms(percentile(r, 99))} ms (${redisLeg.length} records)`);
  log(`latency, without the ${samples.length - quiet.length} updates made < ${RENEWAL_SHADOW_MS} ms after one of the ${renewals.length} lease renewals: p50 ${ms(percentile(q, 50))} ms, p99 ${ms(percentile(q, 99))} ms`);
  if (process.env.BENCH_DUMP) {
    for (let i = PLAN.latencyWarm; i < count; i++) {
      const s = fromA(stamps[i]!);
      const before = page.arrivals.filter((x) => x.t < shownAt[i]! && x.t > s - 100).map((x) => `${ms(x.t - s)}:${String(x.frame[0])}`);
      const ren = renewals.filter((t) => Math.abs(t - s) < 100).map((t) => ms(t - s));
      log(`  #${i} ${ms(shownAt[i]! - s)} ms (Redis leg ${ms(redisLeg[i - PLAN.latencyWarm]!)} ms)${afterRenewal(i) ? " after a renewal" : ""} frames before [${before.join(" ")}] renewals [${ren.join(" ")}]`);
    }
  }
  return { samples, redisLeg, quiet, renewals: renewals.length, slowAfterRenewal, merged, missing, busyPct };
}

// ---- figure 2: the cancel event frame sent to B → progress.signal aborted on A ----

async function cancelOnce(a: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<{ latency: number; reply: number; status: string }> {
  const { jobId } = await a.request({ cmd: "start", job: { kind: "cancel" } });
  const page = await openJobPage(base, cookie, jobId!);
  // cancel a running job, as a user would: after the page shows it running
  await until(page, (html) => html.includes(">running</span>"), "the page to show the job running");
  await sleep(20);
  const aborted = a.event(isEvent("aborted", jobId!), "the job's abort");
  const replied = page.sock.next((f) => f[0] === "a" || f[0] === "!", "the reply to cancel");
  const seq = page.sock.event(1, "cancel", {});
  const sentAt = performance.timeOrigin + page.sock.pending.get(seq)!; // just before ws.send
  const reply = await replied;
  const repliedAt = now();
  if (reply.frame[0] !== "a") throw new Error(`cancel refused: ${reply.text.slice(0, 200)}`);
  const { at } = await aborted;
  const { status } = await a.request({ cmd: "finished", jobId: jobId! });
  await page.sock.close();
  return { latency: fromA(at) - sentAt, reply: repliedAt - sentAt, status: status! };
}

async function measureCancel(a: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<Figures["cancel"]> {
  log(`cancel: ${PLAN.cancelJobs} jobs, one after another…`);
  const samples: number[] = [];
  const replies: number[] = [];
  const statuses: Record<string, number> = {};
  const cpu0 = machineCpu();
  for (let i = 0; i < PLAN.cancelJobs; i++) {
    const r = await cancelOnce(a, base, cookie, fromA);
    samples.push(r.latency);
    replies.push(r.reply);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  }
  const busyPct = machineCpuPct(cpu0, machineCpu());
  const s = sorted(samples);
  log(`cancel: p50 ${ms(percentile(s, 50))} ms, p99 ${ms(percentile(s, 99))} ms; final statuses ${JSON.stringify(statuses)}`);
  return { samples, replies, statuses, busyPct };
}

// ---- figure 3: frames a client receives while the body updates 10,000 times a second ----

async function measureFlood(a: Child, b: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<Figures["flood"]> {
  log(`flood: ${int(PLAN.floodRate)} updates/s for ${PLAN.floodSeconds} s…`);
  const { jobId } = await a.request({ cmd: "start", job: { kind: "flood", rate: PLAN.floodRate, seconds: PLAN.floodSeconds } });
  const page = await openJobPage(base, cookie, jobId!);
  await until(page, (html) => html.includes(">running</span>"), "the page to show the job running");
  const flooded = a.event(isEvent("flood", jobId!), "the flood's end", 60_000);
  const [cpuA0, cpuB0, m0] = [(await a.request({ cmd: "cpu" })).cpu!, (await b.request({ cmd: "cpu" })).cpu!, machineCpu()];
  await a.request({ cmd: "go", jobId: jobId! });
  const f = await flooded;
  const [cpuA1, cpuB1, m1] = [(await a.request({ cmd: "cpu" })).cpu!, (await b.request({ cmd: "cpu" })).cpu!, machineCpu()];
  await a.request({ cmd: "finished", jobId: jobId! });
  await sleep(300); // the final state's frame
  await page.sock.close();

  const start = fromA(f.start);
  const end = fromA(f.end);
  const seconds = (end - start) / 1000;
  let html = page.html;
  let shown = countsOf(html);
  const times: number[] = [];
  const progressTimes: number[] = [];
  let progressFrames = 0;
  for (const { t, frame } of page.arrivals) {
    html = applied(html, frame);
    if (t < start || t > end) continue;
    times.push(t);
    const c = countsOf(html);
    if (c !== shown) {
      progressFrames++;
      progressTimes.push(t);
    }
    shown = c;
  }
  /** the most of `ts` (ascending) in any window (t - 1 s, t] */
  const maxIn1s = (ts: number[]) => {
    let most = 0;
    for (let i = 0, j = 0; i < ts.length; i++) {
      while (ts[j]! <= ts[i]! - 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    return most;
  };
  let minGapMs = Infinity;
  for (let i = 1; i < progressTimes.length; i++) minGapMs = Math.min(minGapMs, progressTimes[i]! - progressTimes[i - 1]!);
  const wall = (x: NodeJS.CpuUsage, y: NodeJS.CpuUsage) => (y.user + y.system - x.user - x.system) / 1000 / ((end - start) || 1);
  const expected = `${int(f.updates)} of ${int(PLAN.floodRate * PLAN.floodSeconds)}`; // what the last update set
  const result = {
    seconds,
    updates: f.updates,
    published: f.published,
    frames: times.length,
    progressFrames,
    maxIn1s: maxIn1s(times),
    progressMaxIn1s: maxIn1s(progressTimes),
    minGapMs,
    lastShown: countsOf(html),
    expected,
    cpuA: 100 * wall(cpuA0, cpuA1),
    cpuB: 100 * wall(cpuB0, cpuB1),
    busyPct: machineCpuPct(m0, m1),
  };
  log(
    `flood: ${int(f.updates)} updates in ${seconds.toFixed(2)} s; ${f.published} records published; ${times.length} frames received (${(times.length / seconds).toFixed(1)}/s, at most ${result.maxIn1s} in any 1 s); the page ended at "${result.lastShown}"`,
  );
  return result;
}

// ---- helpers ----

/** Logs in as the demo's superuser through the real form; returns the cookies to send. */
async function login(base: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = await fetch(`${base}/admin/login/`);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error("no CSRF token in the login form");
  const res = await fetch(`${base}/admin/login/`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: header(), "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams({ _csrf: csrf, username: "admin", password: "admin", next: "/admin/" }).toString(),
  });
  await res.arrayBuffer();
  if (res.status !== 302) throw new Error(`login failed: HTTP ${res.status}`);
  keep(res);
  return header();
}

/** GETs the job's progress page on B, opens a socket and joins its view; records every later frame with its arrival time. */
async function openJobPage(base: string, cookie: string, jobId: string): Promise<JobPage> {
  const path = `/admin/jobs/${jobId}/`;
  const page = await getPage(base, path, cookie);
  const root = page.roots.find((r) => r.view.toLowerCase().includes("job")) ?? page.roots[0]!;
  const sock = await BenchSocket.open(base, cookie);
  const joined = await sock.join(1, root.token, base + path);
  const arrivals: Arrival[] = [];
  sock.ws.on("message", (data: Buffer) => {
    const t = now();
    arrivals.push({ t, frame: JSON.parse(data.toString("utf8")) as unknown[] });
  });
  return { sock, html: joined.frame[2] as string, arrivals };
}

/** Waits until the page, with the frames received so far applied, satisfies `pred`. */
async function until(page: JobPage, pred: (html: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let html = page.html;
    for (const { frame } of page.arrivals) html = applied(html, frame);
    if (pred(html)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The page's HTML after `frame` (a reply with an update, a delta, a render of ref 1); unchanged otherwise. */
function applied(html: string, frame: unknown[]): string {
  if (frame[1] !== 1) return html;
  const update = frame[0] === "a" ? frame[3] : frame[0] === "d" || frame[0] === "r" ? frame[2] : undefined;
  if (typeof update === "string") return update;
  if (Array.isArray(update)) return applyDelta(html, update as never);
  return html;
}

/** The "12 of 40" the page shows. */
function countsOf(html: string): string {
  return /id="job-counts" class="job-counts">([^<]*)</.exec(html)?.[1] ?? "";
}

function isEvent<T extends JobEvent["type"]>(type: T, jobId: string) {
  return (e: JobEvent): e is Extract<JobEvent, { type: T }> => e.type === type && e.jobId === jobId;
}

// ---- report ----

function rows(f: Figures): Array<[string, string, string, string]> {
  const l = sorted(f.latency.samples);
  const c = sorted(f.cancel.samples);
  const fps = f.flood.frames / f.flood.seconds;
  const ok = (v: number, t: number) => (v <= t ? "yes" : "**no**");
  return [
    ["progress update on A → frame on B's client, p50", `${ms(percentile(l, 50))} ms`, "", ""],
    ["progress update on A → frame on B's client, p99", `${ms(percentile(l, 99))} ms`, `≤ ${TARGETS.latencyP99} ms`, ok(percentile(l, 99), TARGETS.latencyP99)],
    ["cancel frame to B → `signal.aborted` on A, p50", `${ms(percentile(c, 50))} ms`, "", ""],
    ["cancel frame to B → `signal.aborted` on A, p99", `${ms(percentile(c, 99))} ms`, `≤ ${TARGETS.cancelP99} ms`, ok(percentile(c, 99), TARGETS.cancelP99)],
    [`frames/s on a progress page, body at ${int(PLAN.floodRate)} updates/s`, `${fps.toFixed(1)} /s`, `≤ ${TARGETS.framesPerSecond} /s`, ok(fps, TARGETS.framesPerSecond)],
    ["… of which changed the progress shown", `${(f.flood.progressFrames / f.flood.seconds).toFixed(1)} /s`, "", ""],
  ];
}

function summaryOf(f: Figures): string {
  const r = rows(f);
  const w = Math.max(...r.map((x) => x[0].length));
  const lines = r.map(([what, got, target, met]) => `  ${what.padEnd(w)}  ${got.padStart(10)}  ${target.padEnd(9)} ${met.replace(/\*/g, "")}`.trimEnd());
  return `Weft jobs bench (A and B: two processes on one private Redis, loopback; load average ${f.env.loadStart[0]!.toFixed(1)} → ${f.env.loadEnd[0]!.toFixed(1)})\n${lines.join("\n")}\n`;
}

function markdownOf(f: Figures): string {
  const l = sorted(f.latency.samples);
  const c = sorted(f.cancel.samples);
  const rep = sorted(f.cancel.replies);
  const rl = sorted(f.latency.redisLeg);
  const qs = sorted(f.latency.quiet);
  const fl = f.flood;
  const table = rows(f)
    .map(([what, got, target, met]) => `| ${what} | ${got} | ${target} | ${met} |`)
    .join("\n");
  const load = (x: number[]) => x.map((v) => v.toFixed(2)).join(" / ");
  const statuses = Object.entries(f.cancel.statuses)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const slow = l.filter((x) => x > TARGETS.latencyP99).length;
  const pct = (x: number) => `${x.toFixed(0)} % of one core`;
  return `## Jobs (\`pnpm bench:jobs\`)

${f.env.date} UTC, Node ${f.env.node}, ${f.env.cpu} × ${f.env.cores} (${f.env.os}). Load average (1 / 5 / 15 min): ${load(f.env.loadStart)} at the start, ${load(f.env.loadEnd)} at the end. Before measuring, the bench waited up to 15 s for the machine to be quiet (then ${pct(f.env.quiet.busyPct)} busy); the whole machine's CPU use during each figure (all processes, the bench's own included) is given below, since other work on it inflates the tails. Figures are printed, never asserted.

| Figure | measured | target | met |
|---|---:|---:|:---:|
${table}

**Set-up.** Everything on 127.0.0.1: a private \`redis-server\` (free port, no persistence) and two worker processes, each with its own \`RedisChannelLayer\` (one publisher and one subscriber connection).

- Worker **A** holds the admin's \`JobStore\` on its layer (the site's defaults) and runs the jobs with \`startJob\`, the runner \`withProgress\` uses (coalesced writes at most every 50 ms, the lease, cancellation through its subscription on \`job:<id>\`). The bench's job bodies take the timestamps.
- Worker **B** is the demo app as \`buildApp\` builds it, on a small seeded SQLite file, serving the real progress page \`/admin/jobs/<id>/\` (the admin's \`JobView\` on \`watchJob\`: at most one render per 50 ms).
- The bench process logs in on B as the demo's superuser and holds the page's WebSocket client: the join, events and frames as the browser runtime speaks them, deltas applied to the page's HTML.

Timestamps are \`performance.timeOrigin + performance.now()\` in each process: one monotonic clock on one machine. A's offset from the client process, ${f.clock.a.offset.toFixed(3)} ± ${f.clock.a.uncertainty.toFixed(3)} ms (the shortest of 40 IPC round trips, NTP-style), is subtracted.

**1. Progress-update latency.** The body on A calls \`progress.update({ current, total, message })\` ${int(PLAN.latencyWarm + PLAN.latencyCount)} times, ${PLAN.latencySpacingMs} ms apart (more than the 50 ms coalescing at either end), each with its own message, and takes the time just before each call. The client takes the time each frame arrives (in the socket's message handler), replays the frames in order, and the first frame whose page shows update *i*'s message is the one reflecting it. The first ${PLAN.latencyWarm} updates are not counted.

- ${int(f.latency.samples.length)} samples: p50 ${ms(percentile(l, 50))} ms, p90 ${ms(percentile(l, 90))} ms, p99 ${ms(percentile(l, 99))} ms, max ${ms(l[l.length - 1]!)} ms. ${f.latency.merged} updates were shown only together with a later one, ${f.latency.missing} never.
- The path: A's writer (a compare-and-set on \`job:<id>\`, then \`PUBLISH\`), Redis, B's subscriber, \`watchJob\`, the view's render and diff, the socket. The first leg alone, until a plain Redis subscriber in the client process got the record carrying update *i*: p50 ${ms(percentile(rl, 50))} ms, p99 ${ms(percentile(rl, 99))} ms.
- Lease renewals: the runner also writes the record every \`leaseMs / 3\` (5 s) with nothing new (${f.latency.renewals} such records here). One written just before an update takes A's writer's 50 ms window; B's \`watchJob\` delivers it (a render with nothing to send) up to 50 ms later and that takes B's window; either way the next update can wait up to 50 ms. ${f.latency.slowAfterRenewal} of the ${slow} samples over ${TARGETS.latencyP99} ms came less than ${RENEWAL_SHADOW_MS} ms after a renewal. Without the ${f.latency.samples.length - f.latency.quiet.length} updates that did: p50 ${ms(percentile(qs, 50))} ms, p99 ${ms(percentile(qs, 99))} ms, max ${ms(qs[qs.length - 1]!)} ms.
- Machine CPU while measuring: ${pct(f.latency.busyPct)}.

**2. Cancel latency.** ${PLAN.cancelJobs} jobs, one after another: A starts a job whose body only waits for its signal; the client opens its page on B, waits until it shows *running*, and sends the event frame \`["e", 1, seq, "cancel", {}]\` (what the Cancel button sends once its confirmation is accepted), timed just before \`ws.send\`. The end is the \`'abort'\` listener on \`progress.signal\` in A.

- p50 ${ms(percentile(c, 50))} ms, p90 ${ms(percentile(c, 90))} ms, p99 ${ms(percentile(c, 99))} ms (with fewer than 100 samples, p99 is the maximum). Final statuses: ${statuses}.
- The path: B's cancel handler (a fresh read, then \`cancelJob\`: compare-and-set and \`PUBLISH\`), Redis, A's subscription, \`AbortController.abort()\`. B's reply to the event reached the client after p50 ${ms(percentile(rep, 50))} ms, p99 ${ms(percentile(rep, 99))} ms.
- Machine CPU while measuring: ${pct(f.cancel.busyPct)}.

**3. Frames under a flood of updates.** A body calls \`update\` ${int(PLAN.floodRate)} times a second for ${PLAN.floodSeconds} s (as many calls as the clock asks for, then \`setImmediate\`); the client counts the frames it receives between the body's first and last call.

- The body made ${int(fl.updates)} calls in ${fl.seconds.toFixed(2)} s (${int(fl.updates / fl.seconds)}/s); A published ${int(fl.published)} records for the job meanwhile (${(fl.published / fl.seconds).toFixed(1)}/s).
- The client received ${int(fl.frames)} frames: ${(fl.frames / fl.seconds).toFixed(1)} per second, at most ${fl.maxIn1s} in any 1 s. ${fl.progressFrames} of them changed the counts shown (${(fl.progressFrames / fl.seconds).toFixed(1)}/s, at most ${fl.progressMaxIn1s} in any 1 s, the closest two ${ms(fl.minGapMs)} ms apart as the client saw them: \`watchJob\`'s 50 ms interval plus or minus jitter). The others are the page's elapsed-time tick, a re-render once a second that this coalescing does not cover.
- The page's last frame showed "${fl.lastShown}"; the body's last update set "${fl.expected}".
- CPU during the flood: A ${pct(fl.cpuA)} (the body's loop), B ${pct(fl.cpuB)}, the whole machine ${pct(fl.busyPct)}.
`;
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill();
  void redis?.stop().finally(() => process.exit(1));
});
