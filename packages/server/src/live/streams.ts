import { streamFrame, type StreamFrame, type StreamInsert } from "@weft/client/codec";
import { A_STREAM } from "@weft/client/protocol";
import { weftError } from "../errors.js";
import type { LiveServices } from "./services.js";

/**
 * How one stream's items render and are keyed: a view declares it in `static streams`, as
 * Phoenix's `stream_configure/3` plus the `:for` body of the container.
 * @typeParam T - the item type
 */
export interface StreamConfig<T = any> {
  /** Eta template of one item (`it` = `{ item, id, assigns }`); its one root element should carry `id="<%= it.id %>"` */
  template?: string | URL;
  /** renders one item instead of a template (its one root element; the client sets its `id`) */
  render?(item: T, domId: string): string;
  /** the item's DOM id (default: `${name}-${item.id}`) */
  domId?(item: T): string;
}

/** Options of `stream` / `streamInsert`, as Phoenix's `stream/4` and `stream_insert/4`. */
export interface StreamOptions {
  /** where each item goes on the client: `-1` (default) appends, `0` prepends, `n` before the n-th item. Items are inserted one by one, so a list inserted at 0 ends up reversed, as in Phoenix. */
  at?: number;
  /** after each insert, keep at most |limit| items: `n > 0` keeps the first n (trims the end), `n < 0` the last -n (trims the start) */
  limit?: number;
  /** clear the container first (`stream` only) */
  reset?: boolean;
}

/** A stream's operations since the last render; items are rendered and dropped when sent. */
interface Pending {
  reset: boolean;
  deletes: string[];
  inserts: Array<[domId: string, at: number, item: unknown, limit?: number]>;
}

/** @internal the property of a view holding its {@link StreamBuffer} */
export const STREAMS = Symbol("weft.streams");

const MAX_DOM_ID = 256;
/** a stream name: it is written into the container's attribute and the client's selector */
const NAME = /^[A-Za-z_][\w-]{0,63}$/;

/**
 * One view's pending stream operations. The server keeps only what was asked since the
 * last render; the items themselves live in the browser (and, rendered, in their frames until sent).
 * @internal
 */
export class StreamBuffer {
  private pending = new Map<string, Pending>();

  constructor(
    readonly configs: Readonly<Record<string, StreamConfig>>,
    private view: string,
  ) {}

