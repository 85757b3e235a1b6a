/**
 * `weft tokens create|list|revoke`: the admin's API bearer tokens (see `auth/tokens.ts`), as
 * Django REST framework's `drf_create_token`, with list and revoke.
 */
import { desc, eq } from "drizzle-orm";
import { adminTablesFor } from "../auth/tables.js";
import { ApiTokens } from "../auth/tokens.js";
import { UserStore } from "../auth/users.js";
import { qb } from "../query/dialect/index.js";
import type { CliCommand } from "./command.js";
import { openCliDb, type CliDb } from "./db.js";
import { usageError } from "./io.js";

async function userId(open: CliDb, username: string): Promise<number | null> {
  const user = await new UserStore(open.db).getUserByUsername(username);
  return user ? user.id : null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : "never");

export const tokensCommand: CliCommand = {
  name: "tokens",
  summary: "create, list or revoke API tokens",
  usage: `usage: weft tokens create --username NAME --name LABEL [--db FILE]
       weft tokens list [--username NAME] [--db FILE]
       weft tokens revoke ID [--username NAME] [--db FILE]

create  prints a new bearer token for NAME on stdout. It is shown once: only its SHA-256
        is stored. Use it as "Authorization: Bearer weft_…".
list    prints id, user, label, created and last used (never the tokens), newest first.
revoke  deletes the token with that id (with --username: only if it is that user's).

The database: PostgreSQL when DATABASE_URL=postgres://… is set, else the SQLite file of
--db FILE or of the config's "db" (--db and a PostgreSQL DATABASE_URL together are refused).

Exit codes: 0 done, 1 failed (unknown user or token), 2 bad usage.
`,
  options: { username: { type: "string" }, name: { type: "string" } },
  positionals: [1, 2],
  async run(ctx) {
    const { io, values, positionals } = ctx;
    const [action, arg] = positionals;
    if (action !== "create" && action !== "list" && action !== "revoke") throw usageError(`unknown tokens action "${action}" (create, list or revoke)`);
    if (action !== "revoke" && arg !== undefined) throw usageError(`tokens ${action} takes no positional argument (got "${arg}")`);
    const username = values.username as string | undefined;
    let id = 0;
    if (action === "revoke") {
      if (arg === undefined || !/^[1-9]\d{0,15}$/.test(arg)) throw usageError(`tokens revoke needs a token id (a positive integer; see weft tokens list), got ${arg === undefined ? "none" : `"${arg}"`}`);
      id = Number(arg);
    }
    if (action === "create" && (!username || typeof values.name !== "string")) throw usageError("tokens create needs --username NAME and --name LABEL");
    const open = await openCliDb(ctx, false);
    try {
      const uid = username === undefined ? undefined : await userId(open, username);
      if (uid === null) {
        io.stderr.write(`error: no user "${username}"\n`);
        return 1;
      }
      const tokens = new ApiTokens(open.db);
      if (action === "create") {
        const token = await tokens.createToken(uid!, values.name as string);
        io.stderr.write(`Token "${String(values.name).trim()}" created for "${username}". It is shown once; store it now.\n`);
        io.stdout.write(`${token}\n`);
        return 0;
      }
      if (action === "revoke") {
        if (!(await tokens.revokeToken(id, uid))) {
          io.stderr.write(`error: no token ${id}${username === undefined ? "" : ` of "${username}"`}\n`);
          return 1;
        }
        io.stdout.write(`Token ${id} revoked.\n`);
        return 0;
      }
      const { weftApiTokens, weftUsers } = adminTablesFor(open.db);
      const q = qb(open.db)
        .select({ id: weftApiTokens.id, user: weftUsers.username, name: weftApiTokens.name, createdAt: weftApiTokens.createdAt, lastUsedAt: weftApiTokens.lastUsedAt })
        .from(weftApiTokens)
        .innerJoin(weftUsers, eq(weftUsers.id, weftApiTokens.userId));
      const rows = await (uid === undefined ? q : q.where(eq(weftApiTokens.userId, uid))).orderBy(desc(weftApiTokens.id));
      io.stdout.write("id\tuser\tname\tcreated\tlast used\n");
      for (const r of rows) io.stdout.write(`${r.id}\t${r.user}\t${r.name}\t${iso(r.createdAt)}\t${iso(r.lastUsedAt)}\n`);
      return 0;
    } finally {
      await open.close();
    }
  },
};
