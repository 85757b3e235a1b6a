/**
 * `pnpm bench:flood`: what a junk-frame flood from one visitor costs everybody else (issue 10).
 *
 * ```
 * node bench/dist/flood.js [--clients 20] [--rounds 3] [--seconds 10] [--frame 60000] [--parallel 4] [--unlimited] [--heartbeat-first]
 * ```
 *
 * `--heartbeat-first`: each attacker socket sends a heartbeat before its junk, so it is not
 * closed at its first frame (4400) but by the rate limit (4429), and then its session's abuse
 * cooldown refuses its upgrades (HTTP 429).
 *
 * `--unlimited` runs the server with the frame budget out of the way (`maxEventsPerSecond`
 * 10^9), as before every frame was counted: the figure to compare with.
 *
 * The demo app with weft's default limits (50 frames/s per socket, burst 100; 8 sockets per
 * session), in a child process (server.ts). `--clients` other visitors, each with its own
 * session and socket on `/counter`, send an event, wait for its reply, pause 50 ms, and so on
 * (≈ 15 events/s each, under the rate limit); their round trips are recorded. In `--rounds`
 * rounds, `--seconds` without a flood, then `--seconds` with one: an attacker process (its
 * own event loop, flood/attacker.ts) holding one visitor's cookie opens sockets that never join
 * a view and sends junk frames of `--frame` bytes as fast as they drain, `--parallel` sockets
 * at a time, a new one as soon as the server closes one or refuses its upgrade (4400 at the
 * first junk frame; with `--heartbeat-first` 4429 after the burst and 4 × the rate refused;
 * 4409 past 8 sockets of the session; then HTTP 429, seen as 1006, while the session cools down).
 *
 * Prints the others' pooled p50 / p99 round trip without and with the flood, the ratio, what
 * the attacker sent and how its sockets were closed, and the server's CPU. Loopback only; it
 * prints figures and never fails on a timing.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ensureSeeded } from "@weft/admin-demo/dist/db/seed-cli.js";
import { randomSecret } from "@weft/server";
import { openView, type OpenView } from "./connect.js";
import type { AttackStats } from "./flood/attacker.js";
import { ServerHandle } from "./server-handle.js";
import { int, ms, percentile, pool, sleep, sorted } from "./stats.js";

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const clients = opt("clients", 20);
const rounds = opt("rounds", 3);
const seconds = opt("seconds", 10);
const frameBytes = opt("frame", 60_000);
const parallel = opt("parallel", 4);
const unlimited = argv.includes("--unlimited");
const heartbeatFirst = argv.includes("--heartbeat-first");
const PATH = "/counter";
const PAUSE_MS = 50;

const log = (msg: string) => process.stderr.write(`flood: ${msg}\n`);
let server: ServerHandle | undefined;
let attacker: ChildProcess | undefined;
const watchdog = setTimeout(
  () => {
    log("watchdog: giving up");
    server?.kill();
    attacker?.kill("SIGKILL");
    process.exit(1);
  },
  (rounds * seconds * 2 + 180) * 1000,
);
watchdog.unref();

/** The measuring clients: each loops event → reply → pause while `on`, recording round trips into `into`. */
class Others {
  into: number[] = [];
  errors = 0;
  private on = false;
  private loops: Promise<void>[] = [];

  constructor(private views: OpenView[]) {}

  start(into: number[]): void {
    this.into = into;
    this.on = true;
    this.loops = this.views.map((v) => this.loop(v));
  }

  async stop(): Promise<void> {
    this.on = false;
    await Promise.all(this.loops);
  }

  private async loop(v: OpenView): Promise<void> {
    // spread the clients' phases over one pause
    await sleep(Math.random() * PAUSE_MS);
    while (this.on) {
      const t0 = performance.now();
      const r = await v.sock.request(v.ref, "inc", {});
      if (r.frame[0] === "!") this.errors++;
      else this.into.push(performance.now() - t0);
      await sleep(PAUSE_MS);
    }
  }
}

/** Starts the attacker process and resolves once it has its cookie. */
function startAttacker(base: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./flood/attacker.js", import.meta.url));
  const child = fork(script, [base, PATH, String(frameBytes), String(parallel), heartbeatFirst ? "1" : "0"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`attacker exited with ${code}`)));
    child.once("message", (m) => (m === "ready" ? resolve(child) : reject(new Error(`attacker said ${String(m)}`))));
  });
}

