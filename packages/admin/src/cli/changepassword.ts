/** `weft changepassword USERNAME`, as Django's `manage.py changepassword`. */
import { UserStore } from "../auth/users.js";
import type { CliCommand } from "./command.js";
import { openCliDb } from "./db.js";
import { readPassword } from "./io.js";

export const changepasswordCommand: CliCommand = {
  name: "changepassword",
  summary: "set a user's password",
  usage: `usage: weft changepassword USERNAME [--password-stdin] [--db FILE]

Sets USERNAME's password. The password is read from the first line of stdin with
--password-stdin, else from $WEFT_PASSWORD, else asked twice on the terminal without echo.

The database: PostgreSQL when DATABASE_URL=postgres://… is set, else the SQLite file of
--db FILE or of the config's "db" (--db and a PostgreSQL DATABASE_URL together are refused).

Exit codes: 0 changed, 1 failed (unknown user, passwords differ), 2 bad usage.
`,
  options: { password: { type: "string" }, "password-stdin": { type: "boolean" } },
  positionals: [1, 1],
  async run(ctx) {
    const { io, values, positionals } = ctx;
    const username = positionals[0]!;
    const open = await openCliDb(ctx, false);
    try {
      const users = new UserStore(open.db);
      const user = await users.getUserByUsername(username);
      if (!user) {
        io.stderr.write(`error: no user "${username}"\n`);
        return 1;
      }
      const password = await readPassword({ passwordStdin: values["password-stdin"] === true, password: values.password as string | undefined }, io);
      await users.setPassword(user.id, password);
      io.stdout.write(`Password changed for "${user.username}".\n`);
      return 0;
    } finally {
      await open.close();
    }
  },
};
