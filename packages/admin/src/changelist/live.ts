/**
 * The live change list's bookkeeping: which publishes on the model's topic concern the open
 * page, what one re-read asks for, and what it means for the rows shown. The page never
 * jumps: shown rows are updated in place (highlighted when their values changed) or fade out
 * (deleted, or no longer matching the filters); rows created since the page was loaded that
 * match its search and filters are only counted ("3 new orders — show").
 *
 * Memory per view: the page's rows plus at most {@link LiveListOptions.maxBuffered} pending ids.
 * Re-reads: one statement per tick (`fetchByIds(ids, state)`: the shown rows and the new ids),
 * ticks aligned on the wall clock every `throttleMs`, so a burst of publishes costs at most one
 * re-read per view per tick and the views of a worker with the same state and page share it.
 */
import type { ChangeListQuery, ChangeListRow, ChangeListState } from "../query/index.js";
import type { ModelEvent } from "../model/publish.js";

/** Tuning of the live change list (tests shorten `throttleMs`; the clock is injectable). */
export interface LiveListOptions {
  /** at most one re-read per view per this many ms (ticks are aligned on `now()`); default 400 */
  throttleMs: number;
  /** created ids kept waiting for a re-read; beyond this the notice says "New … — show" */
  maxBuffered: number;
  /** ids asked per re-read (the rest wait for the next tick) */
  maxPerRead: number;
  /** how long a deleted row fades before it leaves the page, in ms (the CSS animation's length) */
  fadeMs: number;
  /** how long a changed row keeps its highlight class, in ms (the CSS animation's length) */
  flashMs: number;
  now: () => number;
}

/** The defaults. */
export const LIVE_LIST: LiveListOptions = { throttleMs: 400, maxBuffered: 5000, maxPerRead: 500, fadeMs: 1200, flashMs: 1600, now: () => Date.now() };

/** Timer messages of the view, told apart from topic messages by identity. */
export const TICK = Object.freeze({ changelist: "tick" });
export const DROP = Object.freeze({ changelist: "drop" });

/** What the template needs to mark rows and show the notice. */
export interface LiveMarks {
  /** pk → highlight class of the rows changed in the last `flashMs` (`cl-hl0` / `cl-hl1`: it
   *  alternates, so a row changed again while highlighted flashes again) */
  flash: ReadonlyMap<string, string>;
  /** pks fading out */
  gone: ReadonlySet<string>;
  /** new matching rows not shown; `more`: possibly more than counted */
  newCount: number;
  more: boolean;
}

/** A model event's kind and id as a string, or null for anything else (ignored). */
export function parseModelEvent(msg: unknown): { kind: string; id: string | null } | null {
  if (typeof msg !== "object" || msg === null) return null;
  const { type, id } = msg as Partial<ModelEvent>;
  if (typeof type !== "string") return null;
  const kind = type.slice(type.lastIndexOf(".") + 1);
  if (kind !== "created" && kind !== "changed" && kind !== "deleted") return null;
  const ok = (typeof id === "number" && Number.isSafeInteger(id)) || (typeof id === "string" && id.length > 0 && id.length <= 256);
  return { kind, id: ok ? String(id) : null };
}

/** The live state of one open change list. */
export class LiveList {
  private created: string[] = [];
  private touched = false;
  private overflow = false;
  private newCount = 0;
  private flash = new Map<string, { cls: string; at: number }>();
  private gone = new Set<string>();
  /** a tick is scheduled */
  scheduled = false;

  /**
   * @param accepts - whether an id has the primary key's shape (others are ignored, so a
   *   malformed publish cannot break the re-read)
   */
  constructor(
    private readonly accepts: (id: string) => boolean,
    readonly options: LiveListOptions = LIVE_LIST,
  ) {}

  /**
   * Notes a message of the topic.
   * @param shown - the pks on the page
   * @returns whether a re-read is needed
   */
  note(msg: unknown, shown: ReadonlySet<string>): boolean {
    const ev = parseModelEvent(msg);
    if (!ev || (ev.id !== null && !this.accepts(ev.id))) return false;
    if (ev.kind === "created") {
      if (ev.id === null || this.created.length >= this.options.maxBuffered) this.overflow = true;
      else this.created.push(ev.id);
      return true;
    }
    // a change or delete of a row not shown does not change the page (it is not new either)
    if (ev.id !== null && !shown.has(ev.id)) return false;
    this.touched = true;
    return true;
  }

  /** the index of the scheduled tick (ticks are numbered from the epoch) */
  due = 0;

  /** Schedules the next aligned tick. @returns ms until it (1 … throttleMs) */
  delay(): number {
    const t = this.options.throttleMs;
    const now = this.options.now();
    this.due = Math.floor(now / t) + 1;
    return this.due * t - now;
  }

