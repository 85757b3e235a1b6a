/**
 * `<prefix>/auth/groups/`: groups for superusers, as Django admin's `GroupAdmin` — the list
 * (with member counts, searchable), "add group", and each group's permission picker. Writes go
 * through the `UserStore` (whose grants and revocations tell the session authority about every
 * member) and are audited as `auth.group`.
 */
import { LiveView, on, type LiveViewClass, type Session } from "@weft/server";
import { z } from "zod";
import { recordAudit } from "../auditlog/record.js";
import { UserStoreError, type Group } from "../auth/index.js";
import type { AdminSiteLike } from "../model/site-like.js";
import { checkedKeys, permissionCatalog, withChecks, type PermissionGroup } from "./catalog.js";
import { requireSuperuser, superuserOf } from "./guard.js";
import { applyPermissions, directPermissions, groupSizes, listGroups } from "./queries.js";

/** What groups.eta gets. */
export interface GroupsAssigns {
  q: string;
  groups: Array<Group & { members: number }>;
  edit: { group: Group; perms: PermissionGroup[] } | null;
  errors: Record<string, string>;
  /** the permission picker's filter (matched against "app › Models") */
  permFilter: string;
}

const ID = z.object({ id: z.coerce.number().int().positive() });

/** @returns the groups screen's LiveView class for `site` (mounted by {@link authPages}) */
export function groupsView(site: AdminSiteLike): LiveViewClass {
  return class GroupsView extends LiveView<GroupsAssigns> {
    static template = new URL("../../src/users/groups.eta", import.meta.url);
    static authorize(session: Session): boolean {
      return superuserOf(session) !== null;
    }

    async mount(): Promise<GroupsAssigns> {
      requireSuperuser(this.session);
      return { q: "", groups: await this.load(""), edit: null, errors: {}, permFilter: "" };
    }

    events = {
      perm_filter: on(z.object({ q: z.string().max(200).optional() }), ({ q = "" }) => this.assign({ permFilter: q })),
      search: on(z.object({ q: z.string().max(200).optional() }), async ({ q = "" }) => this.assign({ q, groups: await this.load(q) })),
      select: on(ID, ({ id }) => this.select(id)),
      create: on(z.object({ name: z.string().max(1000).optional() }), ({ name = "" }) => this.create(name)),
      save: on(z.record(z.string().max(300), z.unknown()), (p) => this.save(p)),
      // the unsaved form's boxes, kept so that a re-render (the picker's filter) does not untick them
      pick: on(z.record(z.string().max(300), z.unknown()), (p) => {
        const e = this.assigns.edit;
        if (e && String(p.id) === String(e.group.id)) this.assign({ edit: { ...e, perms: withChecks(e.perms, checkedKeys(p, "perm:")) } });
      }),
    };

    private async load(q: string): Promise<GroupsAssigns["groups"]> {
      requireSuperuser(this.session);
      const [groups, sizes] = await Promise.all([listGroups(site.users), groupSizes(site.users)]);
      const needle = q.trim().toLowerCase();
      return groups.filter((g) => g.name.toLowerCase().includes(needle)).map((g) => ({ ...g, members: sizes.get(g.id) ?? 0 }));
    }

    private async select(id: number): Promise<void> {
      requireSuperuser(this.session);
      const group = (await listGroups(site.users)).find((g) => g.id === id);
      if (!group) return this.assign({ edit: null, errors: { form: `No group with id ${id}.` } });
      this.assign({ errors: {}, edit: { group, perms: permissionCatalog(site, await directPermissions(site.users, "group", id)) } });
    }

    private async create(name: string): Promise<void> {
      const me = requireSuperuser(this.session);
      if (await site.users.getGroup(name)) return this.assign({ errors: { name: `A group named “${name.trim()}” already exists.` } });
      let group: Group;
      try {
        group = await site.users.createGroup(name);
      } catch (err) {
        if (err instanceof UserStoreError) return this.assign({ errors: { name: "A group needs a name of 1-150 characters." } });
        throw err;
      }
      await recordAudit(site.db, { userId: me.id, action: "add", model: "auth.group", objectId: group.id, objectRepr: group.name, changes: { name: [null, group.name] } });
      this.putFlash("info", `The group “${group.name}” was added. Choose its permissions below.`);
      this.assign({ groups: await this.load(this.assigns.q) });
      await this.select(group.id);
    }

    private async save(p: Record<string, unknown>): Promise<void> {
      const me = requireSuperuser(this.session);
      const id = ID.safeParse(p);
      const group = id.success ? (await listGroups(site.users)).find((g) => g.id === id.data.id) : undefined;
      if (!group) return this.assign({ edit: null, errors: { form: "That group no longer exists." } });
      const perms = checkedKeys(p, "perm:");
      const bad = [...perms].find((x) => !/^[\w-]{1,100}\.[\w-]{1,150}$/.test(x));
      if (bad) return this.assign({ errors: { form: `Invalid permission "${bad}".` } });
      const change = await applyPermissions(site.users, group, await directPermissions(site.users, "group", group.id), perms);
      if (change) await recordAudit(site.db, { userId: me.id, action: "change", model: "auth.group", objectId: group.id, objectRepr: group.name, changes: { permissions: change } });
      this.putFlash("info", change ? `The group “${group.name}” was changed.` : "No fields changed.");
      this.assign({ groups: await this.load(this.assigns.q) });
      await this.select(group.id);
    }
  };
}
