/**
 * `<prefix>/auth/users/`: users for superusers, as Django admin's `UserAdmin` — the list
 * (search, filters staff / superuser / active / group), the change form (flags, group and
 * permission pickers, the permissions held through groups shown read-only), rename, "add
 * user", "set password" and "delete user" with confirmation, and the user's API tokens
 * (created with the secret shown once, revoked). Every write goes through the `UserStore`
 * (which tells the session authority) and is audited as `auth.user`.
 */
import { LiveView, on, type LiveViewClass, type Session } from "@weft/server";
import { z } from "zod";
import { recordAudit, type AuditChanges } from "../auditlog/record.js";
import { UserStoreError, type AdminUser, type Group } from "../auth/index.js";
import { checkNewPassword } from "../account/password-change.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { checkedKeys, permissionCatalog, withChecks, type PermissionGroup } from "./catalog.js";
import { requireSuperuser, superuserOf } from "./guard.js";
import { applyPermissions, directPermissions, groupIdsOf, groupPermissionsOf, listGroups, listUsers, USER_LIST_LIMIT, type UserFilters } from "./queries.js";

/** The user being edited, as users.eta shows it. */
export interface EditedUser {
  user: AdminUser;
  groups: Array<Group & { checked: boolean }>;
  perms: PermissionGroup[];
  tokens: Array<{ id: number; name: string; createdAt: string; lastUsedAt: string }>;
}

/** What users.eta gets. */
export interface UsersAssigns {
  filters: UserFilters;
  users: AdminUser[];
  more: boolean;
  groups: Group[];
  /** the change form's user, "new" for the add form, or null */
  edit: EditedUser | "new" | null;
  errors: Record<string, string>;
  /** the permission picker's filter (matched against "app › Models") */
  permFilter: string;
  /** a token's plaintext, shown once right after it is created */
  secret: string | null;
  /** the user whose deletion waits for "Yes, I'm sure" (Django's delete confirmation), or null */
  confirmDelete: { id: number; username: string } | null;
  /** the signed-in superuser (no "Delete" on their own form) */
  me: number;
}

const NO_FILTERS: UserFilters = { q: "", staff: "", superuser: "", active: "", group: "" };
const yn = z.enum(["", "yes", "no"]).optional();
const FILTERS = z.object({ q: z.string().max(200).optional(), staff: yn, superuser: yn, active: yn, group: z.string().max(20).optional() });
const ID = z.object({ id: z.coerce.number().int().positive() });
const FORM = z.record(z.string().max(300), z.unknown());
const str = (v: unknown) => (typeof v === "string" ? v : "");
const on_ = (v: unknown) => v === "on" || v === "true" || v === true;
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");

