/**
 * `pnpm bench:idle`: what an idle keep-alive HTTP connection costs the server after a page
 * load, against Node's own cost for the same bytes.
 *
 * Each server runs in a child process (`--expose-gc`). The parent opens N keep-alive
 * connections (`http.Agent({ keepAlive: true })`), loads the page once on each (all at once),
 * reads the bodies and leaves the connections idle; the child reports `process.memoryUsage()`
 * after full GCs before and after. Printed: KiB per idle connection (heap, external, RSS) for
 *   - node: a bare `http.createServer` answering the same bytes the demo sent (gzipped page),
 *   - demo (fastify defaults): keepAliveTimeout 72 s, @fastify/compress threshold 1 KiB,
 *   - demo (as shipped): its own options (see examples/admin-demo/src/app.ts).
 *
 * `IDLE_SNAPSHOTS=<dir>` also writes a heap snapshot at each measurement, to diff by constructor.
 *
 * Usage: node bench/dist/idle.js [--n 1000] [--path /counter] [--accept-encoding "gzip, deflate, br"] (a browser's, by default)
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

type Mode = { kind: "node"; body: string; encoding: string } | { kind: "fastify"; body: string; encoding: string } | { kind: "demo"; dbFile: string; secret: string; compress?: false | { threshold: number } };
type Mem = NodeJS.MemoryUsage;

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Child side: serve, and answer `mem` with memoryUsage after full GCs. */
async function serve(mode: Mode): Promise<void> {
  let port: number;
  if (mode.kind === "node") {
    const body = Buffer.from(mode.body, "base64");
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": mode.encoding, "content-length": body.length });
      res.end(body);
    });
    server.keepAliveTimeout = 600_000; // the connections stay idle through the measurement
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as { port: number }).port;
  } else if (mode.kind === "fastify") {
    const body = Buffer.from(mode.body, "base64");
    const { default: Fastify } = await import("fastify");
    const app = Fastify({ keepAliveTimeout: 600_000 });
    app.get("/*", (_req, reply) => reply.type("text/html; charset=utf-8").header("content-encoding", mode.encoding).send(body));
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
  } else {
    const { buildApp } = await import("@weft/admin-demo/dist/app.js");
    // the idle connections must outlive the measurement: the timeout's only effect is how long they stay
    const app = await buildApp({
      dbFile: mode.dbFile,
      secret: mode.secret,
      simulateMs: 0,
      checks: false,
      keepAliveTimeoutMs: 600_000,
      ...(mode.compress === undefined ? {} : { compress: mode.compress }),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as { port: number }).port;
  }
  const gc = (globalThis as { gc?: () => void }).gc!;
  process.on("message", async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await settle(50);
    }
    if (process.env.IDLE_SNAPSHOTS) (await import("node:v8")).writeHeapSnapshot(`${process.env.IDLE_SNAPSHOTS}/${mode.kind}-${Date.now()}.heapsnapshot`);
    process.send!({ mem: process.memoryUsage() });
  });
  process.send!({ port });
}

interface Page {
  status: number;
  body: Buffer;
  encoding: string;
}

let acceptEncoding = "gzip";
/** page loads in flight at once */
const BATCH = 10;
/** page loads before the first measurement */
const WARM_UP = 1000;

function get(agent: http.Agent, port: number, path: string): Promise<Page> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent, headers: { "accept-encoding": acceptEncoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), encoding: String(res.headers["content-encoding"] ?? "identity") }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** Starts a server child, loads `path` on `n` idle keep-alive connections, returns the memory per connection. */
async function measure(mode: Mode, n: number, path: string): Promise<{ perConn: Record<"heap" | "external" | "rss", number>; page: Page }> {
  const script = fileURLToPath(import.meta.url);
  const child = fork(script, ["--serve", JSON.stringify(mode)], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = () => new Promise<{ port?: number; mem?: Mem }>((r) => child.once("message", r));
  const { port } = (await next()) as { port: number };
  const mem = async () => {
    child.send("mem");
    return (await next()).mem!;
  };
  try {
    // warm up (JIT: fewer and the optimised code compiled during the run counts as ~0.5 KiB per
    // connection; template caches; the first session) on connections closed afterwards
    const warm = new http.Agent({ keepAlive: false });
    let page!: Page;
    for (let i = 0; i < WARM_UP; i++) page = await get(warm, port, path);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status}`);
    await settle(200);
    const before = await mem();
    // one agent per connection, BATCH page loads at a time (visitors arrive, they do not all load at once)
    const agents = Array.from({ length: n }, () => new http.Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 600_000 }));
    for (let i = 0; i < n; i += BATCH) await Promise.all(agents.slice(i, i + BATCH).map((a) => get(a, port, path)));
    const open = agents.reduce((sum, a) => sum + Object.values(a.freeSockets).reduce((x, s) => x + (s?.length ?? 0), 0), 0);
    if (open !== n) throw new Error(`expected ${n} idle connections, the agents hold ${open}`);
    const after = await mem();
    for (const a of agents) a.destroy();
    const kib = (a: number, b: number) => (b - a) / n / 1024;
    return { perConn: { heap: kib(before.heapUsed, after.heapUsed), external: kib(before.external, after.external), rss: kib(before.rss, after.rss) }, page };
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: "string", default: "1000" }, path: { type: "string", default: "/counter" }, "accept-encoding": { type: "string", default: "gzip, deflate, br" } } });
  acceptEncoding = values["accept-encoding"]!;
  const n = Number(values.n);
  const path = values.path!;
  const { ensureSeeded } = await import("@weft/admin-demo/dist/db/seed-cli.js");
  const { randomSecret } = await import("@weft/server");
  const tmp = mkdtempSync(join(os.tmpdir(), "weft-idle-"));
  try {
    const dbFile = join(tmp, "demo.db");
    ensureSeeded(dbFile, { quiet: true });
    const secret = randomSecret();
    const before = await measure({ kind: "demo", dbFile, secret, compress: { threshold: 1024 } }, n, path);
    const plain = await measure({ kind: "demo", dbFile, secret, compress: false }, n, path);
    const shipped = await measure({ kind: "demo", dbFile, secret }, n, path);
    const same = { body: shipped.page.body.toString("base64"), encoding: shipped.page.encoding };
    const node = await measure({ kind: "node", ...same }, n, path);
    const fastify = await measure({ kind: "fastify", ...same }, n, path);
    const row = (name: string, r: typeof node) => `| ${name} | ${r.perConn.heap.toFixed(2)} | ${r.perConn.external.toFixed(2)} | ${r.perConn.rss.toFixed(2)} |`;
    console.log(`GET ${path} (${shipped.page.body.length} B on the wire, ${shipped.page.encoding}) on ${n} keep-alive connections left idle; KiB per connection after GC:\n`);
    console.log("| server | heap | external | RSS |\n|---|---:|---:|---:|");
    console.log(row("node: bare http.createServer, same bytes", node));
    console.log(row("fastify: one route, same bytes", fastify));
    console.log(row("demo, before (compress threshold 1 KiB)", before));
    console.log(row("demo, no compression", plain));
    console.log(row("demo as shipped", shipped));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const serveAt = process.argv.indexOf("--serve");
if (serveAt >= 0) await serve(JSON.parse(process.argv[serveAt + 1]) as Mode);
else await main();
