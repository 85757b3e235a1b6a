/**
 * Weft's browser runtime. Load it once per page (`<script src="/live/weft.<hash>.js" defer>`
 * or the ESM build as a module): it opens one WebSocket to the path in
 * `<meta name="lv-socket" content="…">`, joins every `[lv-view]` root, wires the `lv-*`
 * bindings and applies the server's renders. See docs/protocol.md.
 *
 * Client hooks are registered by the page's own script on `window.weftHooks`
 * (see {@link Hook}); the runtime itself has no API to call.
 *
 * Layers, each importing only from those below it (test/cycles.test.ts checks there is no
 * cycle): protocol / state / forms / apply ← socket ← views ← js ← hooks ← morph ← streams, nav ← frames,
 * bindings ← window ← index. This module wires the socket's callbacks to the layers above it.
 * @packageDocumentation
 */
import { A_UPLOAD, CLOSE_SESSION_ENDED, CLOSE_UNAUTHORIZED } from "./protocol.js";
import { listen } from "./bindings.js";
import { listenNav } from "./nav.js";
import { listenWindow } from "./window.js";
import { handleFrame } from "./frames.js";
import { callAll } from "./hooks.js";
import { scan } from "./morph.js";
import { connect, onClose, onFrame, onOpen, send } from "./socket.js";
import { d, roots, viewOf } from "./state.js";
import { detach, rejoin, reload } from "./views.js";

export type { Hook, HookInstance } from "./hooks.js";
export type { Payload } from "./state.js";

/** whether the socket has opened since it last went down */
let up = false;

onOpen(() => {
  up = true;
  rejoin();
  scan();
  callAll("reconnected");
});
/** the upload chunk's import, once started */
let chunk: unknown;
onFrame((f) => {
  handleFrame(f);
  // the upload chunk (upload.ts), once the page shows an lv-upload input; it takes over onFrame
  chunk ||= d.querySelector(`[${A_UPLOAD}]`) && import(d.querySelector<HTMLMetaElement>(`meta[name=${A_UPLOAD}]`)!.content).then((m) => m.default(send, viewOf, onFrame, handleFrame));
});
onClose((code, reason) => {
  detach();
  if (up) callAll("disconnected");
  up = false;
  if (code == CLOSE_UNAUTHORIZED) reload();
  // the session ended (logout elsewhere, expiry, deactivation): say so, link to the login page (the reason)
  if (code == CLOSE_SESSION_ENDED) {
    const n = d.createElement("div"), a = d.createElement("a");
    n.className = "lv-signed-out";
    n.setAttribute("role", "alert");
    a.href = /^\/(?![/\\])/.test(reason) ? reason : location.href;
    a.textContent = "Log in";
    n.append("You have been signed out. ", a);
    d.body.prepend(n);
  }
});

const start = () => {
  listen();
  listenNav();
  listenWindow();
  if (roots().length) connect();
};

d.readyState == "loading" ? d.addEventListener("DOMContentLoaded", start) : start();
