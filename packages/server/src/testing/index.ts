import { decodeServerFrame, encodeFrame, htmlAfter, type ServerFrame } from "@weft/client/codec";
import { S_ERROR, S_NAVIGATE, S_PATCH, S_PUSH, S_REDIRECT } from "@weft/client/protocol";
import { ViewRegistry } from "../live/registry.js";
import { ViewRuntime } from "../live/runtime.js";
import type { LiveServices, Logger } from "../live/services.js";
import type { Payload, Session } from "../live/types.js";
import type { LiveView, LiveViewClass } from "../live/view.js";
import type { ChannelLayer } from "../pubsub/channel-layer.js";
import { MemoryChannelLayer } from "../pubsub/memory.js";
import { newDomId } from "../live/page.js";
import { Templates } from "../render/templates.js";
import { randomSecret } from "../transport/plugin.js";
import { TokenSigner } from "../live/token.js";

export { startRedisServer, type RedisServer } from "./redis.js";

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
}

/** An error frame the view sent, as {@link LiveTest.errors} lists them. */
export interface TestError {
  code: string;
  message: string;
}

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * A connected view without a browser, as Phoenix's LiveViewTest: it speaks the real
 * protocol to the real runtime and rebuilds the HTML from the frames it receives, so what
 * `html()` returns is what a browser would show.
 */
export class LiveTest<V extends LiveView<any, any> = LiveView<any, any>> {
  /** events pushed to client hooks (`pushEvent`) */
  readonly pushed: Array<{ event: string; payload: Payload }> = [];
  /** `pushPatch` URLs, in order */
  readonly patches: string[] = [];
  /** `redirect` / `pushNavigate` URL, if any (a live navigation or a full load) */
  redirectedTo?: string;
  /** error frames received */
  readonly errors: TestError[] = [];
  /** every frame received, encoded as the socket would send it */
  readonly frames: string[] = [];
  private current = "";
  private seq = 0;

  /** @internal */
  constructor(readonly runtime: ViewRuntime) {}

  /** The view instance (read its assigns in assertions). */
  get view(): V {
    return this.runtime.view as V;
  }

  /** The view's current inner HTML, as the browser would have it. */
  html(): string {
    return this.current;
  }

  /**
   * Sends an event as the browser would (`lv-click="name"` with `lv-value-*` as payload)
   * and waits for its reply. Resolves to the HTML afterwards.
   */
  async event(name: string, payload: Payload = {}): Promise<string> {
    await this.runtime.event(++this.seq, name, JSON.parse(JSON.stringify(payload)));
    await this.runtime.idle();
    return this.current;
  }

  /** Simulates an `lv-patch` navigation / back button: `handleParams` with the new URL. */
  async patch(url: string): Promise<string> {
    await this.runtime.params(new URL(url, this.view.ctx.url));
    await this.runtime.idle();
    return this.current;
  }

  /** Delivers a message to `handleInfo` and waits for the render. */
  async info(msg: unknown): Promise<string> {
    await this.runtime.info(msg);
    await this.runtime.idle();
    return this.current;
  }

  /** Waits until queued work (pubsub messages, timers that fired) is rendered. */
  async settle(): Promise<string> {
    await this.runtime.idle();
    return this.current;
  }

  /** Leaves: runs `terminate` and unsubscribes. */
  async close(): Promise<void> {
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
  }
}

/**
 * Mounts a view connected, as after a browser join, and returns a {@link LiveTest} to drive it.
 * @throws whatever `mount` throws; UnauthorizedError when `authorize` refuses
 */
export async function mountLive<V extends LiveView<any, any>>(cls: LiveViewClass<V>, opts: MountLiveOptions = {}): Promise<LiveTest<V>> {
  const services: LiveServices = {
    registry: new ViewRegistry(),
    templates: new Templates(opts.views),
    signer: new TokenSigner(randomSecret()),
    pubsub: opts.pubsub ?? new MemoryChannelLayer(),
    context: opts.context ?? {},
    log: quiet,
  };
  services.registry.register(cls);
  let test!: LiveTest<V>;
  const runtime = new ViewRuntime(1, services, { send: (f) => test.receive(f), congested: () => false });
  test = new LiveTest<V>(runtime);
  await runtime.join(cls, opts.session ?? { id: "test-session" }, new URL(opts.url ?? "http://localhost/"), opts.props ?? {}, newDomId(), []);
  return test;
}