/** @returns the users screen's LiveView class for `site` (mounted by {@link authPages}) */
export function usersView(site: AdminSiteLike): LiveViewClass {
  return class UsersView extends LiveView<UsersAssigns> {
    static template = new URL("../../src/users/users.eta", import.meta.url);
    static authorize(session: Session): boolean {
      return superuserOf(session) !== null;
    }

    async mount(): Promise<UsersAssigns> {
      requireSuperuser(this.session);
      const me = requireSuperuser(this.session);
      const users = await listUsers(site.users, NO_FILTERS);
      return { filters: NO_FILTERS, users: users.slice(0, USER_LIST_LIMIT), more: users.length > USER_LIST_LIMIT, groups: await listGroups(site.users), edit: null, errors: {}, secret: null, permFilter: "", confirmDelete: null, me: me.id };
    }

    events = {
      perm_filter: on(z.object({ q: z.string().max(200).optional() }), ({ q = "" }) => this.assign({ permFilter: q })),
      filter: on(FILTERS, (f) => this.filter({ ...NO_FILTERS, ...f } as UserFilters)),
      select: on(ID, ({ id }) => this.select(id)),
      new: on(z.object({}), () => this.assign({ edit: "new", errors: {}, secret: null })),
      close: on(z.object({}), () => this.assign({ edit: null, errors: {}, secret: null })),
      create: on(FORM, (p) => this.create(p)),
      save: on(FORM, (p) => this.save(p)),
      // the unsaved form's boxes, kept so that a re-render (the picker's filter) does not untick them
      pick: on(FORM, (p) => {
        const e = this.assigns.edit;
        if (!e || e === "new" || String(p.id) !== String(e.user.id)) return;
        const groups = checkedKeys(p, "group:");
        this.assign({ edit: { ...e, groups: e.groups.map((g) => ({ ...g, checked: groups.has(String(g.id)) })), perms: withChecks(e.perms, checkedKeys(p, "perm:")) } });
      }),
      set_password: on(FORM, (p) => this.setPassword(p)),
      token_create: on(FORM, (p) => this.tokenCreate(p)),
      delete_ask: on(ID, ({ id }) => this.deleteAsk(id)),
      delete_cancel: on(z.object({}), () => this.assign({ confirmDelete: null })),
      delete_confirm: on(ID, ({ id }) => this.deleteConfirm(id)),
      token_revoke: on(z.object({ id: z.coerce.number().int().positive(), token: z.coerce.number().int().positive() }), (p) => this.tokenRevoke(p.id, p.token)),
    };

    private async filter(f: UserFilters): Promise<void> {
      requireSuperuser(this.session);
      const users = await listUsers(site.users, f);
      this.assign({ filters: f, users: users.slice(0, USER_LIST_LIMIT), more: users.length > USER_LIST_LIMIT });
    }

    private async select(id: number, secret: string | null = null): Promise<void> {
      requireSuperuser(this.session);
      const user = await site.users.getUser(id);
      if (!user) return this.assign({ edit: null, errors: { form: `No user with id ${id}.` }, secret: null });
      const [inGroups, held, tokens, groups, via] = await Promise.all([groupIdsOf(site.users, id), directPermissions(site.users, "user", id), site.tokens.listTokens(id), listGroups(site.users), groupPermissionsOf(site.users, id)]);
      this.assign({
        groups,
        errors: {},
        secret,
        confirmDelete: null,
        edit: {
          user,
          groups: groups.map((g) => ({ ...g, checked: inGroups.has(g.id) })),
          perms: permissionCatalog(site, held, via),
          tokens: tokens.map((t) => ({ id: t.id, name: t.name, createdAt: when(t.createdAt), lastUsedAt: when(t.lastUsedAt) })),
        },
      });
    }

    private async refresh(id?: number, secret: string | null = null): Promise<void> {
      await this.filter(this.assigns.filters);
      if (id) await this.select(id, secret);
    }

    private async create(p: Record<string, unknown>): Promise<void> {
      const me = requireSuperuser(this.session);
      const username = str(p.username).trim();
      const errors: Record<string, string> = {};
      if (!username) errors.username = "This field is required.";
      const pw = checkNewPassword(username, str(p.password1), str(p.password2));
      if (pw.new_password1) errors.password1 = pw.new_password1;
      if (pw.new_password2) errors.password2 = pw.new_password2;
      if (Object.keys(errors).length) return this.assign({ errors });
      let user: AdminUser;
      try {
        user = await site.users.createUser({ username, password: str(p.password1), email: str(p.email), isStaff: on_(p.is_staff), isSuperuser: on_(p.is_superuser) });
      } catch (err) {
        if (err instanceof UserStoreError) return this.assign({ errors: { username: err.message } });
        throw err;
      }
      await recordAudit(site.db, { userId: me.id, action: "add", model: "auth.user", objectId: user.id, objectRepr: user.username, changes: { is_staff: [null, user.isStaff], is_superuser: [null, user.isSuperuser] } });
      this.putFlash("info", `The user “${user.username}” was added. You may edit it below.`);
      await this.refresh(user.id);
    }

    private async save(p: Record<string, unknown>): Promise<void> {
      const me = requireSuperuser(this.session);
      const id = ID.safeParse(p);
      if (!id.success) return this.assign({ errors: { form: "Which user? Reload the page." } });
      const before = await site.users.getUser(id.data.id);
      if (!before) return this.assign({ edit: null, errors: { form: "That user no longer exists." } });
      const patch = { email: str(p.email).trim(), isActive: on_(p.is_active), isStaff: on_(p.is_staff), isSuperuser: on_(p.is_superuser) };
      if (before.id === me.id && (!patch.isActive || !patch.isStaff || !patch.isSuperuser)) {
        return this.assign({ errors: { form: "You cannot take away your own active, staff or superuser status (another superuser can)." } });
      }
      const perms = checkedKeys(p, "perm:");
      const badPerm = [...perms].find((x) => !/^[\w-]{1,100}\.[\w-]{1,150}$/.test(x));
      if (badPerm) return this.assign({ errors: { form: `Invalid permission "${badPerm}".` } });
      const changes: AuditChanges = {};
      const username = typeof p.username === "string" ? p.username.trim() : before.username;
      if (username !== before.username) {
        try {
          await site.users.rename(before.id, username);
        } catch (err) {
          if (err instanceof UserStoreError) return this.assign({ errors: { username: err.message } });
          throw err;
        }
        changes.username = [before.username, username.normalize("NFKC")];
      }
      for (const k of ["email", "isActive", "isStaff", "isSuperuser"] as const) if (before[k] !== patch[k]) changes[k] = [before[k], patch[k]];
      if (Object.keys(changes).length) await site.users.update(before.id, patch);
      const oldGroups = await groupIdsOf(site.users, before.id);
      const newGroups = new Set([...checkedKeys(p, "group:")].map(Number).filter((g) => this.assigns.groups.some((x) => x.id === g)));
      for (const g of newGroups) if (!oldGroups.has(g)) await site.users.addToGroup(before.id, g);
      for (const g of oldGroups) if (!newGroups.has(g)) await site.users.removeFromGroup(before.id, g);
      const names = (s: Set<number>) => this.assigns.groups.filter((g) => s.has(g.id)).map((g) => g.name);
      if ([...oldGroups].sort().join() !== [...newGroups].sort().join()) changes.groups = [names(oldGroups), names(newGroups)];
      const permChange = await applyPermissions(site.users, before, await directPermissions(site.users, "user", before.id), perms);
      if (permChange) changes.permissions = permChange;
      const repr = changes.username ? String(changes.username[1]) : before.username;
      if (Object.keys(changes).length) await recordAudit(site.db, { userId: me.id, action: "change", model: "auth.user", objectId: before.id, objectRepr: repr, changes });
      this.putFlash("info", Object.keys(changes).length ? `The user “${repr}” was changed.` : "No fields changed.");
      await this.refresh(before.id);
    }

    /** "Delete user…": asks first (never for oneself). */
    private async deleteAsk(id: number): Promise<void> {
      const me = requireSuperuser(this.session);
      if (id === me.id) return this.assign({ errors: { form: "You cannot delete yourself (another superuser can)." } });
      const user = await site.users.getUser(id);
      if (!user) return this.assign({ edit: null, errors: { form: "That user no longer exists." } });
      this.assign({ confirmDelete: { id, username: user.username }, errors: {} });
    }

    /**
     * "Yes, I'm sure": their sessions end first (the session authority closes their sockets on
     * every worker), then the user goes with their tokens, memberships and permissions (their
     * audit entries stay, with a null user); audited.
     */
    private async deleteConfirm(id: number): Promise<void> {
      const me = requireSuperuser(this.session);
      if (id === me.id) return this.assign({ confirmDelete: null, errors: { form: "You cannot delete yourself (another superuser can)." } });
      if (this.assigns.confirmDelete?.id !== id) return this.assign({ errors: { form: "That confirmation is no longer current; nothing was deleted." } });
      const user = await site.users.getUser(id);
      if (!user) return this.assign({ confirmDelete: null, edit: null, errors: { form: "That user no longer exists." } });
      await site.sessions.endSessionsOf(user.id);
      if (!(await site.users.deleteUser(user.id))) return this.assign({ confirmDelete: null, edit: null, errors: { form: "That user no longer exists." } });
      await recordAudit(site.db, { userId: me.id, action: "delete", model: "auth.user", objectId: user.id, objectRepr: user.username, changes: {} });
      this.assign({ confirmDelete: null, edit: null, errors: {} });
      this.putFlash("info", `The user “${user.username}” was deleted; their sessions were signed out.`);
      await this.filter(this.assigns.filters);
    }

    private async setPassword(p: Record<string, unknown>): Promise<void> {
      const me = requireSuperuser(this.session);
      const id = ID.safeParse(p);
      const user = id.success ? await site.users.getUser(id.data.id) : null;
      if (!user) return this.assign({ errors: { form: "That user no longer exists." } });
      const pw = checkNewPassword(user.username, str(p.password1), str(p.password2));
      if (pw.new_password1 || pw.new_password2) return this.assign({ errors: { password1: pw.new_password1 ?? "", password2: pw.new_password2 ?? "" } });
      await site.users.setPassword(user.id, str(p.password1));
      // as Django's AdminPasswordChangeForm: the user's sessions end (this one stays when it is theirs)
      await site.sessions.endSessionsOf(user.id, user.id === me.id ? (this.session as { id?: string }).id : undefined);
      await recordAudit(site.db, { userId: me.id, action: "change", model: "auth.user", objectId: user.id, objectRepr: user.username, changes: { password: ["(hidden)", "(changed)"] } });
      this.putFlash("info", `The password of “${user.username}” was changed; their sessions were signed out.`);
      await this.refresh(user.id);
    }

    private async tokenCreate(p: Record<string, unknown>): Promise<void> {
      const me = requireSuperuser(this.session);
      const id = ID.safeParse(p);
      const user = id.success ? await site.users.getUser(id.data.id) : null;
      if (!user) return this.assign({ errors: { form: "That user no longer exists." } });
      const name = str(p.name).trim();
      if (!name || name.length > 100) return this.assign({ errors: { token: "A token needs a name of 1-100 characters." } });
      const secret = await site.tokens.createToken(user.id, name);
      await recordAudit(site.db, { userId: me.id, action: "add", model: "auth.token", objectId: user.id, objectRepr: `${user.username}: ${name}`, changes: { name: [null, name] } });
      await this.refresh(user.id, secret);
    }

    private async tokenRevoke(userId: number, tokenId: number): Promise<void> {
      const me = requireSuperuser(this.session);
      const token = (await site.tokens.listTokens(userId)).find((t) => t.id === tokenId);
      if (!token || !(await site.tokens.revokeToken(tokenId, userId))) return this.assign({ errors: { token: "That token was already revoked." } });
      await recordAudit(site.db, { userId: me.id, action: "delete", model: "auth.token", objectId: tokenId, objectRepr: token.name, changes: {} });
      this.putFlash("info", `The token “${token.name}” was revoked.`);
      await this.refresh(userId);
    }
  };
}