  /**
   * The ids the tick re-reads (shown rows and a batch of created ids), or null when nothing is
   * pending. Resets the pending work.
   */
  take(shown: readonly string[]): { ids: string[]; created: Set<string> } | null {
    if (!this.touched && this.created.length === 0) return null;
    const created = new Set(this.created.splice(0, this.options.maxPerRead).filter((id) => !shown.includes(id)));
    this.touched = false;
    return { ids: [...shown.filter((pk) => !this.gone.has(pk)), ...created], created };
  }

  /** Whether created ids still wait (a burst larger than one read). */
  get pending(): boolean {
    return this.created.length > 0;
  }

  /**
   * Applies a re-read to the page's rows.
   * @param rows - the rows shown
   * @param fetched - what the re-read returned (shown rows still matching, new matching rows)
   * @param created - the created ids it asked for
   * @returns the rows to show: same order, fresh values; missing ones kept (fading out)
   */
  apply(rows: readonly ChangeListRow[], fetched: readonly ChangeListRow[], created: ReadonlySet<string>): ChangeListRow[] {
    const byPk = new Map(fetched.map((r) => [String(r.pk), r]));
    const now = this.options.now();
    for (const [pk, f] of this.flash) if (now - f.at >= this.options.flashMs) this.flash.delete(pk);
    const next = rows.map((r) => {
      const pk = String(r.pk);
      const fresh = byPk.get(pk);
      if (!fresh || this.gone.has(pk)) {
        this.gone.add(pk);
        return r;
      }
      if (JSON.stringify(fresh.values) !== JSON.stringify(r.values)) this.flash.set(pk, { cls: this.flash.get(pk)?.cls === "cl-hl0" ? "cl-hl1" : "cl-hl0", at: now });
      return fresh;
    });
    for (const pk of created) if (byPk.has(pk)) this.newCount++;
    return next;
  }

  /**
   * Counts the created rows a re-read found matching, leaving the shown rows as they are (the
   * list has unsaved `listEditable` edits: it pauses, list-editable.ts).
   */
  countNew(fetched: readonly ChangeListRow[], created: ReadonlySet<string>): void {
    const found = new Set(fetched.map((r) => String(r.pk)));
    for (const pk of created) if (found.has(pk)) this.newCount++;
  }

  /** Removes the faded rows. @returns the rows left, or null when none was fading */
  drop(rows: readonly ChangeListRow[]): ChangeListRow[] | null {
    if (this.gone.size === 0) return null;
    const left = rows.filter((r) => !this.gone.has(String(r.pk)));
    this.gone.clear();
    return left;
  }

  /** Forgets everything (the page was re-read from scratch). */
  reset(): void {
    this.created = [];
    this.touched = this.overflow = false;
    this.newCount = 0;
    this.flash.clear();
    this.gone.clear();
  }

  /** What the template shows. */
  marks(): LiveMarks {
    return { flash: new Map([...this.flash].map(([pk, f]) => [pk, f.cls])), gone: this.gone, newCount: this.newCount, more: this.overflow };
  }
}

/**
 * Re-reads per query, kept for their tick: the views of a worker with the same state, page and
 * pending ids share one statement. Any publish on the topic forgets them ({@link forgetReads}),
 * so a view never gets a read older than a publish it has seen.
 */
const reads = new WeakMap<ChangeListQuery<any, any>, { tick: number; runs: Map<string, Promise<ChangeListRow[]>> }>();

/**
 * `query.fetchByIds(ids, state)`, shared with every caller asking the same for the same tick.
 * @param tick - the tick's index (see {@link LiveList.due})
 * @param owner - part of the key when the state has a per-user scope (`getQueryset(user)`)
 */
export function sharedRead(query: ChangeListQuery<any, any>, state: ChangeListState, ids: readonly string[], owner: string, tick: number): Promise<ChangeListRow[]> {
  let entry = reads.get(query);
  if (!entry || entry.tick !== tick) reads.set(query, (entry = { tick, runs: new Map() }));
  const key = JSON.stringify([state.q, state.filters, state.date ?? null, state.scope ? owner : "", [...ids].sort()]);
  let run = entry.runs.get(key);
  if (!run) {
    const runs = entry.runs;
    run = query.fetchByIds(ids, state);
    run.catch(() => runs.delete(key));
    runs.set(key, run);
  }
  return run;
}

/** Forgets the shared re-reads of `query` (a publish arrived: they may predate its write). */
export function forgetReads(query: ChangeListQuery<any, any>): void {
  reads.delete(query);
}
