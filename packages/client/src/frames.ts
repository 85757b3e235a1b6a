/** What the server's frames do to the page: the top of the client, above views, hooks and morphing. */
import {
  CLASS_ERROR, E_EXPIRED_TOKEN, E_INVALID_TOKEN, E_UNAUTHORIZED, S_DELTA, S_ERROR,
  S_MOUNTED, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT, S_RENDERED, S_REPLY, S_REPLY_DELTA, S_REPLY_RENDERED, S_STREAM, S_TITLE, S_UNCHANGED,
} from "./protocol.js";
import type { ServerFrame } from "./codec.js";
import { applyDelta } from "./apply.js";
import { pending, refs, setUrl } from "./state.js";
import { render } from "./morph.js";
import { dispatch, replied } from "./hooks.js";
import { stream } from "./streams.js";
import { fail, release, reload } from "./views.js";
import { go, mounted, title } from "./nav.js";

/** Handles one server frame (see docs/protocol.md, "Server → client"). */
export const handleFrame = ([t, r, a, b, c, e, f]: ServerFrame) => {
  const v = refs.get(r!);
  // a reply (or error) releases its event's loading class before the render it carries is
  // applied; a form or button it unlocks (lock.ts) is morphed back to the view's HTML
  if ((t == S_ERROR ? release(c!) : (t == S_REPLY || t == S_REPLY_RENDERED || t == S_REPLY_DELTA) && release(a)) && v) render(v, v.h!);
  if (t == S_ERROR) {
    replied(c!);
    console.warn("weft:", a, b);
    // a token/auth error marks its root, or every root when it is socket-level (ref 0)
    if ([E_INVALID_TOKEN, E_EXPIRED_TOKEN, E_UNAUTHORIZED].includes(a)) v ? v.el.classList.add(CLASS_ERROR) : fail();
    if (a == E_EXPIRED_TOKEN) reload();
  }
  if (!v) return;
  if (t == S_RENDERED || t == S_REPLY_RENDERED) render(v, t == S_RENDERED ? a : b);
  // a join's render is what the root holds (its hash matched): the DOM stays as it is, focus and caret too
  if (t == S_UNCHANGED) render(v, v.b!, 1);
  if (t == S_DELTA || t == S_REPLY_DELTA) render(v, applyDelta(v.h!, t == S_DELTA ? a : b));
  if (t == S_PATCH) setUrl(a, b);
  // the page is going: what is in flight stays loading and locked (lock.ts) until it is gone
  if (t == S_REDIRECT) pending.clear(), location.assign(a);
  // a reply's last field is the handler's reply value (`{}` when none), for a hook's onReply, after the render
  if (t == S_REPLY || t == S_REPLY_RENDERED || t == S_REPLY_DELTA) replied(a, (t == S_REPLY ? b : c) || {});
  if (t == S_NAVIGATE) go(a, b);
  if (t == S_MOUNTED) mounted(v, a, b, c, e, f);
  if (t == S_TITLE) title(a);
  if (t == S_PUSH) dispatch(v, a, b);
  if (t == S_STREAM) stream(v, a, b, c, e);
};
