import type { ViewRuntime } from "../live/runtime.js";

/**
 * One socket's joined views by ref. Most sockets hold one view (a tab with one live root), so
 * the first is kept in a field and a Map is made only for the others: an empty Map and its
 * table are ~0.2 KiB, per socket. Iteration gives the field's view first, then the Map's in
 * insertion order.
 * @internal
 */
export class ViewsByRef {
  private first?: ViewRuntime;
  private others?: Map<number, ViewRuntime>;

  get size(): number {
    return (this.first ? 1 : 0) + (this.others?.size ?? 0);
  }

  get(ref: number): ViewRuntime | undefined {
    return this.first?.ref === ref ? this.first : this.others?.get(ref);
  }

  has(ref: number): boolean {
    return this.get(ref) !== undefined;
  }

  /** Adds `rt` under its own ref (replacing a view of that ref, as `Map.set`). */
  set(rt: ViewRuntime): void {
    if (this.first?.ref === rt.ref || (!this.first && !this.others?.has(rt.ref))) this.first = rt;
    else (this.others ??= new Map()).set(rt.ref, rt);
  }

  /** Removes the view of `ref`; whether there was one. */
  delete(ref: number): boolean {
    if (this.first?.ref !== ref) return this.others?.delete(ref) ?? false;
    this.first = undefined;
    return true;
  }

  /** The views, as a new array (safe to iterate while they are removed). */
  list(): ViewRuntime[] {
    const all = this.first ? [this.first] : [];
    if (this.others) for (const v of this.others.values()) all.push(v);
    return all;
  }
}
