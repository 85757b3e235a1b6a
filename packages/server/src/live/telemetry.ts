import { tracingChannel, type TracingChannel } from "node:diagnostics_channel";

/**
 * What a weft tracing channel's events carry (the same object for `start`, `end`,
 * `asyncStart`, `asyncEnd` and `error` of one call), as fastify's `tracing:fastify.request.handler`.
 */
export interface WeftTraceContext {
  /** the view's registered id (`static id`, or the class name in kebab-case) */
  view: string;
  /** false on the HTTP render, true once joined over the socket */
  connected: boolean;
  /** the view's ref on its socket (connected views only) */
  ref?: number;
  /** the event's name (`weft.event` only) */
  event?: string;
  /** how long the call took, in ms (high resolution); set before `end` (sync) / `asyncEnd` (async) is published */
  duration?: number;
  /** set by diagnostics_channel when the call threw (`error` event) */
  error?: unknown;
}

/**
 * Weft's tracing channels (`node:diagnostics_channel`), as fastify publishes
 * `tracing:fastify.request.handler`: subscribe with `tracingChannel("weft.mount").subscribe({ start, end, asyncEnd, error })`
 * or to one event's channel, `tracing:weft.mount:asyncEnd`. Each call is traced only while
 * somebody subscribes (`hasSubscribers`); otherwise it costs one property read.
 *
 * - `weft.mount`: a view's `mount` (HTTP render and join)
 * - `weft.handleParams`: `handleParams` after mount, on `lv-patch`, back/forward and `pushPatch`
 * - `weft.event`: one browser event's handler (`event` names it)
 * - `weft.handleInfo`: one `handleInfo` message (pubsub, `sendInfo`)
 * - `weft.render`: one render of a view's template or `render()`
 * - `weft.diff`: the delta against the last HTML sent (connected views)
 */
export const weftChannels = {
  mount: tracingChannel<unknown, WeftTraceContext>("weft.mount"),
  handleParams: tracingChannel<unknown, WeftTraceContext>("weft.handleParams"),
  event: tracingChannel<unknown, WeftTraceContext>("weft.event"),
  handleInfo: tracingChannel<unknown, WeftTraceContext>("weft.handleInfo"),
  render: tracingChannel<unknown, WeftTraceContext>("weft.render"),
  diff: tracingChannel<unknown, WeftTraceContext>("weft.diff"),
} as const;

type Channel = TracingChannel<unknown, WeftTraceContext>;

/**
 * Runs `fn` traced on `ch` when it has subscribers (else just runs it): publishes
 * start / end / asyncStart / asyncEnd / error with `ctx()` plus the duration in ms.
 * @internal
 */
export function traceAsync<T>(ch: Channel, ctx: () => WeftTraceContext, fn: () => T | Promise<T>): T | Promise<T> {
  if (!ch.hasSubscribers) return fn();
  const c = ctx();
  const t0 = performance.now();
  return ch.tracePromise(async () => {
    try {
      return await fn();
    } finally {
      c.duration = performance.now() - t0;
    }
  }, c);
}

/** As {@link traceAsync} for a synchronous call (start / end / error). @internal */
export function traceSync<T>(ch: Channel, ctx: () => WeftTraceContext, fn: () => T): T {
  if (!ch.hasSubscribers) return fn();
  const c = ctx();
  const t0 = performance.now();
  return ch.traceSync(() => {
    try {
      return fn();
    } finally {
      c.duration = performance.now() - t0;
    }
  }, c);
}
