/**
 * The page's one WebSocket, and nothing else: opening it, sending frames, the heartbeat,
 * reconnecting with backoff. It knows no views: what happens when it opens, when a frame
 * arrives and when it goes down is registered by the layers above ({@link onOpen},
 * {@link onFrame}, {@link onClose}; wired in index.ts).
 */
import { A_SOCKET, CLOSE_SESSION_ENDED, CLOSE_UNAUTHORIZED, PROTOCOL_VERSION, S_ERROR, SOCKET_PATH } from "./protocol.js";
import { encodeFrame, heartbeatFrame, type ClientFrame, type ServerFrame } from "./codec.js";
import { d } from "./state.js";

let ws: WebSocket | undefined;
let attempt = 0;
let beat: ReturnType<typeof setTimeout> | undefined;
// set once by index.ts, before the first connect
let opened: () => void;
let framed: (frame: ServerFrame) => void;
let closed: (code: number, reason: string) => void;

/** Registers what runs every time the socket opens (before any frame arrives). */
export const onOpen = (f: () => void) => (opened = f);
/** Registers the handler of every server frame (parsed JSON; the server is trusted to send only documented frames). */
export const onFrame = (f: (frame: ServerFrame) => void) => (framed = f);
/** Registers what runs when the socket goes down (close code, 0 when the heartbeat timed out; close reason), before the reconnect is scheduled. */
export const onClose = (f: (code: number, reason: string) => void) => (closed = f);

/** Sends a frame if the socket is open; returns whether it did. */
export const send = (f: ClientFrame) => ws?.readyState == 1 && (ws.send(encodeFrame(f)), true);

const down = (code: number, reason = "") => {
  clearTimeout(beat);
  closed(code, reason);
  // 4401: no session, the close handler reloads the page; 4403: signed out, the page says so
  if (code != CLOSE_UNAUTHORIZED && code != CLOSE_SESSION_ENDED) setTimeout(connect, Math.random() * Math.min(1e4, 250 * 2 ** attempt++));
};

/** Opens the page's one socket (again, after a reconnect delay, or on Retry), unless one is open or opening. */
export const connect = () => {
  if (ws?.readyState! < 2) return;
  const u = new URL(d.querySelector<HTMLMetaElement>(`meta[name=${A_SOCKET}]`)?.content || SOCKET_PATH, location.href);
  u.protocol = u.protocol.replace("http", "ws");
  u.searchParams.set("v", PROTOCOL_VERSION);
  const s = (ws = new WebSocket(u));
  s.onopen = opened;
  s.onmessage = (e) => {
    const f: ServerFrame = JSON.parse(e.data);
    clearTimeout(beat);
    // the server is talking: back off from scratch next time, unless all it says is errors
    if (f[0] != S_ERROR) attempt = 0;
    framed(f);
  };
  s.onclose = (e) => down(e.code, e.reason);
};

setInterval(() => {
  const s = ws;
  if (send(heartbeatFrame()))
    beat = setTimeout(() => {
      s!.onclose = s!.onmessage = null;
      s!.close();
      down(0);
    }, 1e4);
}, 3e4);
