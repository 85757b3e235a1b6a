/**
 * `pnpm bench:streams`: what a stream saves against a plain list, on a real server and socket.
 * Writes its section of docs/benchmarks.md; prints figures, never fails on a timing.
 *
 * ```
 * node bench/dist/streams.js [--no-write]
 * ```
 *
 * Two views of 10,000 rows (`<li>` of about 30 bytes), on one server child started with
 * `--expose-gc` (this file run with `--server`), default limits except `maxEventsPerSecond`:
 * - **stream**: `this.stream("rows", rows)` in `mount`; the template renders `<ol lv-stream>` empty;
 * - **list**: the rows in the assigns, rendered by the template (what a view does without streams).
 *
 * For each: 2 views joined and closed (warm-up), then N pages fetched (their HTTP render, not
 * counted), `gc()` ×3 and `process.memoryUsage()` in the server, N views joined on one socket
 * (each answered: `r`, and for the stream its `s`), the same measure again; per view =
 * (after − before) / N. Then 50 inserts of one row on one view, one at a time: the frames the
 * server sent for each (bytes of the exact text), the round trip (send → reply), and the
 * server's CPU time over the 50 (`process.cpuUsage`, user + system) / 50.
 */
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { writeSection } from "./doc.js";
import { getPage } from "./http.js";
import { commit } from "./machine.js";
import { bytes, int, kib, ms, percentile, sorted, sleep } from "./stats.js";
import { BenchSocket } from "./wsclient.js";

const ROWS = 10_000;
const VIEWS = 30;
const INSERTS = 50;

type Row = { id: number; name: string; qty: number };
const row = (id: number): Row => ({ id, name: `Row ${id}`, qty: (id * 7) % 100 });
const rowHtml = (r: Row, domId: string) => `<li id="${domId}">${r.name} · ${r.qty}</li>`;
const rows = (n: number) => Array.from({ length: n }, (_, i) => row(i + 1));

type ToServer = { id: number; type: "measure" };
type FromServer = { type: "ready"; base: string } | { id: number; type: "measure"; mem: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage; views: number };

// ------------------------------------------------------------------ the server child

async function server(): Promise<void> {
  const { default: Fastify } = await import("fastify");
  const { LiveView, weft, randomSecret } = await import("@weft/server");

  class StreamRows extends LiveView<{ title: string }> {
    static id = "stream";
    static streams = { rows: { render: rowHtml } };
    private next = ROWS + 1;
    mount() {
      this.stream("rows", rows(ROWS));
      return { title: "Rows" };
    }
    render(it: { title: string }) {
      return `<h1>${it.title}</h1><ol id="rows" lv-stream="rows"></ol>`;
    }
    events = { add: () => this.streamInsert("rows", row(this.next++)) };
  }

  class ListRows extends LiveView<{ title: string; rows: Row[] }> {
    static id = "list";
    mount() {
      return { title: "Rows", rows: rows(ROWS) };
    }
    render(it: { title: string; rows: Row[] }) {
      return `<h1>${it.title}</h1><ol id="rows">${it.rows.map((r) => rowHtml(r, `rows-${r.id}`)).join("")}</ol>`;
    }
    events = { add: () => this.assign({ rows: [...this.assigns.rows, row(this.assigns.rows.length + 1)] }) };
  }

  const app = Fastify({ logger: false });
  await app.register(weft, { secret: randomSecret(), limits: { maxEventsPerSecond: 1_000_000, joinTimeoutMs: 120_000 } });
  app.live("/stream", StreamRows);
  app.live("/list", ListRows);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };
  const gc = (globalThis as { gc?: () => void }).gc!;
  process.on("message", async (m: ToServer) => {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(20);
    }
    const reply: FromServer = { id: m.id, type: "measure", mem: process.memoryUsage(), cpu: process.cpuUsage(), views: app.weft.connectedViews() };
    process.send!(reply);
  });
  process.send!({ type: "ready", base: `http://127.0.0.1:${port}` } satisfies FromServer);
}

// ------------------------------------------------------------------ the generator

class Child {
  private next = 1;
  private waiting = new Map<number, (m: Extract<FromServer, { type: "measure" }>) => void>();
  base = "";
  constructor(private proc: ChildProcess) {
    proc.on("message", (m: FromServer) => {
      if (m.type === "measure") this.waiting.get(m.id)?.(m), this.waiting.delete(m.id);
    });
  }
  static async start(): Promise<Child> {
    const proc = fork(fileURLToPath(import.meta.url), ["--server"], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const c = new Child(proc);
    c.base = await new Promise<string>((resolve, reject) => {
      proc.once("message", (m: FromServer) => (m.type === "ready" ? resolve(m.base) : reject(new Error("unexpected message"))));
      proc.once("exit", (code) => reject(new Error(`server exited (${code})`)));
    });
    return c;
  }
  measure(): Promise<Extract<FromServer, { type: "measure" }>> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.send({ id, type: "measure" } satisfies ToServer);
    });
  }
  async untilViews(n: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await this.measure()).views !== n) {
      if (Date.now() > deadline) throw new Error(`the server did not get to ${n} views`);
      await sleep(50);
    }
  }
  stop(): void {
    this.proc.kill();
  }
}

interface Result {
  kind: "stream" | "list";
  heapPerView: number;
  rssPerView: number;
  /** bytes the server sent for one join (all frames up to its first render and stream) */
  joinBytes: number;
  /** frames sent for one inserted row, in order, with their bytes */
  insertFrames: Array<{ type: string; bytes: number }>;
  insertText: string;
  rttP50: number;
  cpuPerInsertMs: number;
}

