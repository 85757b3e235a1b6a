/**
 * "Change my password" for every staff user, at `<prefix>/password_change/` (Django admin's URL
 * and `PasswordChangeForm`): the old password, the new one twice, checked together; on success
 * the password is set, every other session of the user ends (their sockets close, 4403) and
 * this one stays, and the change is audited (`auth.user`, "password": changed).
 */
import { randomUUID } from "node:crypto";
import { on } from "@weft/server";
import { z } from "zod";
import { MAX_PASSWORD_LENGTH } from "../auth/index.js";
import { recordAudit } from "../auditlog/record.js";
import { AdminView } from "../shell/base.js";

/** Shortest new password accepted, as Django's `MinimumLengthValidator` (8 characters). */
export const MIN_PASSWORD_LENGTH = 8;

/** The field errors, as Django's `PasswordChangeForm` words them. */
export const PASSWORD_ERRORS = Object.freeze({
  required: "This field is required.",
  wrongOld: "Your old password was entered incorrectly. Please enter it again.",
  tooShort: `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`,
  tooLong: `This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`,
  mismatch: "The two password fields didn’t match.",
  likeUsername: "The password is too similar to the username.",
  tooMany: "Too many attempts. Please wait a minute, then try again.",
});

/** How many attempts (with an old password) a user may make per window, across workers. */
export interface PasswordChangeLimit {
  /** attempts per window (default 10, as the login form's per-username limit) */
  max: number;
  /** the window, in ms (default 60,000) */
  windowMs: number;
}

type FieldName = "old_password" | "new_password1" | "new_password2";

/** One field of the form as the template shows it. */
interface PasswordField {
  name: FieldName;
  label: string;
  autocomplete: string;
  hint?: string;
  error?: string;
}

/** What password-change.eta gets. */
export interface PasswordChangeAssigns {
  crumbs: Array<{ label: string; url?: string }>;
  fields: PasswordField[];
  /** the change went through */
  done: boolean;
  /** bumped on success: a new form id, so the browser's form (and what was typed) is replaced */
  attempt: number;
}

const FIELDS: ReadonlyArray<Omit<PasswordField, "error">> = [
  { name: "old_password", label: "Old password", autocomplete: "current-password" },
  { name: "new_password1", label: "New password", autocomplete: "new-password", hint: `At least ${MIN_PASSWORD_LENGTH} characters, not your username.` },
  { name: "new_password2", label: "New password confirmation", autocomplete: "new-password", hint: "Enter the same password as before, for verification." },
];

// longer values are refused by the schema (the event answers with an error, nothing changes)
const PAYLOAD = z.object({
  old_password: z.string().max(MAX_PASSWORD_LENGTH).optional(),
  new_password1: z.string().max(MAX_PASSWORD_LENGTH + 1).optional(),
  new_password2: z.string().max(MAX_PASSWORD_LENGTH + 1).optional(),
});

/**
 * Checks the new password against the rules (length, confirmation, username), as Django's
 * validators; the old password is checked by the view against the store.
 * @returns field errors by name (empty: valid)
 */
export function checkNewPassword(username: string, p1: string, p2: string): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {};
  if (!p1) errors.new_password1 = PASSWORD_ERRORS.required;
  else if (p1.length < MIN_PASSWORD_LENGTH) errors.new_password1 = PASSWORD_ERRORS.tooShort;
  else if (p1.length > MAX_PASSWORD_LENGTH) errors.new_password1 = PASSWORD_ERRORS.tooLong;
  else if (p1.toLowerCase() === username.toLowerCase()) errors.new_password1 = PASSWORD_ERRORS.likeUsername;
  if (!p2) errors.new_password2 = PASSWORD_ERRORS.required;
  else if (p1 && p1 !== p2) errors.new_password2 = PASSWORD_ERRORS.mismatch;
  return errors;
}

/** The "change my password" page: any staff user, for their own account. */
export class PasswordChangeView extends AdminView<PasswordChangeAssigns> {
  static template = new URL("../../src/account/password-change.eta", import.meta.url);
  static title = "Password change";
  /**
   * The form is a password oracle for whoever holds the session, so it is rate-limited as the
   * login form is: every attempt with an old password takes a slot of the user's slot set in the
   * channel layer (`claim`, shared by every worker), for `windowMs`; past `max`, the attempt is
   * refused before any verification.
   */
  static limit: PasswordChangeLimit = { max: 10, windowMs: 60_000 };

  mount(): PasswordChangeAssigns {
    return { crumbs: [{ label: "Dashboard", url: `${this.site.prefix}/` }, { label: "Password change" }], fields: FIELDS.map((f) => ({ ...f })), done: false, attempt: 0 };
  }

  events = {
    change: on(PAYLOAD, (p) => this.change(p.old_password ?? "", p.new_password1 ?? "", p.new_password2 ?? "")),
  };

  private async change(old: string, p1: string, p2: string): Promise<void> {
    const user = this.user;
    const errors = checkNewPassword(user.username, p1, p2);
    if (!old) errors.old_password = PASSWORD_ERRORS.required;
    else if (!(await this.attempt(user.id))) errors.old_password = PASSWORD_ERRORS.tooMany;
    else {
      // always an argon2 verification, whatever else is wrong (the same cost for every answer)
      const ok = await this.site.users.authenticate(user.username, old);
      if (!ok || ok.id !== user.id) errors.old_password = PASSWORD_ERRORS.wrongOld;
    }
    if (Object.keys(errors).length) {
      this.assign({ done: false, fields: FIELDS.map((f) => ({ ...f, ...(errors[f.name] ? { error: errors[f.name] } : {}) })) });
      return;
    }
    await this.site.users.setPassword(user.id, p1);
    // as Django's update_session_auth_hash: this session stays, every other one ends
    await this.site.sessions.endSessionsOf(user.id, this.session.id);
    await recordAudit(this.site.db, { userId: user.id, action: "change", model: "auth.user", objectId: user.id, objectRepr: user.username, changes: { password: ["(hidden)", "(changed)"] } });
    this.assign({ done: true, attempt: this.assigns.attempt + 1, fields: FIELDS.map((f) => ({ ...f })) });
  }

  /** Takes one attempt of the user's window; false when they are used up. */
  private attempt(userId: number): Promise<boolean> {
    const { max, windowMs } = (this.constructor as typeof PasswordChangeView).limit;
    return this.ctx.pubsub.claim(`weft-admin:password-change:${this.site.id}:${userId}`, randomUUID(), max, windowMs);
  }
}