  /**
   * Queues `items` for stream `name` (validated first: a refused call queues nothing).
   * @throws WeftError `WEFT_ERR_STREAM_NOT_CONFIGURED`, `WEFT_ERR_STREAM_OPTION`, `WEFT_ERR_STREAM_ITEM_ID`
   */
  insert(name: string, items: Iterable<unknown>, opts: StreamOptions): void {
    const cfg = this.config(name);
    const at = opts.at ?? -1;
    const limit = opts.limit;
    if (!Number.isSafeInteger(at) || at < -1) throw weftError("WEFT_ERR_STREAM_OPTION", `weft: ${this.view}: stream "${name}": \`at\` must be an integer ≥ -1 (-1 appends, 0 prepends), got ${String(at)}`);
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit === 0)) throw weftError("WEFT_ERR_STREAM_OPTION", `weft: ${this.view}: stream "${name}": \`limit\` must be a non-zero integer (n keeps the first n items, -n the last n), got ${String(limit)}`);
    if (items === null || typeof (items as Iterable<unknown>)?.[Symbol.iterator] !== "function" || typeof items === "string") throw weftError("WEFT_ERR_STREAM_OPTION", `weft: ${this.view}: stream "${name}": items must be an array (or another iterable) of objects`);
    const ids = [...items].map((item) => [this.domId(name, cfg, item), item] as const);
    const p = opts.reset ? this.fresh(name, true) : this.of(name);
    for (const [id, item] of ids) p.inserts.push(limit === undefined ? [id, at, item] : [id, at, item, limit]);
  }

  /**
   * Queues the removal of an item (or of a DOM id) from stream `name`.
   * @throws WeftError `WEFT_ERR_STREAM_NOT_CONFIGURED`, `WEFT_ERR_STREAM_ITEM_ID`
   */
  delete(name: string, item: unknown): void {
    const cfg = this.config(name);
    const id = typeof item === "string" ? checkId(item, this.view, name) : this.domId(name, cfg, item);
    const p = this.of(name);
    p.inserts = p.inserts.filter((i) => i[0] !== id);
    p.deletes.push(id);
  }

  /** On a join: the mount re-sends its streams, so each one it filled replaces what the page had. */
  resetAll(): void {
    for (const p of this.pending.values()) p.reset = true;
  }

  /** Whether anything waits to be sent. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Renders and hands over every stream's pending operations, then forgets them.
   * @param render - renders one item of a stream (see {@link renderItem})
   */
  take(render: (name: string, item: unknown, domId: string) => string): Array<[name: string, reset: boolean, deletes: string[], inserts: StreamInsert[]]> {
    const out: Array<[string, boolean, string[], StreamInsert[]]> = [];
    for (const [name, p] of this.pending) {
      out.push([name, p.reset, p.deletes, p.inserts.map(([id, at, item, limit]) => (limit === undefined ? [id, at, render(name, item, id)] : [id, at, render(name, item, id), limit]))]);
    }
    this.pending.clear();
    return out;
  }

  private config(name: string): StreamConfig {
    const cfg = typeof name === "string" && NAME.test(name) && Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
    if (!cfg || (!cfg.template && typeof cfg.render !== "function")) {
      throw weftError("WEFT_ERR_STREAM_NOT_CONFIGURED", `weft: ${this.view}: no stream "${String(name).slice(0, 64)}": a stream's name is a letter or _ then up to 63 letters, digits, _ or -; declare it in \`static streams = { ${String(name).slice(0, 64)}: { template: "item.eta" } }\` (or give it a render(item, domId) function)`);
    }
    return cfg;
  }

  private domId(name: string, cfg: StreamConfig, item: unknown): string {
    if (typeof item !== "object" || item === null) throw weftError("WEFT_ERR_STREAM_ITEM_ID", `weft: ${this.view}: stream "${name}": items must be objects, got ${item === null ? "null" : typeof item}`);
    if (cfg.domId) return checkId(cfg.domId(item), this.view, name);
    const id = (item as { id?: unknown }).id;
    if (id === undefined || id === null || id === "") throw weftError("WEFT_ERR_STREAM_ITEM_ID", `weft: ${this.view}: stream "${name}": an item has no \`id\`: give it one, or give the stream a domId(item) function`);
    return checkId(`${name}-${String(id)}`, this.view, name);
  }

  private of(name: string): Pending {
    return this.pending.get(name) ?? this.fresh(name, false);
  }

  private fresh(name: string, reset: boolean): Pending {
    const p: Pending = { reset, deletes: [], inserts: [] };
    this.pending.set(name, p);
    return p;
  }
}

function checkId(id: unknown, view: string, name: string): string {
  if (typeof id !== "string" || id === "" || id.length > MAX_DOM_ID) throw weftError("WEFT_ERR_STREAM_ITEM_ID", `weft: ${view}: stream "${name}": a DOM id must be a non-empty string of at most ${MAX_DOM_ID} characters, got ${JSON.stringify(id)?.slice(0, 40)}`);
  return id;
}

/**
 * Renders one stream item with its stream's config: `render(item, domId)`, else the template
 * with `it = { item, id, assigns }`; trimmed, as the browser keeps only the element (so the
 * HTTP render and the browser's DOM hold the same nodes, and a template's last newline is not sent).
 */
export function renderItem(services: LiveServices, cfg: StreamConfig, item: unknown, domId: string, assigns: object): string {
  return (cfg.render ? cfg.render(item, domId) : services.templates.render(cfg.template!, { item, id: domId, assigns })).trim();
}

