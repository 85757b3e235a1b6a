// Logging in to the admin through its real login form, as a browser would (the CSRF token
// from the form's page, the cookie the POST sets): what the admin benches share.
import type { FastifyInstance } from "fastify";

/** `name=value; …` from `set-cookie` header(s). */
export function cookies(set: string | string[] | undefined): string {
  return (Array.isArray(set) ? set : set ? [set] : []).map((c) => c.split(";")[0]).join("; ");
}

/**
 * Logs `username` in through `/admin/login/` with `app.inject`.
 * @returns the session's cookie header
 * @throws Error when the login does not answer 302
 */
export async function adminLogin(app: FastifyInstance, username: string, password: string): Promise<string> {
  const form = await app.inject({ url: "/admin/login/" });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
  const cookie = cookies(form.headers["set-cookie"]);
  const login = await app.inject({
    method: "POST",
    url: "/admin/login/",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ _csrf: csrf, username, password, next: "/admin/" }).toString(),
  });
  if (login.statusCode !== 302) throw new Error(`login failed: ${login.statusCode}`);
  return cookies(login.headers["set-cookie"]) || cookie;
}
