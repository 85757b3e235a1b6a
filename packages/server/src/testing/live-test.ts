/**
 * {@link LiveTest}: one connected view driven without a browser, over the real protocol and
 * the real runtime, and the mount that makes one (the disconnected render, then the join).
 */
import { decodeServerFrame, encodeFrame, htmlAfter, isReply, type ServerFrame } from "@weft/client/codec";
import { E_UNAUTHORIZED, S_CHUNK_NEXT, S_ERROR, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT, S_STREAM } from "@weft/client/protocol";
import { weftError } from "../errors.js";
import { findAll } from "./dom.js";
import { LiveElement, LiveForm } from "./elements.js";
import { renderDisconnected, newDomId } from "../live/page.js";
import { EMPTY_CHILD_ROOT, emptyChildRoots } from "../live/children.js";
import { applyStreamOps, fillContainers, type StreamItems } from "../live/streams.js";
import { ViewRuntime } from "../live/runtime.js";
import type { LiveServices } from "../live/services.js";
import type { Payload, Session } from "../live/types.js";
import type { LiveView, LiveViewClass } from "../live/view.js";
import type { ChannelLayer } from "../pubsub/channel-layer.js";

/** Options of {@link mountLive}. */
export interface MountLiveOptions {
  /** page URL (default `http://localhost/`); its query string reaches `mount` as params */
  url?: string;
  /** extra params (route params / child props) */
  props?: Record<string, unknown>;
  session?: Session;
  /** the application context (`this.ctx`) */
  context?: object;
  /** directory for relative template paths */
  views?: string;
  /** channel layer (default: a fresh MemoryChannelLayer) */
  pubsub?: ChannelLayer;
  /** view classes nested views name by id (`liveRender("child")`); classes passed to `liveRender` need not be listed */
  register?: LiveViewClass[];
}

/** An error frame the view sent, as {@link LiveTest.errors} lists them. */
export interface TestError {
  code: string;
  message: string;
}

/** What the views of one mountLive share: the server's services, the session, the refs. */
interface Harness {
  services: LiveServices;
  session: Session;
  opts: MountLiveOptions;
  ref: number;
}

/**
 * A connected view without a browser, as Phoenix's LiveViewTest: it speaks the real
 * protocol to the real runtime and rebuilds the HTML from the frames it receives, so what
 * `html()` returns is what a browser would show. Nested views are joined as the browser
 * joins them (each its own runtime, token verified) and appear inside their roots in `html()`;
 * LiveComponents render inside their parent's HTML.
 */
export class LiveTest<V extends LiveView<any, any> = LiveView<any, any>> {
  /** events pushed to client hooks (`pushEvent`) */
  readonly pushed: Array<{ event: string; payload: Payload }> = [];
  /** `pushPatch` URLs, in order */
  readonly patches: string[] = [];
  /** `redirect` / `pushNavigate` URL, if any (a live navigation or a full load) */
  redirectedTo?: string;
  /** reply values of events whose handler returned `{ reply: {…} }`, in order */
  readonly replies: Payload[] = [];
  /** error frames received */
  readonly errors: TestError[] = [];
  /** every frame received, encoded as the socket would send it */
  readonly frames: string[] = [];
  /**
   * The disconnected (HTTP) render of the page view: its root with the signed token and the
   * full HTML inside, nested views included, as a browser gets it before any script runs.
   * Undefined for nested views (their parent's holds them).
   */
  staticHtml?: string;
  /** every stream's items as the browser holds them (`[domId, html]`), by stream name */
  readonly streams = new Map<string, StreamItems>();
  private current = "";
  private seq = 0;
  private children = new Map<string, LiveTest>();
  private joins = new Set<Promise<void>>();
  /** upload entries made by {@link upload}, and the chunks the view asked for */
  private entries = 0;
  private asks: Array<[entry: number, offset: number, length: number]> = [];

  /** @internal */
  constructor(
    readonly runtime: ViewRuntime,
    private harness: Harness,
  ) {}

  /** The view instance (read its assigns in assertions). */
  get view(): V {
    return this.runtime.view as V;
  }

  /** The view's current inner HTML, as the browser would have it: stream items in their containers, nested views' HTML inside their roots. */
  html(): string {
    return fillContainers(this.current, this.streams).replace(EMPTY_CHILD_ROOT, (root, domId: string) => {
      const child = this.children.get(domId);
      return child ? root.slice(0, -6) + child.html() + "</div>" : root;
    });
  }

  /** The nested views joined so far, in the order their roots appear (each a LiveTest to drive or inspect). */
  liveChildren(): LiveTest[] {
    return emptyChildRoots(this.current).map((r) => this.children.get(r.domId)).filter((c): c is LiveTest => !!c);
  }