/** Stops an attacker and resolves with what it sent. */
function stopAttacker(child: ChildProcess): Promise<AttackStats> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("message", (m) => resolve(m as AttackStats));
    child.send("stop");
  });
}

function addStats(a: AttackStats, b: AttackStats): AttackStats {
  const closes = { ...a.closes };
  for (const [k, n] of Object.entries(b.closes)) closes[k] = (closes[k] ?? 0) + n;
  return { bytesSent: a.bytesSent + b.bytesSent, framesSent: a.framesSent + b.framesSent, socketsOpened: a.socketsOpened + b.socketsOpened, closes, cpuMicros: a.cpuMicros + b.cpuMicros };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-flood-"));
  try {
    const dbFile = join(tmp, "demo.db");
    log("seeding a temp database…");
    ensureSeeded(dbFile, { quiet: true });
    server = await ServerHandle.start(dbFile, randomSecret(), unlimited ? { maxEventsPerSecond: 1e9 } : {});
    log(`server ${server.base}, limits ${JSON.stringify(server.limits)}`);
    const views = await pool(Array.from({ length: clients }), 10, () => openView(server!.base, PATH));
    const others = new Others(views);
    // warm-up: JIT, connection set-up
    others.start([]);
    await sleep(2000);
    await others.stop();

    const quiet: number[] = [];
    const flood: number[] = [];
    let sent: AttackStats = { bytesSent: 0, framesSent: 0, socketsOpened: 0, closes: {}, cpuMicros: 0 };
    const cpu = { quiet: 0, flood: 0 };
    let floodRead = 0;
    for (let r = 1; r <= rounds; r++) {
      log(`round ${r}/${rounds}: ${seconds} s without a flood`);
      let c0 = await server.cpu();
      others.start(quiet);
      await sleep(seconds * 1000);
      await others.stop();
      let c1 = await server.cpu();
      cpu.quiet += c1.user + c1.system - c0.user - c0.system;

      log(`round ${r}/${rounds}: ${seconds} s with a junk flood`);
      attacker = await startAttacker(server.base);
      c0 = await server.cpu();
      const r0 = await server.read();
      attacker.send("start");
      others.start(flood);
      await sleep(seconds * 1000);
      await others.stop();
      c1 = await server.cpu();
      cpu.flood += c1.user + c1.system - c0.user - c0.system;
      floodRead += (await server.read()).bytes - r0.bytes;
      sent = addStats(sent, await stopAttacker(attacker));
      attacker = undefined;
      await sleep(500);
    }

    const q = sorted(quiet);
    const f = sorted(flood);
    const total = rounds * seconds;
    const lines = [
      `flood bench${unlimited ? " (--unlimited: no frame budget)" : ""}: ${clients} other clients on ${PATH} (event → reply → ${PAUSE_MS} ms pause), ${rounds} rounds of ${seconds} s without / ${seconds} s with a flood`,
      `  attacker: junk frames of ${int(frameBytes)} B on unjoined sockets of one session${heartbeatFirst ? " (a heartbeat first)" : ""}, ${parallel} at a time, reconnecting at once`,
      `  without flood: ${int(q.length)} round trips, p50 ${ms(percentile(q, 50))} ms, p99 ${ms(percentile(q, 99))} ms; server CPU ${((cpu.quiet / 1e6 / total) * 100).toFixed(0)} %`,
      `  with flood:    ${int(f.length)} round trips, p50 ${ms(percentile(f, 50))} ms, p99 ${ms(percentile(f, 99))} ms; server CPU ${((cpu.flood / 1e6 / total) * 100).toFixed(0)} %`,
      `  p99 with / without: ${(percentile(f, 99) / percentile(q, 99)).toFixed(2)}x; p50 ${(percentile(f, 50) / percentile(q, 50)).toFixed(2)}x; refused events of the others: ${others.errors}`,
      `  attacker: ${int(sent.socketsOpened)} sockets opened, closes ${JSON.stringify(sent.closes)}; ${int(sent.framesSent)} frames (${(sent.bytesSent / 1e6).toFixed(0)} MB) handed to its sockets, of which the server read ${(floodRead / 1e6).toFixed(0)} MB (${(floodRead / 1e6 / total).toFixed(1)} MB/s, the others' traffic included); attacker CPU ${((sent.cpuMicros / 1e6 / total) * 100).toFixed(0)} %`,
      `  machine load average (1 min) at the end: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
    await Promise.all(views.map((v) => v.sock.close()));
  } finally {
    attacker?.kill("SIGKILL");
    await server?.stop().catch(() => server?.kill());
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
