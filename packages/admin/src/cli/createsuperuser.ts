/** `weft createsuperuser`, as Django's `manage.py createsuperuser`. */
import { createSuperuser } from "../auth/superuser.js";
import type { CliCommand } from "./command.js";
import { openCliDb } from "./db.js";
import { readPassword, usageError } from "./io.js";

export const createsuperuserCommand: CliCommand = {
  name: "createsuperuser",
  summary: "create an active staff superuser",
  usage: `usage: weft createsuperuser --username NAME [--email EMAIL] [--password-stdin] [--db FILE]

Creates an active staff superuser (and the admin's weft_* tables when missing).
The password is read from the first line of stdin with --password-stdin, else from
$WEFT_PASSWORD, else asked twice on the terminal without echo. (--password PASSWORD also
works but is visible to other local users and in shell history.)

The database: PostgreSQL when DATABASE_URL=postgres://… is set, else the SQLite file of
--db FILE or of the config's "db" (--db and a PostgreSQL DATABASE_URL together are refused).

Exit codes: 0 created, 1 failed (username taken or invalid, passwords differ), 2 bad usage.
`,
  options: { username: { type: "string" }, email: { type: "string" }, password: { type: "string" }, "password-stdin": { type: "boolean" } },
  positionals: [0, 0],
  async run(ctx) {
    const { io, values } = ctx;
    const username = values.username;
    if (typeof username !== "string" || !username) throw usageError("--username is required");
    const password = await readPassword({ passwordStdin: values["password-stdin"] === true, password: values.password as string | undefined }, io);
    const open = await openCliDb(ctx, true);
    try {
      const user = await createSuperuser({ db: open.db, username, email: (values.email as string | undefined) ?? "", password });
      io.stdout.write(`Superuser "${user.username}" created (id ${user.id}).\n`);
      return 0;
    } finally {
      await open.close();
    }
  },
};