  /**
   * Sends an event as the browser would (`lv-click="name"` with `lv-value-*` as payload)
   * and waits for its reply. Resolves to the HTML afterwards.
   * @param target - a component id: the event goes to that LiveComponent (as `lv-target`)
   */
  async event(name: string, payload: Payload = {}, target?: string): Promise<string> {
    await this.runtime.event(++this.seq, name, JSON.parse(JSON.stringify(payload)), target);
    return this.settle();
  }

  /**
   * One element of the view's HTML (nested views included), by CSS selector, as Phoenix's
   * `element/3`. It is looked up when an action runs, in the HTML of that moment.
   * @param selector - a CSS selector (node-html-parser's engine: tags, ids, classes, attributes, combinators)
   * @param text - only elements whose text contains it (or matches the RegExp)
   */
  element(selector: string, text?: string | RegExp): LiveElement {
    return new LiveElement(this, selector, text);
  }

  /** A form of the view's HTML, by CSS selector, to `change` or `submit`, as Phoenix's `form/3`. */
  form(selector: string): LiveForm {
    return new LiveForm(this, selector);
  }

  /** Whether some element matches `selector` (and contains `text`), as Phoenix's `has_element?/3`. */
  has(selector: string, text?: string | RegExp): boolean {
    return findAll(this.html(), selector, text).length > 0;
  }

  /** Simulates an `lv-patch` navigation / back button: `handleParams` with the new URL. */
  async patch(url: string): Promise<string> {
    await this.runtime.params(new URL(url, this.view.ctx.url));
    return this.settle();
  }

  /** Delivers a message to `handleInfo` and waits for the render. */
  async info(msg: unknown): Promise<string> {
    await this.runtime.info(msg);
    return this.settle();
  }

  /** Waits until queued work (pubsub messages, timers that fired, nested views' joins) is rendered. */
  async settle(): Promise<string> {
    for (;;) {
      await this.runtime.idle();
      if (!this.joins.size) break;
      await Promise.all([...this.joins]);
    }
    for (const c of this.children.values()) await c.settle();
    return this.html();
  }

