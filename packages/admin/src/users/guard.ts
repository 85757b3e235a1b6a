/** The screens' access rule: superusers only, as Django's `UserAdmin` under the default permissions. */
import { UnauthorizedError, type Session } from "@weft/server";
import type { AdminSession, SessionUser } from "../auth/index.js";

/** @returns the session's user when it is an active staff superuser, else null */
export function superuserOf(session: Session): SessionUser | null {
  const u = (session as AdminSession).user;
  return u?.isStaff && u.isSuperuser ? u : null;
}

/** @returns the superuser of the session @throws UnauthorizedError when it is not one (a handler's re-check) */
export function requireSuperuser(session: Session): SessionUser {
  const u = superuserOf(session);
  if (!u) throw new UnauthorizedError("superusers only");
  return u;
}
