import {
  A_SOCKET, A_TOKEN, C_EVENT, C_HEARTBEAT, C_JOIN, CLASS_DISCONNECTED, CLASS_ERROR,
  CLASS_LOADING, CLOSE_UNAUTHORIZED, PROTOCOL_VERSION, S_ERROR, SOCKET_PATH,
} from "./protocol.js";
import { d, views, refs, pending, roots, attr, type Payload, type View } from "./state.js";
import { recover } from "./forms.js";
import { callAll } from "./hooks.js";
import { scan } from "./morph.js";
import { onFrame } from "./frames.js";

let ws: WebSocket | undefined;
let ref = 0;
let seq = 0;
let attempt = 0;
let up = false;
let beat: ReturnType<typeof setTimeout> | undefined;

/** Sends a frame if the socket is open; returns whether it did. */
export const send = (f: unknown[]) => ws?.readyState == 1 && (ws.send(JSON.stringify(f)), true);

/** Joins a root (a rejoin sends its forms for recovery). Off line it only registers the root. */
export const join = (el: Element, rejoin?: boolean) => {
  const v: View = views.get(el) || { el, r: 0 };
  views.set(el, v);
  if (ws?.readyState != 1) return;
  refs.set((v.r = ++ref), v);
  send([C_JOIN, v.r, attr(el, A_TOKEN), location.href, ...(rejoin ? [recover(el)] : [])]);
};

/** Sends an event for a joined view; `el` carries the loading class until the reply. */
export const push = (v: View, el: Element | null, name: string, payload: Payload) => {
  if (!refs.has(v.r) || !send([C_EVENT, v.r, ++seq, name, payload])) return;
  if (el) el.classList.add(CLASS_LOADING), pending.set(seq, el);
};

/** The reply (or error) for event `s` arrived: drop the loading class unless the element has another event in flight. */
export const release = (s: number) => {
  const el = pending.get(s);
  pending.delete(s);
  if (el && ![...pending.values()].includes(el)) el.classList.remove(CLASS_LOADING);
};

/** Every root shows the error class. */
export const fail = () => roots().forEach((el) => el.classList.add(CLASS_ERROR));

/** Reloads the page for a fresh token/session, at most once in 30 s (else shows the error class). */
export const reload = () => {
  const k = "lv-reload";
  const n = Date.now();
  try {
    if (n - +(sessionStorage.getItem(k) || 0) < 3e4) return fail();
    sessionStorage.setItem(k, "" + n);
  } catch {}
  location.reload();
};

const down = (code: number) => {
  clearTimeout(beat);
  pending.forEach((el) => el.classList.remove(CLASS_LOADING));
  pending.clear();
  refs.clear();
  roots().forEach((el) => el.classList.add(CLASS_DISCONNECTED));
  if (up) callAll("disconnected");
  up = false;
  if (code == CLOSE_UNAUTHORIZED) return reload();
  setTimeout(connect, Math.random() * Math.min(1e4, 250 * 2 ** attempt++));
};

/** Opens the page's one socket; on open joins (or rejoins) every root. */
export const connect = () => {
  const u = new URL(d.querySelector(`meta[name=${A_SOCKET}]`)?.getAttribute("content") || SOCKET_PATH, location.href);
  u.protocol = u.protocol.replace("http", "ws");
  u.searchParams.set("v", PROTOCOL_VERSION);
  const s = (ws = new WebSocket(u));
  s.onopen = () => {
    up = true;
    views.forEach((v, el) => (el.isConnected ? join(el, true) : views.delete(el)));
    scan();
    callAll("reconnected");
  };
  s.onmessage = (e) => {
    const f = JSON.parse(e.data);
    clearTimeout(beat);
    // the server is talking: back off from scratch next time, unless all it says is errors
    if (f[0] != S_ERROR) attempt = 0;
    onFrame(f);
  };
  s.onclose = (e) => down(e.code);
};

setInterval(() => {
  const s = ws;
  if (send([C_HEARTBEAT]))
    beat = setTimeout(() => {
      s!.onclose = s!.onmessage = null;
      s!.close();
      down(0);
    }, 1e4);
}, 3e4);