  /**
   * Waits for every `assignAsync` / `startAsync` task of the view (and of its nested views)
   * to end and its render to arrive, as Phoenix's `render_async/2`.
   * @param timeoutMs - the bound on the wait (ms; default 10,000), so a loader that never ends fails the test with a clear error instead of hanging it
   * @returns the HTML afterwards
   * @throws WeftError `WEFT_ERR_TEST_ASYNC_TIMEOUT` when a task is still running after `timeoutMs`
   */
  async renderAsync(timeoutMs = 10_000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(weftError("WEFT_ERR_TEST_ASYNC_TIMEOUT", `weft testing: renderAsync: an async task of ${this.view.constructor.name} is still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.runtime.asyncIdle(), bound]);
      await this.settle();
      for (const c of this.children.values()) await c.renderAsync(timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    return this.html();
  }

  /**
   * Mounts the view the last `redirect` / `pushNavigate` went to, as Phoenix's
   * `follow_redirect/3`: same session, context and channel layer, the redirect's URL (its query
   * string reaches `mount`).
   * @param cls - the view the redirect's route renders
   * @param props - its route params
   * @throws WeftError `WEFT_ERR_TEST_NO_REDIRECT` when the view did not redirect, or redirected off the site
   */
  async followRedirect<W extends LiveView<any, any>>(cls: LiveViewClass<W>, props: Record<string, unknown> = {}): Promise<LiveTest<W>> {
    if (this.redirectedTo === undefined) throw weftError("WEFT_ERR_TEST_NO_REDIRECT", "weft testing: followRedirect: the view did not redirect (no redirect or pushNavigate frame arrived)");
    const base = this.view.ctx.url;
    const url = new URL(this.redirectedTo, base);
    if (url.origin !== base.origin) throw weftError("WEFT_ERR_TEST_NO_REDIRECT", `weft testing: followRedirect: ${url.href} leaves the site (${base.origin})`);
    const { opts, session, services } = this.harness;
    return mountWith(cls, { ...opts, url: url.href, props, session }, services);
  }

  /**
   * Chooses files for the view's upload `name`, as a browser's `<input lv-upload>` would, and
   * sends every chunk the view asks for (as Phoenix's `file_input` + `render_upload`). Refused
   * files end up as entries with errors; an upload the view did not allow, in {@link errors}.
   * @param files - each file's name, content and MIME type (default "")
   * @returns the HTML once every accepted file arrived
   */
  async upload(name: string, files: ReadonlyArray<{ name: string; content: Buffer | string; type?: string }>): Promise<string> {
    const bytes = new Map<number, Buffer>();
    const list = files.map((f): [number, string, number, string] => {
      const b = Buffer.from(f.content);
      bytes.set(++this.entries, b);
      return [this.entries, f.name, b.length, f.type ?? ""];
    });
    await this.runtime.upload(name, list);
    for (let ask; (ask = this.asks.shift()); ) {
      const [entry, offset, length] = ask;
      const b = bytes.get(entry);
      if (b && length) await this.runtime.chunk(entry, b.subarray(offset, offset + length).toString("base64"));
    }
    await this.runtime.idle();
    return this.html();
  }

  /** Leaves: runs `terminate` and unsubscribes (nested views too). */
  async close(): Promise<void> {
    for (const c of this.children.values()) await c.close();
    await this.runtime.stop();
  }

  /** @internal */
  receive(frame: ServerFrame): void {
    this.frames.push(encodeFrame(frame));
    const m = decodeServerFrame(frame);
    this.current = htmlAfter(m, this.current) ?? this.current;
    if (m.type === S_PUSH) this.pushed.push({ event: m.event, payload: m.payload });
    if (m.type === S_PATCH) this.patches.push(m.url);
    if (m.type === S_REDIRECT || m.type === S_NAVIGATE) this.redirectedTo = m.url;
    if (m.type === S_ERROR) this.errors.push({ code: m.code, message: m.message });
    if (isReply(m) && m.reply) this.replies.push(m.reply);
    if (m.type === S_STREAM) this.streams.set(m.name, applyStreamOps(this.streams.get(m.name) ?? [], m.reset, m.deletes, m.inserts));
    if (m.type === S_CHUNK_NEXT) this.asks.push([m.entry, m.offset, m.length]);
    this.syncChildren();
  }

  /** The test of the view that owns `domId` (this one, or a nested one at any depth). @internal */
  owner(domId: string | undefined): LiveTest {
    if (domId === undefined) return this;
    for (const [id, c] of this.children) {
      if (id === domId) return c;
      const deeper = c.owner(domId);
      if (deeper !== c) return deeper;
    }
    return this;
  }

  /** Joins nested roots that appeared, leaves those that went, as the browser's morph does. */
  private syncChildren(): void {
    const seen = new Set<string>();
    for (const { domId, token } of emptyChildRoots(this.current)) {
      seen.add(domId);
      if (!this.children.has(domId)) this.joinChild(domId, token);
    }
    for (const [id, c] of this.children) {
      if (!seen.has(id)) {
        this.children.delete(id);
        void c.close();
      }
    }
  }

  private joinChild(domId: string, token: string): void {
    const h = this.harness;
    let child!: LiveTest;
    const rt = new ViewRuntime(++h.ref, h.services, { send: (f) => child.receive(f), congested: () => false });
    child = new LiveTest(rt, h);
    this.children.set(domId, child);
    const claims = h.services.signer.verify(token);
    const cls = h.services.registry.get(claims.v)!;
    const p = rt
      .join(cls, h.session, this.view.ctx.url, claims.p ?? {}, claims.i, [])
      .catch((err) => child.errors.push({ code: E_UNAUTHORIZED, message: String((err as Error).message) }))
      .then(() => void this.joins.delete(p));
    this.joins.add(p);
  }
}

/**
 * Mounts `cls` on the given services: the disconnected render, the join with the token it signed,
 * then the nested views' joins. {@link mountLive} makes the services; {@link LiveTest.followRedirect}
 * reuses its test's. @internal
 */
export async function mountWith<V extends LiveView<any, any>>(cls: LiveViewClass<V>, opts: MountLiveOptions, services: LiveServices): Promise<LiveTest<V>> {
  services.registry.register(cls);
  const session = opts.session ?? { id: "test-session" };
  const url = new URL(opts.url ?? "http://localhost/");
  const harness: Harness = { services, session, opts, ref: 0 };
  const staticHtml = await renderDisconnected(services, cls, { session, url, domId: newDomId(), props: (opts.props ?? {}) as never });
  // the join, as the socket does it: the token the page render signed names the view, its DOM id and props
  const claims = services.signer.verify(/lv-token="([^"]+)"/.exec(staticHtml)![1]!);
  let test!: LiveTest<V>;
  const runtime = new ViewRuntime(++harness.ref, services, { send: (f) => test.receive(f), congested: () => false });
  test = new LiveTest<V>(runtime, harness);
  test.staticHtml = staticHtml;
  await runtime.join(cls, session, url, claims.p ?? {}, claims.i, []);
  await test.settle();
  return test;
}
