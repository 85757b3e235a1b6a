/**
 * The floor Node reaches on this machine for what issue 16's event path and KPI push do, with
 * no framework: what a server's CPU per frame and events/s cannot go below / above here.
 *
 * 1. **Push**: a server child holds `--sockets` loopback connections and writes one 20-byte
 *    payload to each of them, `--rounds` times (a turn between rounds, as publishes are):
 *    - `net`: a bare `net` server, `socket.write` of a 20-byte Buffer;
 *    - `ws`: a bare `ws` server, `ws.send` of a 20-byte string (header + payload: ws's `writev`);
 *    - `ws-frame`: the same ws sockets, the frame built once and `socket.write`n (weft's shared write).
 *    Server CPU (`process.cpuUsage`, user + system) per write.
 * 2. **Echo, closed loop**: the `ws` server answers every text frame with a 22-byte text frame
 *    (the size of weft's counter reply), the parent's `--sockets` ws clients each keep one frame
 *    in flight (JSON-parsing each answer as the peer bench's clients do) for `--seconds`:
 *    events/s and server CPU per event; the most any server can do with this generator here.
 *
 * 3. **Echo, open loop**: the same, each socket sending one frame a second (spread evenly, as the
 *    peer bench's open loop: one frame every 1,000 / `--sockets` ms): server CPU per event when
 *    every event wakes the event loop by itself.
 *
 * Usage: node bench/dist/floor.js [--sockets 1000] [--rounds 20] [--seconds 5]
 */
import { fork } from "node:child_process";
import net from "node:net";
import os from "node:os";
import { parseArgs } from "node:util";
import WebSocket, { WebSocketServer } from "ws";

const { values: opts } = parseArgs({ options: { sockets: { type: "string", default: "1000" }, rounds: { type: "string", default: "20" }, seconds: { type: "string", default: "5" }, child: { type: "string" } } });
const PAYLOAD = '["d",1,[106,1,"12"]]'; // 20 B, a KPI push
const REPLY = '["ad",1,11,[79,1,"1"]]'; // 22 B, a counter reply

type Req = { cmd: "push"; mode: "net" | "ws" | "ws-frame"; rounds: number } | { cmd: "cpu" } | { cmd: "stop" };

/** The server child: one net server and one ws server on ephemeral ports. */
async function child(): Promise<void> {
  const raw: net.Socket[] = [];
  const netServer = net.createServer((s) => void raw.push(s.on("data", () => {}).on("error", () => {})));
  let listening!: () => void;
  const wsUp = new Promise<void>((r) => (listening = r));
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false }, () => listening());
  const reply = Buffer.from(REPLY);
  wss.on("connection", (ws) => ws.on("message", () => ws.send(reply, { binary: false })));
  await new Promise<void>((r) => netServer.listen(0, "127.0.0.1", r));
  await wsUp;
  const payload = Buffer.from(PAYLOAD);
  const frame = Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const turn = () => new Promise<void>((r) => setImmediate(r));
  process.on("message", async (m: Req) => {
    if (m.cmd === "cpu") return process.send!({ cpu: process.cpuUsage() });
    if (m.cmd === "stop") return process.exit(0);
    const c0 = process.cpuUsage();
    let writes = 0;
    for (let i = 0; i < m.rounds; i++) {
      if (m.mode === "net") for (const s of raw) (s.write(payload), writes++);
      else if (m.mode === "ws") for (const ws of wss.clients) (ws.send(PAYLOAD), writes++);
      else for (const ws of wss.clients) ((ws as unknown as { _socket: net.Socket })._socket.write(frame), writes++);
      await turn();
    }
    const c1 = process.cpuUsage(c0);
    process.send!({ us: (c1.user + c1.system) / writes });
  });
  process.send!({ net: (netServer.address() as net.AddressInfo).port, ws: (wss.address() as net.AddressInfo).port });
}

async function main(): Promise<void> {
  const n = Number(opts.sockets);
  const srv = fork(new URL(import.meta.url), ["--child", "1"], { stdio: "inherit" });
  const next = () => new Promise<Record<string, unknown>>((r) => srv.once("message", r as never));
  const ports = (await next()) as { net: number; ws: number };
  const ask = async (m: Req) => (srv.send(m), next());
  const raw = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((r) => { const s = net.connect(ports.net, "127.0.0.1", () => r(s)); s.on("data", () => {}); })));
  const wss = await Promise.all(Array.from({ length: n }, () => new Promise<WebSocket>((r) => { const ws = new WebSocket(`ws://127.0.0.1:${ports.ws}/`, { perMessageDeflate: false }); ws.on("open", () => r(ws)); })));
  const rows: string[] = [];
  const load = () => os.loadavg()[0]!.toFixed(1);
  for (const mode of ["net", "ws", "ws-frame"] as const) {
    await ask({ cmd: "push", mode, rounds: 3 }); // warm-up
    const r = await ask({ cmd: "push", mode, rounds: Number(opts.rounds) });
    rows.push(`| push, ${n} sockets × ${opts.rounds} rounds, 20 B: ${mode} | ${(r.us as number).toFixed(1)} µs CPU per write | ${load()} |`);
  }
  // echo, closed loop
  const seconds = Number(opts.seconds);
  let count = 0;
  let counting = false;
  let stop = false;
  for (const ws of wss) ws.on("message", (d: Buffer) => {
    JSON.parse(d.toString("utf8"));
    if (counting) count++;
    if (!stop) ws.send('["e",1,5,"inc",{}]');
  });
  for (const ws of wss) ws.send('["e",1,5,"inc",{}]');
  await new Promise((r) => setTimeout(r, 1000));
  const c0 = (await ask({ cmd: "cpu" })).cpu as NodeJS.CpuUsage;
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const dt = (performance.now() - t0) / 1000;
  const got = count;
  const c1 = (await ask({ cmd: "cpu" })).cpu as NodeJS.CpuUsage;
  stop = true;
  const cpu = c1.user - c0.user + c1.system - c0.system;
  rows.push(`| echo closed loop, ${n} ws sockets, 22 B replies | ${(got / dt).toFixed(0)} events/s, ${(cpu / got).toFixed(1)} µs server CPU per event | ${load()} |`);
  // echo, open loop: one frame a second per socket, spread evenly
  await new Promise((r) => setTimeout(r, 500));
  let answered = 0;
  for (const ws of wss) ws.removeAllListeners("message").on("message", (d: Buffer) => void (JSON.parse(d.toString("utf8")), answered++));
  const o0 = (await ask({ cmd: "cpu" })).cpu as NodeJS.CpuUsage;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (let due = start + (sent * 1000) / n; due <= now && sent < n * seconds; due = start + (++sent * 1000) / n) wss[sent % n]!.send('["e",1,5,"inc",{}]');
      if (sent >= n * seconds) return resolve();
      setTimeout(tick, Math.max(0, start + (sent * 1000) / n - performance.now()));
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, 200));
  const o1 = (await ask({ cmd: "cpu" })).cpu as NodeJS.CpuUsage;
  const ocpu = o1.user - o0.user + o1.system - o0.system;
  rows.push(`| echo open loop, ${n} ws sockets × 1 frame/s, 22 B replies | ${(ocpu / sent).toFixed(1)} µs server CPU per event (${answered} of ${sent} answered) | ${load()} |`);
  process.stdout.write(`node ${process.version}, ${os.cpus().length} cores\n\n| figure | value | load (1 min) |\n|---|---:|---:|\n${rows.join("\n")}\n`);
  srv.send({ cmd: "stop" });
  for (const s of raw) s.destroy();
  process.exit(0);
}

await (opts.child ? child() : main());
