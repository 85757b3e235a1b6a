/**
 * What a connected view sends after it changed: the render as a delta against the last HTML
 * sent (shared with the same-state views of its class, see fanout.ts), its streams' operations
 * and its page title. While the outbox is congested nothing of it goes: the view stays dirty and
 * stream frames are held, in order, ahead of any later render.
 */
import { errorFrame, replyFrame, titleFrame, type ServerFrame } from "@weft/client/codec";
import { E_INVALID_PAYLOAD, E_SERVER } from "@weft/client/protocol";
import { PayloadError, replyOf } from "./handlers.js";
import { encodeUpdate } from "../render/diff.js";
import { LastHtml } from "./last-html.js";
import { fanoutOf, type Fanout } from "./fanout.js";
import { STREAMS, streamFrames } from "./streams.js";
import { traceSync, weftChannels, type WeftTraceContext } from "./telemetry.js";
import type { LiveServices } from "./services.js";
import type { Payload } from "./types.js";
import type { LiveView, LiveViewClass } from "./view.js";

/** Where a connected view's frames go: a socket, or the test harness. @internal */
export interface Outbox {
  /** sends a frame built by `@weft/client/codec`'s constructors */
  send(frame: ServerFrame): void;
  /** true while the socket's unsent bytes are over the bound: renders wait, the view stays dirty */
  congested(): boolean;
}

/**
 * What the output uses of its view's runtime: the runtime itself (fields and methods, no
 * adapter object: one with a closure per member was ~0.4 KiB per connected view). @internal
 */
export interface OutputHost {
  /** where the frames go */
  readonly outbox: Outbox;
  /** the mounted view */
  readonly view: LiveView<any, any>;
  /** what the view's telemetry events carry */
  trace(): WeftTraceContext;
  /** whether the view's render depends on more than its assigns and flash (children, components, streams) */
  solo(): boolean;
  /** renders the view's inner HTML */
  render(): string;
}

/** The sending side of one connected view (see the file's comment). @internal */
export class ViewOutput {
  /** last HTML sent to the client (a shared base and a delta, see last-html.ts); empty before the first render */
  readonly sent = new LastHtml();
  /** whether the view changed since its last render was sent */
  dirty = false;
  /** the `pageTitle` the client shows (undefined: none sent) */
  private title?: unknown;
  /** stream frames held while the outbox is congested, in order; renders wait behind them */
  private backlog: ServerFrame[] = [];

  constructor(
    private readonly ref: number,
    private readonly services: LiveServices,
    private readonly host: OutputHost,
  ) {}

  /**
   * Sends the join's first render, `html`, as the frame `frame` builds; it becomes the base of the
   * next delta. `titled`: the frame carries the page title (live navigation's `mounted`).
   */
  joined(cls: LiveViewClass, html: string, frame: () => ServerFrame, titled: boolean): void {
    const fan = fanoutOf(this.services);
    this.sent.set(html, html, (h) => fan.intern(cls, h));
    this.dirty = false;
    if (titled) this.title = (this.host.view.assigns as { pageTitle?: unknown }).pageTitle;
    this.host.outbox.send(frame());
    this.sendStreams();
    this.sendTitle();
  }

  /** Answers event `seq` with the render it caused (unless held back) and the handler's reply. */
  reply(seq: number, reply?: Payload): void {
    const held = !this.drainBacklog() || this.host.outbox.congested();
    const update = this.dirty && !held ? this.update().update : undefined;
    this.host.outbox.send(replyFrame(this.ref, seq, update, reply));
    if (!held) this.sendStreams();
    this.sendTitle();
  }

  /** Answers event `seq` with the render it caused and the `{ reply }` of its handler's `result` (named `name`, for `target`). */
  answer(seq: number, result: unknown, name: string, target: string | undefined): void {
    let reply: Payload | undefined;
    try {
      reply = replyOf(result, name);
    } catch (err) {
      return this.failed(err, seq, name, target);
    }
    this.reply(seq, reply);
  }

  /** Answers event `seq` whose handler (or its payload's validation) threw `err`: `invalid_payload`, or logged and `server_error`. */
  failed(err: unknown, seq: number, name: string, target: string | undefined): void {
    if (err instanceof PayloadError) return this.host.outbox.send(errorFrame(this.ref, E_INVALID_PAYLOAD, err.message, seq));
    this.services.log.error({ err, event: name, target }, "weft: event handler failed");
    this.host.outbox.send(errorFrame(this.ref, E_SERVER, "something went wrong", seq));
  }

  /** Sends held stream frames, then the newest render if the view is dirty, while the outbox has room. */
  flush(): void {
    // held stream frames go first; a render never overtakes them
    if (!this.drainBacklog()) return;
    if (!this.dirty || this.host.outbox.congested()) return;
    const { update, entry } = this.update();
    if (update !== undefined) this.host.outbox.send(fanoutOf(this.services).frame(entry, this.ref, update));
    this.sendTitle();
    this.sendStreams();
  }

  /** Whether anything waits to be sent: a render, or held stream frames. */
  pending(): boolean {
    return this.dirty || this.backlog.length > 0;
  }

  /** Drops the held stream frames (the view stopped). */
  clear(): void {
    this.backlog = [];
  }

  /** Sends the `pageTitle` assign when it changed since the client last got it. */
  private sendTitle(): void {
    const t = (this.host.view.assigns as { pageTitle?: unknown }).pageTitle;
    if (typeof t === "string" && t !== this.title) this.host.outbox.send(titleFrame(this.ref, (this.title = t)));
  }

  /** Sends the streams' operations since the last render, after the render (which may have made their containers). */
  private sendStreams(): void {
    const view = this.host.view;
    this.backlog.push(...streamFrames(this.services, view[STREAMS], view.assigns, this.ref));
    this.drainBacklog();
  }

  /** Sends held stream frames while the outbox has room (the rest go on drain); true when none is left. */
  private drainBacklog(): boolean {
    while (this.backlog.length && !this.host.outbox.congested()) this.host.outbox.send(this.backlog.shift()!);
    return !this.backlog.length;
  }

  /** Renders and returns the delta or HTML to send, or undefined when nothing changed. */
  // (shared with the views of the same class in the same state this turn, see fanout.ts)
  private update(): ReturnType<Fanout["render"]> {
    this.dirty = false;
    const view = this.host.view;
    const fan = fanoutOf(this.services);
    const diff = weftChannels.diff.hasSubscribers ? (old: string, html: string) => traceSync(weftChannels.diff, () => this.host.trace(), () => encodeUpdate(old, html)) : encodeUpdate;
    const r = fan.render(view, this.sent.get(), this.host, diff);
    this.sent.set(r.html, r.update, (h) => fan.intern(view.constructor as LiveViewClass, h));
    return r;
  }
}
