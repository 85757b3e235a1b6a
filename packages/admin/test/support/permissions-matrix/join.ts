/**
 * Joining a page's view as a role of the permission matrix (permissions-events.test.ts): with the
 * page's own token when the role may GET it, else with a validly signed token for ITS session (as
 * a token kept from before a permission was revoked would be), and driving the joined view.
 */
import { expect } from "vitest";
import { TokenSigner } from "../../../../server/src/live/token.js";
import { Client, SECRET, viewRoots } from "../../../../server/test/helpers.js";
import type { Matrix, Role } from "./fixture.js";

/** A joined (or refused) view. */
export interface Live {
  c: Client;
  ref: number;
  /** the refusal (the error frame's reason, or `closed <code>`), if the join was refused */
  refused?: string;
  html(): string;
  /** sends an event, waits for its reply, and returns the view's HTML */
  event(name: string, payload?: object): Promise<string>;
  /** a live patch to `url` (a path): waits for the render (or refusal) after it */
  patch(url: string): Promise<string>;
  /** where the view redirected to, if it did */
  redirect(): string | undefined;
  leave(): void;
}

/**
 * The matrix's `joinAs(role, path, view)`: joins the view `view` (its lv-view id ends with it)
 * of `path` as `role`: with the page's own token when the role may GET it, else with a validly
 * signed token for the same view and params bound to the role's session (taken from the
 * superuser's page, re-signed). Each join is on a client of its own, in `m.sockets`.
 */
export function joiner(m: Matrix): (role: Role, path: string, view: string) => Promise<Live> {
  const signer = new TokenSigner(SECRET);
  let nextRef = 1;
  return async (role, path, view) => {
    const url = m.base + path;
    const pick = (html: string) => viewRoots(html).find((r) => r.view.endsWith(`-${view}`));
    let token: string;
    const own = await m.jars[role].fetch(path);
    const ownRoot = own.status === 200 ? pick(await own.text()) : undefined;
    if (ownRoot) token = ownRoot.token;
    else {
      const res = await m.jars.superuser.fetch(path);
      expect(res.status, `superuser GET ${path}`).toBe(200);
      const root = pick(await res.text());
      expect(root, `${view} on ${path}`).toBeDefined();
      const claims = signer.verify(root!.token);
      token = signer.sign({ v: claims.v, s: m.sids[role], i: claims.i, p: claims.p });
    }
    const c = await Client.open(m.base, m.jars[role].header);
    m.sockets.push(c);
    const ref = nextRef++;
    c.join(ref, token, url);
    await c.until(() => c.html.has(ref) || c.find((f) => f[0] === "!" && f[1] === ref) || c.closed, `the join of ${view} as ${role}`);
    const err = c.find((f) => f[0] === "!" && f[1] === ref);
    const live: Live = {
      c,
      ref,
      refused: err ? String(err[2]) : c.closed ? `closed ${c.closed.code}` : undefined,
      html: () => c.html.get(ref) ?? "",
      async event(name, payload = {}) {
        const seq = c.event(ref, name, payload);
        await c.reply(seq);
        await new Promise((r) => setTimeout(r, 10));
        return live.html();
      },
      async patch(p) {
        const n = c.frames.length;
        c.send(["p", ref, m.base + p]);
        await c.until(() => c.frames.slice(n).some((f) => f[1] === ref && (f[0] === "d" || f[0] === "r" || f[0] === "!")), `render after ${p}`);
        return live.html();
      },
      redirect: () => c.find((f) => f[0] === "x" && f[1] === ref)?.[2] as string | undefined,
      leave: () => c.close(),
    };
    return live;
  };
}