/**
 * How much item HTML one `stream` frame carries at most (UTF-16 code units, about bytes for
 * ASCII): a long stream goes in several frames, so the socket's back-pressure (`maxBufferedBytes`)
 * can hold the rest instead of one frame passing `dropBufferedBytes`. A single larger item still
 * goes alone in its frame.
 */
export const STREAM_FRAME_CHARS = 64 * 1024;

/**
 * The `stream` frames of a connected view's pending operations (rendered now, then forgotten).
 * A stream whose items are more than {@link STREAM_FRAME_CHARS} of HTML is split: the first
 * frame carries its reset and deletes, each frame a run of its inserts, in order.
 * @param buffer - the view's buffer, if it ever streamed
 */
export function streamFrames(services: LiveServices, buffer: StreamBuffer | undefined, assigns: object, ref: number, maxChars = STREAM_FRAME_CHARS): StreamFrame[] {
  if (!buffer?.size) return [];
  const frames: StreamFrame[] = [];
  for (const [name, reset, dels, ins] of buffer.take((name, item, id) => renderItem(services, buffer.configs[name]!, item, id, assigns))) {
    let run: StreamInsert[] = [];
    let chars = 0;
    let first = true;
    const cut = () => {
      frames.push(first ? streamFrame(ref, name, reset, dels, run) : streamFrame(ref, name, false, [], run));
      first = false;
      run = [];
      chars = 0;
    };
    for (const i of ins) {
      if (run.length && chars + i[2].length > maxChars) cut();
      run.push(i);
      chars += i[2].length;
    }
    if (run.length || first) cut();
  }
  return frames;
}

/** A stream's items as the browser holds them: `[domId, html]` in order. */
export type StreamItems = Array<[domId: string, html: string]>;

/**
 * Applies one stream frame's operations to a list of items, as the browser runtime applies
 * them to the container's children (packages/client/src/streams.ts): reset, deletes, then
 * each insert (an existing id is replaced in place) with its limit. Used by the disconnected
 * render and the test helper.
 */
export function applyStreamOps(items: StreamItems, reset: boolean, deletes: string[], inserts: StreamInsert[]): StreamItems {
  const gone = new Set(deletes);
  const list = reset ? [] : items.filter(([id]) => !gone.has(id));
  const ids = new Set(list.map(([id]) => id));
  for (const [id, at, html, limit] of inserts) {
    if (ids.has(id)) list[list.findIndex(([k]) => k === id)] = [id, html];
    else if (at < 0 || at >= list.length) list.push([id, html]);
    else list.splice(at, 0, [id, html]);
    ids.add(id);
    if (limit) while (list.length > Math.abs(limit)) ids.delete((limit > 0 ? list.pop() : list.shift())![0]);
  }
  return list;
}

/**
 * Puts each stream's items into its `lv-stream="name"` container of `html` (right after the
 * container's opening tag, which the view's template renders empty). A stream whose
 * container is not in the HTML is not shown.
 */
export function fillContainers(html: string, streams: ReadonlyMap<string, StreamItems>): string {
  for (const [name, items] of streams) {
    if (!NAME.test(name)) continue;
    const m = new RegExp(`\\s${A_STREAM}="${name}"[^>]*>`).exec(html);
    if (!m || !items.length) continue;
    const at = m.index + m[0].length;
    html = html.slice(0, at) + items.map(([, h]) => h).join("") + html.slice(at);
  }
  return html;
}

/** The disconnected render's streams: the mount's pending operations, rendered into their containers. */
export function fillStreams(services: LiveServices, buffer: StreamBuffer | undefined, assigns: object, html: string): string {
  const streams = new Map<string, StreamItems>();
  for (const f of streamFrames(services, buffer, assigns, 1, Infinity)) streams.set(f[2], applyStreamOps(streams.get(f[2]) ?? [], f[3] === 1, f[4], f[5]));
  return fillContainers(html, streams);
}
