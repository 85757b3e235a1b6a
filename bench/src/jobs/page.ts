/**
 * The client side of the jobs bench: logging in on worker B as the demo's superuser, and a
 * job's progress page as the bench holds it — the first render, its socket, every later frame
 * with its arrival time, and the page's HTML with those frames applied.
 */
import { loginCookie } from "@weft/admin/testing";
import { decodeServerFrame, htmlAfter } from "@weft/client/codec";
import { getPage } from "../http.js";
import { sleep } from "../stats.js";
import { BenchSocket } from "../wsclient.js";
import { now } from "./protocol.js";

/** One frame as this process received it. */
export interface Arrival {
  /** `now()` in the socket's message handler */
  t: number;
  frame: unknown[];
}

/** A progress page open on B: its socket and every frame received after the join. */
export interface JobPage {
  sock: BenchSocket;
  html: string;
  arrivals: Arrival[];
}

/** Logs in as one of the demo's users (default its superuser; password = username) through the real form; returns the cookies to send. */
export const login = (base: string, username = "admin"): Promise<string> => loginCookie(base, username, username);

/** GETs the job's progress page on B, opens a socket and joins its view; records every later frame with its arrival time. */
export async function openJobPage(base: string, cookie: string, jobId: string): Promise<JobPage> {
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
export async function until(page: JobPage, pred: (html: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
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
export function applied(html: string, frame: unknown[]): string {
  if (frame[1] !== 1) return html;
  return htmlAfter(decodeServerFrame(frame), html) ?? html;
}

/** The "12 of 40" the page shows. */
export function countsOf(html: string): string {
  return /id="job-counts" class="job-counts">([^<]*)</.exec(html)?.[1] ?? "";
}
