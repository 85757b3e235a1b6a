/**
 * The three measured phases of the jobs bench, each against workers A and B over IPC and a
 * progress page held by this process: progress-update latency, cancel latency, and the frames
 * a page receives under a flood of updates.
 */
import { isReply } from "@weft/client/codec";
import { S_ERROR } from "@weft/client/protocol";
import type { RedisChannelLayer } from "@weft/server/pubsub";
import type { JobStore } from "@weft/server/jobs";
import { machineCpu, machineCpuPct } from "../machine.js";
import { int, ms, percentile, sleep, sorted } from "../stats.js";
import { log, PLAN, RENEWAL_SHADOW_MS, TARGETS, type Figures } from "./figures.js";
import { applied, countsOf, openJobPage, until } from "./page.js";
import { now, type Child, type JobEvent } from "./protocol.js";

// ---- figure 1: progress.update on A → the frame showing it on B's client ----

export async function measureLatency(a: Child, base: string, cookie: string, fromA: (t: number) => number, plain: JobStore): Promise<Figures["latency"]> {
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

export async function cancelOnce(a: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<{ latency: number; reply: number; status: string }> {
  const { jobId } = await a.request({ cmd: "start", job: { kind: "cancel" } });
  const page = await openJobPage(base, cookie, jobId!);
  // cancel a running job, as a user would: after the page shows it running
  await until(page, (html) => html.includes(">running</span>"), "the page to show the job running");
  await sleep(20);
  const aborted = a.event(isEvent("aborted", jobId!), "the job's abort");
  const replied = page.sock.next((_f, m) => isReply(m) || m.type === S_ERROR, "the reply to cancel");
  const seq = page.sock.event(1, "cancel", {});
  const sentAt = performance.timeOrigin + page.sock.pending.get(seq)!; // just before ws.send
  const reply = await replied;
  const repliedAt = now();
  if (!isReply(reply.message)) throw new Error(`cancel refused: ${reply.text.slice(0, 200)}`);
  const { at } = await aborted;
  const { status } = await a.request({ cmd: "finished", jobId: jobId! });
  await page.sock.close();
  return { latency: fromA(at) - sentAt, reply: repliedAt - sentAt, status: status! };
}

export async function measureCancel(a: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<Figures["cancel"]> {
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

export async function measureFlood(a: Child, b: Child, base: string, cookie: string, fromA: (t: number) => number): Promise<Figures["flood"]> {
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

function isEvent<T extends JobEvent["type"]>(type: T, jobId: string) {
  return (e: JobEvent): e is Extract<JobEvent, { type: T }> => e.type === type && e.jobId === jobId;
}
