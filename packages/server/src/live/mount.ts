import { WeftError } from "../errors.js";
import type { LiveServices } from "./services.js";
import type { Params, Session } from "./types.js";
import { runOnMount } from "./sessions.js";
import { traceAsync, weftChannels } from "./telemetry.js";
import { DRIVER, type LiveView, type LiveViewClass, type ViewDriver } from "./view.js";

/**
 * `WEFT_ERR_UNAUTHORIZED`: thrown by the mount when the view's `authorize` refused the session
 * (also yours to throw from `mount` or a handler). HTTP: 403; socket: `unauthorized`.
 */
export class UnauthorizedError extends WeftError {
  constructor(view: string) {
    super("WEFT_ERR_UNAUTHORIZED", `weft: ${view} refused the session`);
  }
}

/**
 * `WEFT_ERR_NOT_FOUND`: the thing a view was asked to show does not exist. Throw it from
 * `mount`. HTTP: 404; socket: `unauthorized`.
 */
export class NotFoundError extends WeftError {
  constructor(what = "not found") {
    super("WEFT_ERR_NOT_FOUND", what);
  }
}

/** What a mount needs to know. */
export interface MountInput {
  cls: LiveViewClass;
  session: Session;
  params: Params;
  url: URL;
  connected: boolean;
}

/**
 * Builds `params` as Phoenix does: the query string (last value wins) overlaid with the
 * route params or child props.
 */
export function paramsOf(url: URL, extra: Record<string, unknown> = {}): Params {
  const p: Params = {};
  for (const [k, v] of url.searchParams) p[k] = v;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) p[k] = String(v);
  return p;
}

/**
 * Creates a view, runs its live session's `onMount` hooks, checks `authorize`, runs `mount`
 * and `handleParams`. The one path used by the HTTP render, the WebSocket join, live
 * navigation and the test harness.
 * @throws UnauthorizedError when an `onMount` hook or `authorize` returns false; whatever a
 *   hook or `mount` throws
 */
export async function mountView(services: LiveServices, input: MountInput, driver?: ViewDriver): Promise<LiveView<any, any>> {
  const { cls, session, params, url, connected } = input;
  const view = new cls();
  view.session = session;
  view.ctx = Object.assign(Object.create(services.context), { connected, url, pubsub: services.pubsub });
  const hooks = services.routes?.sessionOf(cls)?.onMount;
  if (hooks?.length && !(await runOnMount(hooks, view, params, session))) throw new UnauthorizedError(cls.name);
  if (cls.authorize && !(await cls.authorize(session, view.ctx, params))) throw new UnauthorizedError(cls.name);
  if (driver) view[DRIVER] = driver;
  const ctx = () => ({ view: services.registry.register(cls), connected });
  const assigns = await traceAsync(weftChannels.mount, ctx, () => view.mount(params, session));
  if (assigns) view.assigns = { ...view.assigns, ...assigns };
  if (view.handleParams) await traceAsync(weftChannels.handleParams, ctx, () => view.handleParams!(params, url));
  return view;
}
