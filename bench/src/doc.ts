/**
 * docs/benchmarks.md holds one section per bench (`pnpm bench` for the LiveView core,
 * `pnpm bench:admin` for the admin, `pnpm bench:jobs` for the background jobs, `pnpm bench:soak`
 * for the soak and the slow reader, `pnpm bench:components` for LiveComponents, `pnpm bench:streams` for streams), each between
 * `<!-- bench:NAME -->` markers, so one bench rewrites its own figures and keeps the others'
 * (`pnpm bench:peers`, `bench:scale` and `bench:workers` write "peers", "scale", "workers"). Text
 * outside the markers of `order` is dropped: give every section markers.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Replaces (or appends) section `name` of the markdown file with `body`.
 * @param order - section names in the order they appear in the file
 */
export function writeSection(file: string, name: string, body: string, order: readonly string[] = ["core", "admin", "search", "jobs", "soak", "soak-slow", "components", "streams", "tiles", "idle", "peers", "scale", "workers", "fanout", "stall", "csv"]): void {
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const sections = new Map<string, string>();
  for (const n of order) {
    const m = old.match(new RegExp(`<!-- bench:${n} -->\\n([\\s\\S]*?)<!-- /bench:${n} -->`));
    if (m) sections.set(n, m[1]);
  }
  sections.set(name, body.endsWith("\n") ? body : `${body}\n`);
  const out = order.filter((n) => sections.has(n)).map((n) => `<!-- bench:${n} -->\n${sections.get(n)}<!-- /bench:${n} -->\n`);
  writeFileSync(file, out.join("\n"));
}
