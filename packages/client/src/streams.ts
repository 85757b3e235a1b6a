/**
 * Streams, on top of morphing: applies a `stream` frame to its `[lv-stream=name]` container
 * (as Phoenix's `phx-update="stream"`). The container's children are the items, keyed by
 * their DOM id; the view's morph leaves them alone (morph.ts), so only these frames change them.
 */
import morphdom from "morphdom";
import { A_STREAM } from "./protocol.js";
import type { StreamInsert } from "./codec.js";
import { d, ROOT, type View } from "./state.js";
import { scan } from "./morph.js";

/** Reset, deletes, then inserts (an existing id is updated in place), each insert trimming to its limit. */
export const stream = (v: View, name: string, reset: number, deletes: string[], inserts: StreamInsert[]) => {
  const c = [...v.el.querySelectorAll(`[${A_STREAM}="${name}"]`)].find((e) => e.closest(ROOT) == v.el);
  if (!c) return;
  const kids = c.children;
  const own = (k: string) => {
    const e = d.getElementById(k);
    return e?.parentNode == c ? e : null;
  };
  if (reset) c.replaceChildren();
  deletes.forEach((k) => own(k)?.remove());
  const t = d.createElement("template");
  inserts.forEach(([k, at, html, limit]) => {
    t.innerHTML = html;
    const e = t.content.firstElementChild;
    if (!e) return;
    e.id = k;
    const o = own(k);
    // never kids[-1]: "-1" is no index, so the HTMLCollection looks it up as a name among all
    // children (10,000 appends took a minute); an index past the end is undefined → null → append
    o ? morphdom(o, e) : c.insertBefore(e, at < 0 ? null : kids[at] || null);
    if (limit) while (kids.length > Math.abs(limit)) kids[limit > 0 ? kids.length - 1 : 0].remove();
  });
  scan();
};
