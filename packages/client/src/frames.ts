/** What the server's frames do to the page: the top of the client, above views, hooks and morphing. */
import {
  CLASS_ERROR, E_EXPIRED_TOKEN, E_INVALID_TOKEN, E_UNAUTHORIZED, S_DELTA, S_ERROR,
  S_PATCH, S_PUSH, S_REDIRECT, S_RENDERED, S_REPLY,
} from "./protocol.js";
import { applyDelta } from "./apply.js";
import { refs } from "./state.js";
import { render } from "./morph.js";
import { dispatch } from "./hooks.js";
import { fail, release, reload } from "./views.js";

/** Handles one server frame (see docs/protocol.md, "Server → client"). */
export const handleFrame = ([t, r, a, b, c]: any[]) => {
  const v = refs.get(r);
  if (t == S_ERROR) {
    release(c);
    console.warn("weft:", a, b);
    // a token/auth error marks its root, or every root when it is socket-level (ref 0)
    if ([E_INVALID_TOKEN, E_EXPIRED_TOKEN, E_UNAUTHORIZED].includes(a)) v ? v.el.classList.add(CLASS_ERROR) : fail();
    if (a == E_EXPIRED_TOKEN) reload();
  }
  if (!v) return;
  if (t == S_REPLY) release(a), (t = b == null ? 0 : S_RENDERED), (a = b);
  if (t == S_RENDERED || t == S_DELTA) render(v, typeof a == "string" ? a : applyDelta(v.h!, a));
  if (t == S_PATCH) history[b ? "replaceState" : "pushState"](null, "", a);
  if (t == S_REDIRECT) location.assign(a);
  if (t == S_PUSH) dispatch(v, a, b);
};
