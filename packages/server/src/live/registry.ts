import type { LiveViewClass } from "./view.js";
import { weftError } from "../errors.js";

/**
 * Maps registered view ids to classes. Tokens name views by these ids, so the browser
 * can only ever join a view the server registered.
 */
export class ViewRegistry {
  private byId = new Map<string, LiveViewClass>();
  private ids = new Map<LiveViewClass, string>();

  /**
   * Registers a view class (idempotent) and returns its id: `static id`, or the class
   * name in kebab-case.
   * @throws WeftError `WEFT_ERR_VIEW_ID_TAKEN` when another class already uses the id
   */
  register(cls: LiveViewClass): string {
    const known = this.ids.get(cls);
    if (known) return known;
    const id = cls.id ?? kebab(cls.name || "view");
    const other = this.byId.get(id);
    if (other && other !== cls) throw weftError("WEFT_ERR_VIEW_ID_TAKEN", `weft: two views registered as "${id}" (${other.name}, ${cls.name}); set a distinct static id`);
    this.byId.set(id, cls);
    this.ids.set(cls, id);
    return id;
  }

  /** The class registered as `id`, or undefined. */
  get(id: string): LiveViewClass | undefined {
    return this.byId.get(id);
  }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase();
}
