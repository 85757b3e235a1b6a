/**
 * Figure 5 — server memory per connected view, after GC.
 *
 * A fresh server child (run with `--expose-gc`, default limits) per measurement:
 *
 * 1. warm-up: about 50 views of the kind measured are connected and closed, so code is
 *    compiled, templates are cached and the heap has grown to its working size;
 * 2. the pages are fetched first (N GETs: session cookies and view tokens), so the garbage of
 *    HTTP rendering is not counted against the views;
 * 3. before: three `gc()` calls (20 ms apart), then `process.memoryUsage()`;
 * 4. N views are joined and their first render received (then, with `touch`, each view's
 *    events are sent and answered: views whose HTML diverged, as after a session's clicks);
 * 5. after: the same GC + `process.memoryUsage()`; the server also reports how many views are
 *    connected, which must have grown by N.
 *
 * Per view = (after − before) / N, for RSS (what the OS charges the process, V8 heap plus
 * native memory such as socket handles and buffers, and the allocator's slack) and for
 * heapUsed (live JS objects only: the socket wrappers, LiveSocket, ViewRuntime, the view and
 * its assigns, the last HTML sent).
 *
 * Two layouts: one socket per view (each view a browser tab; the socket's own cost —
 * `ws` WebSocket, TCP handle, timers, rate limiter — is charged to its view), and 25 views on
 * each of 40 sockets (within the default limit of 32 views per socket), which shows the cost
 * of the view itself with the socket cost spread over 25 views.
 */
import { getPage } from "../http.js";
import { ServerHandle } from "../server-handle.js";
import { pool, sleep } from "../stats.js";
import { BenchSocket } from "../wsclient.js";

export interface MemoryResult {
  view: "counter" | "table";
  sockets: number;
  viewsPerSocket: number;
  views: number;
  before: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  /** bytes per view */
  rssPerView: number;
  heapPerView: number;
  /** `external` (memory of C++ objects bound to JS, Buffers included) per view */
  externalPerView: number;
}

async function waitViews(server: ServerHandle, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await server.views()) !== n) {
    if (Date.now() > deadline) throw new Error(`memory: the server still has ${await server.views()} views, expected ${n}`);
    await sleep(20);
  }
}

/** Joins `viewsPerSocket` views on each of `sockets` sockets; returns the sockets. */
async function connect(base: string, path: string, pages: Array<{ cookie: string; tokens: string[] }>): Promise<BenchSocket[]> {
  return pool(pages, 50, async (p) => {
    const s = await BenchSocket.open(base, p.cookie);
    for (let k = 0; k < p.tokens.length; k++) await s.join(k + 1, p.tokens[k]!, base + path);
    return s;
  });
}

/** Fetches the pages for `sockets` tabs of `viewsPerSocket` views (one session per socket). */
function fetchPages(base: string, path: string, sockets: number, viewsPerSocket: number) {
  return pool(Array.from({ length: sockets }), 50, async () => {
    const first = await getPage(base, path);
    const tokens = [first.roots[0]!.token];
    for (let k = 1; k < viewsPerSocket; k++) tokens.push((await getPage(base, path, first.cookie)).roots[0]!.token);
    return { cookie: first.cookie, tokens };
  });
}

/** Measures one view kind in one layout on a fresh server. */
export async function memoryPerView(
  dbFile: string,
  secret: string,
  view: MemoryResult["view"],
  sockets: number,
  viewsPerSocket: number,
  touch?: (sock: BenchSocket, ref: number, index: number) => Promise<unknown>,
): Promise<MemoryResult> {
  const path = `/${view}`;
  const server = await ServerHandle.start(dbFile, secret);
  try {
    const base = server.base;
    const warm = await connect(base, path, await fetchPages(base, path, Math.ceil(50 / viewsPerSocket), viewsPerSocket));
    await pool(warm, 50, (s) => s.close());
    await waitViews(server, 0);
    const pages = await fetchPages(base, path, sockets, viewsPerSocket);
    const before = await server.memory();
    const socks = await connect(base, path, pages);
    if (touch) await pool(socks.map((s, i) => [s, i] as const), 50, async ([s, i]) => { for (let k = 0; k < viewsPerSocket; k++) await touch(s, k + 1, i * viewsPerSocket + k); });
    const after = await server.memory();
    const n = sockets * viewsPerSocket;
    if (after.views - before.views !== n) throw new Error(`memory: ${after.views - before.views} views connected, expected ${n}`);
    await pool(socks, 100, (s) => s.close());
    const per = (k: keyof NodeJS.MemoryUsage) => (after.mem[k] - before.mem[k]) / n;
    return {
      view,
      sockets,
      viewsPerSocket,
      views: n,
      before: before.mem,
      after: after.mem,
      rssPerView: per("rss"),
      heapPerView: per("heapUsed"),
      externalPerView: per("external"),
    };
  } finally {
    await server.stop();
  }
}