/** Joins one view and waits for everything its join sends (its `r`, and for a stream its `s` frames up to the last row). */
async function joinView(s: BenchSocket, ref: number, token: string, url: string, kind: Result["kind"]): Promise<number> {
  let rows = 0;
  let streamBytes = 0;
  const stream =
    kind === "stream"
      ? s.next((f, m) => {
          if (f[0] !== "s" || f[1] !== ref || m.type !== "s") return false;
          rows += m.inserts.length;
          streamBytes += Buffer.byteLength(JSON.stringify(f));
          return rows >= ROWS;
        }, `stream of ref ${ref}`, 60_000)
      : undefined;
  const r = await s.join(ref, token, url);
  await stream;
  return Buffer.byteLength(r.text) + streamBytes;
}

async function measureKind(child: Child, kind: Result["kind"]): Promise<Result> {
  const path = `/${kind}`;
  const url = child.base + path;
  // warm-up
  for (let i = 0; i < 2; i++) {
    const p = await getPage(child.base, path);
    const s = await BenchSocket.open(child.base, p.cookie);
    await joinView(s, 1, p.roots[0]!.token, url, kind);
    await s.close();
  }
  await child.untilViews(0);
  const first = await getPage(child.base, path);
  const tokens = [first.roots[0]!.token];
  for (let i = 1; i < VIEWS; i++) tokens.push((await getPage(child.base, path, first.cookie)).roots[0]!.token);
  const before = await child.measure();
  const s = await BenchSocket.open(child.base, first.cookie);
  let joinBytes = 0;
  for (let i = 0; i < VIEWS; i++) joinBytes = await joinView(s, i + 1, tokens[i]!, url, kind);
  const after = await child.measure();
  if (after.views !== VIEWS) throw new Error(`${kind}: ${after.views} views connected, expected ${VIEWS}`);

  // one row at a time, on view 1
  const rtts: number[] = [];
  let insertFrames: Result["insertFrames"] = [];
  let insertText = "";
  const cpu0 = (await child.measure()).cpu;
  for (let i = 0; i < INSERTS; i++) {
    const done = kind === "stream" ? s.next((f) => f[0] === "s" && f[1] === 1, "the insert's stream frame") : undefined;
    const t0 = performance.now();
    const reply = await s.request(1, "add", {});
    const stream = done ? await done : undefined;
    rtts.push(performance.now() - t0);
    insertFrames = [{ type: String(reply.frame[0]), bytes: Buffer.byteLength(reply.text) }];
    if (stream) insertFrames.push({ type: "s", bytes: Buffer.byteLength(stream.text) });
    insertText = stream?.text ?? reply.text;
  }
  const cpu1 = (await child.measure()).cpu;
  await s.close();
  await child.untilViews(0);
  return {
    kind,
    heapPerView: (after.mem.heapUsed - before.mem.heapUsed) / VIEWS,
    rssPerView: (after.mem.rss - before.mem.rss) / VIEWS,
    joinBytes,
    insertFrames,
    insertText,
    rttP50: percentile(sorted(rtts), 50),
    cpuPerInsertMs: (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000 / INSERTS,
  };
}

function report(results: Result[]): string {
  const lines = [
    "## Streams (`pnpm bench:streams`)",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit \`${commit()}\`, Node ${process.version}, ${os.cpus()[0]?.model.trim() ?? "?"} × ${os.cpus().length} logical cores.`,
    "",
    `A view of ${int(ROWS)} rows (\`<li id="rows-N">Row N · Q</li>\`) as a **stream** (\`this.stream("rows", rows)\`, container rendered empty) and as a plain **list** (rows in the assigns, rendered by the template). One server child (\`--expose-gc\`); ${VIEWS} views joined on one socket after the warm-up; per view = (after − before) / ${VIEWS} of \`process.memoryUsage()\` after \`gc()\` ×3. Then ${INSERTS} inserts of one row on one view, one at a time: the frames the server sent (UTF-8 bytes of the exact text), the round trip (send → last frame of the insert, loopback), and the server's CPU time (user + system) / ${INSERTS}. Sources: \`bench/src/streams.ts\`.`,
    "",
    "| View | heapUsed / view | RSS / view | bytes sent for the join | frames for one inserted row | round trip p50 (ms) | server CPU / insert (ms) |",
    "|---|---:|---:|---:|---|---:|---:|",
  ];
  for (const r of results) {
    lines.push(`| ${r.kind} | ${kib(r.heapPerView)} | ${kib(r.rssPerView)} | ${bytes(r.joinBytes)} | ${r.insertFrames.map((f) => `\`${f.type}\` ${int(f.bytes)} B`).join(" + ")} | ${ms(r.rttP50)} | ${ms(r.cpuPerInsertMs)} |`);
  }
  const s = results.find((r) => r.kind === "stream");
  if (s) lines.push("", `The stream's insert frame: \`${s.insertText}\`.`);
  lines.push(
    "",
    "Across runs the stream's heapUsed per view moves between about 0 and 13 KiB (what the collector has not yet returned of the 600 KB join frames; a view's runtime itself is about 2 KiB, see the memory table above); the list's repeats within about 1%. The stream's join sends more bytes than the list's (each row's DOM id twice, and JSON escapes its quotes); its inserts and every later render do not depend on the number of rows.",
    "",
    "The list keeps every row twice per view (the assigns and the last HTML sent, which the next delta is computed against) and diffs the whole list on every insert; the stream keeps neither: the rows live in the browser. Both joins send the rows once (the HTTP render sent them too).",
  );
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const write = !process.argv.includes("--no-write");
  const child = await Child.start();
  try {
    const results = [await measureKind(child, "stream"), await measureKind(child, "list")];
    const md = report(results);
    console.log(md);
    if (write) writeSection(fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url)), "streams", md);
  } finally {
    child.stop();
  }
}

if (process.argv.includes("--server")) await server();
else await main();
