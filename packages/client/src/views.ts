/**
 * The views on the page, on top of the socket: joining and leaving roots, sending events
 * and releasing their loading class, and what the socket going down means for them.
 * Knows nothing of morphing or hooks.
 */
import { A_TOKEN, CLASS_DISCONNECTED, CLASS_ERROR, CLASS_LOADING } from "./protocol.js";
import { eventFrame, joinFrame, leaveFrame } from "./codec.js";
import { views, refs, pending, roots, attr, type Payload, type View } from "./state.js";
import { recover } from "./forms.js";
import { send } from "./socket.js";
import { lock, unlock } from "./lock.js";

let ref = 0;
let seq = 0;

/** A fresh view ref on this socket (a live navigation's new view). */
export const next = () => ++ref;

/**
 * Joins a root (a rejoin sends its forms for recovery), with the hash of the HTML it holds: the
 * server answers "unchanged" when its render is that HTML, which then (`v.b`) is the view's
 * base for deltas (else the full HTML replaces it). Off line it only registers the root.
 */
export const join = (el: Element, rejoin?: boolean) => {
  const v: View = views.get(el) || { el, r: 0 };
  views.set(el, v);
  // sent only while the socket is open; the ref is taken once it was
  if (send(joinFrame(ref + 1, attr(el, A_TOKEN)!, location.href, rejoin ? recover(el) : undefined, (v.b = el.innerHTML)))) refs.set((v.r = ++ref), v);
};

/** Rejoins every root still on the page (the socket just opened); forgets the others. */
export const rejoin = () => views.forEach((v, el) => (el.isConnected ? join(el, true) : views.delete(el)));

/** The view's root left the page: forget it and tell the server. */
export const leave = (v: View) => {
  views.delete(v.el), refs.delete(v.r), send(leaveFrame(v.r));
};

/**
 * Sends an event for a joined view (to component `t`, if given); `el` carries the loading class
 * until the reply, and the lock of its binding `a` (lock.ts). Returns the event's seq (0: not sent).
 */
export const push = (v: View, el: Element | null, name: string, payload: Payload, t?: string | null, a?: string) => {
  if (!refs.has(v.r) || !send(eventFrame(v.r, ++seq, name, payload, t))) return 0;
  if (el) el.classList.add(CLASS_LOADING), pending.set(seq, el), lock(seq, el, a);
  return seq;
};

/**
 * The reply (or error) for event `s` arrived: drop the loading class unless the element has
 * another event in flight. Returns whether it unlocked a form or button (lock.ts): then the
 * view must be morphed to the server's HTML.
 */
export const release = (s: number) => {
  const el = pending.get(s);
  const u = unlock(s, el);
  pending.delete(s);
  if (el && ![...pending.values()].includes(el)) el.classList.remove(CLASS_LOADING);
  return u;
};

/** The socket went down: nothing is in flight or joined any more, every root shows it. */
export const detach = () => {
  pending.forEach((el, s) => (el.classList.remove(CLASS_LOADING), unlock(s, el)));
  pending.clear();
  refs.clear();
  roots().forEach((el) => el.classList.add(CLASS_DISCONNECTED));
};

/** Every root shows the error class. */
export const fail = () => roots().forEach((el) => el.classList.add(CLASS_ERROR));

/** Reloads the page for a fresh token/session, at most once in 30 s (else shows the error class). */
export const reload = () => {
  const k = "lv-reload";
  const n = Date.now();
  try {
    // (no reload yet: +null is 0)
    if (n - +sessionStorage.getItem(k)! < 3e4) return fail();
    sessionStorage.setItem(k, "" + n);
  } catch {}
  location.reload();
};
