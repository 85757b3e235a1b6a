import { watch, type FSWatcher } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { Eta } from "eta";
import { weftError } from "../errors.js";

type TemplateFn = ReturnType<Eta["compile"]>;

/** Directories whose templates may include one another across sub-folders (see {@link addTemplateRoot}). */
const roots = new Set<string>();

/**
 * Declares `dir` (absolute path) a template root: a template file anywhere below it resolves its
 * layouts and partials within the whole of `dir`, so `changelist/list.eta` may
 * `include("../shell/crumbs")`. A package that ships templates in feature folders (as
 * `@weft/admin` does) calls it once at import. Templates under the app's `views` directory
 * always resolve within `views`; any other template file resolves within its own directory.
 */
export function addTemplateRoot(dir: string): void {
  roots.add(resolve(dir));
}

function rootOf(file: string): string | undefined {
  for (const r of roots) if (!relative(r, file).startsWith("..")) return r;
  return undefined;
}

/** A template located on disk: the Eta instance for its views directory, its file, its compiled function. */
interface Located {
  eta: Eta;
  file: string;
  fn: TemplateFn;
}

/**
 * Eta templates, with `autoEscape` on (raw output is the greppable `<%~ %>` tag).
 * Layouts (`<% layout("./layout") %>`) and partials (`<%~ include("./row", it) %>`) resolve
 * relative to the including file, within its views directory.
 *
 * In development (`dev: true`) template files are watched; an edit drops the compiled
 * template and calls the change listeners (the plugin re-renders connected views).
 */
export class Templates {
  private etas = new Map<string, Eta>();
  private located = new Map<string, Located>();
  private watchers: FSWatcher[] = [];
  private listeners = new Set<() => void>();

  /**
   * @param views - default directory for relative template paths (absolute path)
   * @param dev - watch template files and re-render on change
   */
  constructor(
    private views?: string,
    private dev = false,
  ) {}

  /**
   * Renders a template with `data` as `it`.
   * @param template - path relative to `views`, an absolute path, or a file URL
   * @throws Error when the template cannot be found or throws while rendering
   */
  render(template: string | URL, data: object): string {
    const t = this.locate(template);
    // the compiled function is kept: no path resolution or cache lookup per render
    return t.eta.render(t.fn, data, { filepath: t.file });
  }

  /** Calls `fn` after a template file changed (dev only). Returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops watching files. */
  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private locate(template: string | URL): Located {
    const key = String(template);
    const hit = this.located.get(key);
    if (hit) return hit;
    let file: string;
    if (template instanceof URL || key.startsWith("file:")) file = fileURLToPath(template);
    else if (isAbsolute(key)) file = key;
    else if (this.views) file = resolve(this.views, key);
    else throw weftError("WEFT_ERR_TEMPLATE_NO_VIEWS_DIR", `weft: template "${key}" is relative but no \`views\` directory is configured: pass \`views\` (an absolute path) to the weft plugin, or give the template as a URL (new URL("./x.eta", import.meta.url))`);
    const inViews = this.views && !relative(this.views, file).startsWith("..");
    const eta = this.etaFor(inViews ? this.views! : (rootOf(file) ?? dirname(file)));
    let source: string;
    try {
      source = readFileSync(file, "utf8");
    } catch {
      throw weftError("WEFT_ERR_TEMPLATE_NOT_FOUND", `weft: template not found: ${file} (check the path, and the plugin's \`views\` directory for relative ones)`);
    }
    const loc = { eta, file, fn: eta.compile(source, { filepath: file }) };
    this.located.set(key, loc);
    return loc;
  }

  private etaFor(dir: string): Eta {
    let eta = this.etas.get(dir);
    if (eta) return eta;
    eta = new Eta({ views: dir, autoEscape: true, cache: true, autoTrim: [false, "nl"] });
    memoizePaths(eta);
    this.etas.set(dir, eta);
    if (this.dev) {
      const w = watch(dir, { recursive: true }, () => {
        eta!.templatesSync.reset();
        eta!.filepathCache = {};
        this.located.clear();
        for (const fn of this.listeners) fn();
      });
      w.on("error", () => {});
      this.watchers.push(w);
    }
    return eta;
  }
}

/**
 * Keeps each include's resolved path by (including file, name). Eta caches them too, but keys
 * its cache by `JSON.stringify` of both and the views directory on every call: an `include`
 * per editable cell made that ~0.2 ms of a 50-row change-list render. A path depends on the
 * two strings only (not on the files), so it stays valid when a template file changes.
 */
function memoizePaths(eta: Eta): void {
  const resolvePath = eta.resolvePath!;
  // by including file, then name: both strings are the same objects every render (no new key to hash)
  const paths = new Map<string, Map<string, string>>();
  eta.resolvePath = function (template, options) {
    const from = options?.filepath ?? "";
    let names = paths.get(from);
    if (!names) paths.set(from, (names = new Map()));
    let path = names.get(template);
    if (path === undefined) names.set(template, (path = resolvePath.call(this, template, options)));
    return path;
  };
}
