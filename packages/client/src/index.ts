/**
 * Weft's browser runtime. Load it once per page (`<script src="/live/weft.<hash>.js" defer>`
 * or the ESM build as a module): it opens one WebSocket to the path in
 * `<meta name="lv-socket" content="…">`, joins every `[lv-view]` root, wires the `lv-*`
 * bindings and applies the server's renders. See docs/protocol.md.
 *
 * Client hooks are registered by the page's own script on `window.weftHooks`
 * (see {@link Hook}); the runtime itself has no API to call.
 * @packageDocumentation
 */
import { listen } from "./bindings.js";
import { connect } from "./socket.js";
import { d, roots } from "./state.js";

export type { Hook, HookInstance } from "./hooks.js";
export type { Payload } from "./state.js";

const start = () => {
  listen();
  if (roots().length) connect();
};

d.readyState == "loading" ? d.addEventListener("DOMContentLoaded", start) : start();
