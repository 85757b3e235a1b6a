/** `weft check`: the admin's start-up checks (`checks/`), as Django's `manage.py check`. */
import { formatReport, runChecks, type WidgetPlacement } from "../checks/index.js";
import { adminError } from "../errors.js";
import type { CliCommand } from "./command.js";

export const checkCommand: CliCommand = {
  name: "check",
  summary: "run the admin's start-up checks on the config's site",
  usage: `usage: weft check [--workers N] [--config FILE]

Builds the site with the config file's site() and runs the checks the admin plugin runs at
start-up (weft.E001…, weft.W001…), printed as Django's check command prints them. --workers N
checks a deployment of N processes (default: the config's checks.workers, else 1).

Exit codes: 0 no errors (warnings are printed), 1 errors found or the site failed to build,
or no config with a site; 2 bad usage.
`,
  options: { workers: { type: "string", short: "w" } },
  positionals: [0, 0],
  async run({ io, values, loaded }) {
    const { config, file } = loaded;
    if (!config.site) throw adminError("WEFT_ADMIN_ERR_CLI_CONFIG", `weft check needs a config file whose default export has site() (${file ? `${file} has none` : "no weft.config.js here; pass --config FILE"})`);
    let workers: number | undefined;
    if (values.workers !== undefined) {
      workers = Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1) throw adminError("WEFT_ADMIN_ERR_CLI_USAGE", `--workers must be an integer >= 1 (got "${String(values.workers)}")`);
    }
    const site = await config.site();
    const base = typeof config.checks === "function" ? await config.checks() : (config.checks ?? {});
    // as adminPlugin does: the dashboard's widgets count towards weft.W002
    const widgets = (site as { dashboard?: { all?(): readonly WidgetPlacement[] } }).dashboard?.all?.();
    const messages = runChecks(site, { ...(widgets ? { widgets } : {}), ...base, ...(workers ? { workers } : {}) });
    const failed = messages.some((m) => m.level === "error");
    (failed ? io.stderr : io.stdout).write(`${formatReport(messages)}\n`);
    return failed ? 1 : 0;
  },
};
