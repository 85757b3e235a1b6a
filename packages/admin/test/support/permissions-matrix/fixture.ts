/**
 * The permission matrix's roles and its suite fixture (permissions-*.test.ts): {@link useMatrix}
 * opens the matrix site (./site.ts) on one engine for the `describe` it is called in, creates one
 * user per role (with a bearer token each, and an "owner" of other users' jobs), starts a real
 * server with an application login for non-staff users, and logs every role in once (anonymous:
 * an anonymous session, as any visitor of the login page has).
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect } from "vitest";
import type { AdminSession, AdminSite } from "../../../src/index.js";
import type { Client } from "../../../../server/test/helpers.js";
import { Jar, login, loginPage, startAdmin } from "../../support.js";
import type { Engine, EngineDb } from "../engines.js";
import { N_ITEMS, openMatrixSite } from "./site.js";

export const ROLES = ["anonymous", "nonstaff", "viewer", "changer", "deleter", "superuser"] as const;
export type Role = (typeof ROLES)[number];
export type Perm = "view" | "change" | "add" | "delete" | "annotate";
/** the model permissions each staff role holds (Django: change implies view; add and delete are separate) */
export const PERMS: Record<Role, Perm[] | null> = {
  anonymous: null,
  nonstaff: null,
  viewer: ["view"],
  changer: ["view", "change", "add"],
  deleter: ["view", "change", "add", "delete"],
  superuser: ["view", "change", "add", "delete", "annotate"],
};
export const staff = (r: Role) => PERMS[r] !== null;
export const may = (r: Role, p: Perm) => PERMS[r]?.includes(p) ?? false;

/** The login page's URL that an admin page redirects an outsider to. */
export const LOGIN = (path: string) => `/admin/login/?next=${encodeURIComponent(path)}`;

/** An item row as stored. */
export interface ItemRow {
  id: number;
  name: string;
  qty: number;
}

/** A suite's matrix ({@link useMatrix}): `e`, `site`, `app` and `base` are set by its `beforeAll`; read them inside tests. */
export interface Matrix {
  e: EngineDb;
  site: AdminSite;
  app: FastifyInstance;
  base: string;
  /** every client the suite opens, closed by its `afterAll` */
  sockets: Client[];
  /** each role's browser (logged in, but for anonymous and nonstaff) */
  jars: Record<Role, Jar>;
  /** each role's session id */
  sids: Record<Role, string>;
  /** each role's user id, and the owner of the "other user's" jobs and timeline (anonymous: the owner's) */
  ids: Record<Role | "owner", number>;
  /** each role's API token (none for anonymous) */
  bearer: Record<Role, string | undefined>;
  /** a fresh row for a cell that may write (never reused by another cell) */
  freshRow(): number;
  /** item `id` as stored, if any */
  row(id: number): Promise<ItemRow | undefined>;
  /** the whole items table, as a string to compare */
  snapshot(): Promise<string>;
  countItems(): Promise<number>;
  /** how many items are named `n` */
  countNamed(n: string): Promise<number>;
  /** a job owned by user `owner` (queued, cancellable), its id */
  job(owner: number): Promise<string>;
  /** the shell's CSRF token (the logout form's) on a page the role may see, else the login form's */
  csrfOf(role: Role): Promise<string>;
}

/**
 * Opens the matrix on `engine` in `beforeAll` and closes it in `afterAll` (after printing
 * `report()`, the suite's cell counts), for the `describe` it is called in.
 */
export function useMatrix(engine: Engine, report: () => string): Matrix {
  let nextRow = 1;
  const m = {
    sockets: [] as Client[],
    jars: {} as Matrix["jars"],
    sids: {} as Matrix["sids"],
    ids: {} as Matrix["ids"],
    bearer: {} as Matrix["bearer"],
    freshRow: () => {
      if (nextRow > N_ITEMS) throw new Error("out of rows");
      return nextRow++;
    },
    row: async (id) => (await m.e.rows<ItemRow>(`select id, name, qty from items where id = ${Number(id)}`))[0],
    snapshot: async () => JSON.stringify(await m.e.rows("select id, name, qty from items order by id")),
    countItems: async () => Number((await m.e.rows<{ n: number | string }>("select count(*) n from items"))[0]!.n),
    countNamed: async (n) => Number((await m.e.rows<{ n: number | string }>(`select count(*) n from items where name = '${n.replace(/'/g, "''")}'`))[0]!.n),
    job: async (owner) => (await m.site.jobs.create({ owner: String(owner), action: "shop.item.test", description: "matrix job" })).id,
    csrfOf: async (role) => {
      const res = await m.jars[role].fetch(staff(role) ? "/admin/" : "/admin/login/");
      return /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1] ?? "";
    },
  } as Matrix;
  const { jars, sids, ids, bearer } = m;

  beforeAll(async () => {
    const { e, site } = await openMatrixSite(engine);
    Object.assign(m, { e, site });
    // the PostgreSQL variant talks to PostgreSQL
    expect(site.dialect.name).toBe(engine);
    const u = site.users;
    for (const r of ROLES) {
      if (r === "anonymous") continue;
      const user = await u.createUser({ username: r, password: `${r}-pass`, isStaff: r !== "nonstaff", isSuperuser: r === "superuser" });
      ids[r] = user.id;
      if (r !== "superuser") for (const p of PERMS[r] ?? []) await u.grant(user, p === "annotate" ? "shop.annotate_item" : `shop.${p}_item`);
      bearer[r] = await site.tokens.createToken(user.id, "matrix");
    }
    // the owner of the "other user's" jobs and timeline
    ids.owner = (await u.createUser({ username: "owner", password: "owner-pass", isStaff: true })).id;
    ids.anonymous = ids.owner;

    const { app, base } = await startAdmin(site, {
      setup: (a) => {
        // the application's own login (sharing the admin's sessions): how a non-staff user gets a session
        a.post("/test/login-as", async (req, reply) => {
          const { username, password } = req.body as Record<string, string>;
          const user = await site.users.authenticate(username, password);
          if (!user) return reply.code(401).send();
          await site.sessions.login(req, reply, user);
          return reply.code(204).send();
        });
        a.get("/test/sid", async (req) => ({ sid: ((await site.sessions.load(req)) as AdminSession | null)?.id ?? null }));
      },
    });
    Object.assign(m, { app, base });

    for (const r of ROLES) {
      if (r === "anonymous") {
        jars[r] = new Jar(base);
        await loginPage(jars[r]); // an anonymous session, as any visitor of the login page has
      } else if (r === "nonstaff") {
        jars[r] = new Jar(base);
        await loginPage(jars[r]);
        const res = await jars[r].fetch("/test/login-as", { method: "POST", body: JSON.stringify({ username: r, password: `${r}-pass` }), headers: { "content-type": "application/json" } });
        expect(res.status).toBe(204);
      } else {
        jars[r] = await login(base, r);
      }
      sids[r] = ((await (await jars[r].fetch("/test/sid")).json()) as { sid: string }).sid;
      expect(sids[r], r).toBeTruthy();
    }
  });

  afterAll(async () => {
    console.log(report());
    for (const s of m.sockets) s.close();
    await m.app?.close();
    await m.e?.close();
  }, 60_000);

  return m;
}
