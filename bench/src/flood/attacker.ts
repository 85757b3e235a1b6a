/**
 * The flood's attacker, in a process of its own (so its sending never delays the measuring
 * clients' event loop): one visitor's session cookie (a GET of the page, no login), sockets
 * that never join a view, each sending junk frames (not JSON, `--frame` bytes) as fast as its
 * socket drains until the server closes it, then a new socket, `--parallel` at a time.
 *
 * With `heartbeatFirst` ("1") each socket sends a well-formed heartbeat before its junk, so the
 * server's junk-first close (4400) does not apply and the rate limit (4429) and the session's
 * abuse cooldown (HTTP 429 on the upgrade) are what stop it.
 *
 * Usage: `fork(attacker.js, [base, path, frameBytes, parallel, heartbeatFirst?])`. The parent sends "start"
 * and "stop" over IPC; on "stop" it answers with its {@link AttackStats} and exits.
 */
import WebSocket from "ws";
import { getPage } from "../http.js";

/** What one flood segment cost the attacker and what the server did about it. */
export interface AttackStats {
  /** bytes handed to the sockets (the kernel may not have delivered all of them) */
  bytesSent: number;
  framesSent: number;
  socketsOpened: number;
  /** close codes the attacker's sockets saw, with counts */
  closes: Record<string, number>;
  /** CPU time this process used while flooding (user + system), µs */
  cpuMicros: number;
}

const [base, path, frameArg, parallelArg, heartbeatFirstArg] = process.argv.slice(2);
const heartbeatFirst = heartbeatFirstArg === "1";
const frame = "x".repeat(Number(frameArg ?? 60_000));
const parallel = Number(parallelArg ?? 4);
const IN_FLIGHT = 16;
const stats: AttackStats = { bytesSent: 0, framesSent: 0, socketsOpened: 0, closes: {}, cpuMicros: 0 };
let cpu0 = process.cpuUsage();
let running = false;
const page = await getPage(base!, path!);

/** One socket's life: junk until the server closes it; then the next socket, while running. */
function lane(): void {
  if (!running) return;
  const ws = new WebSocket(`${base!.replace(/^http/, "ws")}/live/websocket?v=1`, {
    headers: { cookie: page.cookie, origin: base },
    perMessageDeflate: false,
    // an all-zero mask: ws skips masking, so this process spends next to no CPU per byte (the
    // server still unmasks every frame, as it would any client's); the measuring clients and
    // the server share this machine's cores with it
    generateMask: (mask: Buffer) => void mask.fill(0),
  });
  stats.socketsOpened++;
  // IN_FLIGHT frames handed to the socket at a time, the next one as each is written out: as
  // fast as the connection takes them, without spinning this process's CPU
  const one = () => {
    if (!running || ws.readyState !== ws.OPEN) return;
    stats.framesSent++;
    stats.bytesSent += frame.length;
    ws.send(frame, (err) => (err ? undefined : one()));
  };
  ws.on("open", () => {
    if (heartbeatFirst) ws.send('["h"]');
    for (let i = 0; i < IN_FLIGHT; i++) one();
  });
  ws.on("error", () => {});
  ws.on("close", (code) => {
    stats.closes[code] = (stats.closes[code] ?? 0) + 1;
    lane();
  });
}

process.on("message", (m: string) => {
  if (m === "start") {
    cpu0 = process.cpuUsage();
    running = true;
    for (let i = 0; i < parallel; i++) lane();
  } else if (m === "stop") {
    running = false;
    const cpu = process.cpuUsage(cpu0);
    stats.cpuMicros = cpu.user + cpu.system;
    process.send!(stats, undefined, {}, () => process.exit(0));
  }
});
process.send!("ready");
