/**
 * Signing in to a running admin from a test, a smoke check or a load script the way a browser
 * does (through the login form, with its CSRF token): no session is forged.
 */
import { adminError } from "../errors.js";

/** Options of {@link loginCookie}. */
export interface LoginCookieOptions {
  /** where the admin is mounted (default `/admin`, as `adminPlugin`'s default prefix) */
  prefix?: string;
  /** the form's `next` field (default `<prefix>/`) */
  next?: string;
}

/**
 * Logs `username` in on the admin served at `base` (`http://host:port`): GETs `<prefix>/login/`
 * for the session cookie and the CSRF token, then POSTs the credentials with the cookie, the
 * token and an `Origin` of `base`, as a browser submits the form.
 *
 * @returns the `Cookie` header value (`name=value; …`) that makes later requests (HTTP or the
 *   WebSocket upgrade) those of the signed-in user
 * @throws WeftAdminError `WEFT_ADMIN_ERR_TEST_LOGIN` when the form has no CSRF token or the POST
 *   does not answer with the 302 of a successful login (refused credentials answer 401 with the form again)
 */
export async function loginCookie(base: string, username: string, password: string, o: LoginCookieOptions = {}): Promise<string> {
  const prefix = o.prefix ?? "/admin";
  const url = `${base}${prefix}/login/`;
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const form = await fetch(url);
  keep(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw adminError("WEFT_ADMIN_ERR_TEST_LOGIN", `no CSRF token in the login form at ${url} (HTTP ${form.status})`);
  const res = await fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: header(), "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams({ _csrf: csrf, username, password, next: o.next ?? `${prefix}/` }).toString(),
  });
  await res.arrayBuffer();
  if (res.status !== 302) throw adminError("WEFT_ADMIN_ERR_TEST_LOGIN", `login of ${username} at ${url} failed: HTTP ${res.status} (a refused login answers with the form again)`);
  keep(res);
  return header();
}
