/**
 * The jobs bench's output: the summary table printed on stdout and the `jobs` section of
 * docs/benchmarks.md, both from the gathered {@link Figures}.
 */
import { int, ms, percentile, sorted } from "../stats.js";
import { PLAN, RENEWAL_SHADOW_MS, TARGETS, type Figures } from "./figures.js";

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
    [`jobs through BullMQ with empty bodies (enqueue → done, 2 job workers)`, `${f.queue.jobsPerSecond.toFixed(0)} /s`, "", ""],
    ["web worker B's p99, idle", `${ms(f.queue.web.idle.p99)} ms`, "", ""],
    ["web worker B's p99, a CPU-bound job running on a job worker", `${ms(f.queue.web.cpuJob.p99)} ms`, "", ""],
    ["job worker killed (SIGKILL) → its job resumed on the other", `${f.queue.crash.resumedS.toFixed(2)} s`, `≤ ${((2 * f.queue.crash.stalledMs) / 1000).toFixed(1)} s`, ok(f.queue.crash.resumedS * 1000, 2 * f.queue.crash.stalledMs)],
  ];
}

export function summaryOf(f: Figures): string {
  const r = rows(f);
  const w = Math.max(...r.map((x) => x[0].length));
  const lines = r.map(([what, got, target, met]) => `  ${what.padEnd(w)}  ${got.padStart(10)}  ${target.padEnd(9)} ${met.replace(/\*/g, "")}`.trimEnd());
  return `Weft jobs bench (A and B: two processes on one private Redis, loopback; load average ${f.env.loadStart[0]!.toFixed(1)} → ${f.env.loadEnd[0]!.toFixed(1)})\n${lines.join("\n")}\n`;
}

export function markdownOf(f: Figures): string {
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

- Worker **A** is a job worker: the admin's \`JobStore\` on its layer (the site's defaults) and the BullMQ engine (\`BullJobQueue\`, \`runJobs\`) — it enqueues each job on BullMQ and its BullMQ worker runs it (\`executeJob\`: coalesced writes at most every 50 ms, the lease, a cancellation seen on \`job:<id>\` relayed to \`worker.cancelJob\`, which aborts BullMQ's processor signal and so \`progress.signal\`). The bench's job bodies take the timestamps.
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
- The path: B's cancel handler (a fresh read, then \`cancelJob\`: compare-and-set and \`PUBLISH\`), Redis, A's subscription, BullMQ's \`worker.cancelJob\` aborting the processor's signal, \`progress.signal\`. B's reply to the event reached the client after p50 ${ms(percentile(rep, 50))} ms, p99 ${ms(percentile(rep, 99))} ms.
- Machine CPU while measuring: ${pct(f.cancel.busyPct)}.

**3. Frames under a flood of updates.** A body calls \`update\` ${int(PLAN.floodRate)} times a second for ${PLAN.floodSeconds} s (as many calls as the clock asks for, then \`setImmediate\`); the client counts the frames it receives between the body's first and last call.

- The body made ${int(fl.updates)} calls in ${fl.seconds.toFixed(2)} s (${int(fl.updates / fl.seconds)}/s); A published ${int(fl.published)} records for the job meanwhile (${(fl.published / fl.seconds).toFixed(1)}/s).
- The client received ${int(fl.frames)} frames: ${(fl.frames / fl.seconds).toFixed(1)} per second, at most ${fl.maxIn1s} in any 1 s. ${fl.progressFrames} of them changed the counts shown (${(fl.progressFrames / fl.seconds).toFixed(1)}/s, at most ${fl.progressMaxIn1s} in any 1 s, the closest two ${ms(fl.minGapMs)} ms apart as the client saw them: \`watchJob\`'s 50 ms interval plus or minus jitter). The others are the page's elapsed-time tick, a re-render once a second that this coalescing does not cover.
- The page's last frame showed "${fl.lastShown}"; the body's last update set "${fl.expected}".
- CPU during the flood: A ${pct(fl.cpuA)} (the body's loop), B ${pct(fl.cpuB)}, the whole machine ${pct(fl.busyPct)}.

**4. The queue (BullMQ), two more job workers** (queue-worker.ts: their own BullMQ queues and keys, lock ${f.queue.crash.lockMs} ms, stalled interval ${f.queue.crash.stalledMs} ms, set by the bench).

- ${f.queue.jobs} jobs with empty bodies enqueued one after another from the bench process, until the last is \`done\`: ${f.queue.jobsPerSecond.toFixed(0)} jobs/s (each: slots claimed, record created, BullMQ add; a worker's \`executeJob\` marks it running and done; every step a compare-and-set and a publish).
- B answering \`${f.queue.web.url}\` (${f.queue.web.requests} requests one after another): p50 ${ms(f.queue.web.idle.p50)} / p99 ${ms(f.queue.web.idle.p99)} ms idle, p50 ${ms(f.queue.web.cpuJob.p50)} / p99 ${ms(f.queue.web.cpuJob.p99)} ms while a job burning the CPU runs on a job worker (its own process: B's event loop is untouched; on a loaded 2-core machine the CPU itself is shared).
- A job of 3,000 resumable steps (a checkpoint after each) killed with SIGKILL on its job worker after ${f.queue.crash.resumedFrom > 0 ? "some" : "no"} progress; BullMQ's stalled-job check on the other worker moved it back and that worker resumed it ${f.queue.crash.resumedS.toFixed(2)} s after the kill, from step ${f.queue.crash.resumedFrom} of ${f.queue.crash.total} (at most the lock plus one stalled interval).
`;
}
