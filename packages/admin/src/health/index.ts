/**
 * The admin's live-updates health banner: while the channel layer is unreachable (Redis down),
 * every admin page shows "Live updates are paused: reconnecting to Redis…", and the banner goes
 * away by itself when the layer is back.
 *
 * It is a small LiveView rendered by the admin shell (`it.liveRender(it.healthView, …)`). It
 * listens to `pubsub.onHealthChange`, which is local to the process (it does not travel through
 * Redis, which is precisely what may be down), and reads `pubsub.healthy` afresh on every change.
 */
import { type ChannelLayer, RedisChannelLayer } from "@weft/server/pubsub";
import { AdminView } from "../shell/base.js";

/** What the banner shows. */
export interface HealthAssigns {
  /** the channel layer is reachable: the banner renders nothing */
  healthy: boolean;
  /** the headline, e.g. "Live updates are paused: reconnecting to Redis…" (empty when healthy) */
  message: string;
  /** the line below it (empty when healthy) */
  detail: string;
}

/** The message the view sends itself when the layer's health changes. */
const HEALTH_CHANGED = Object.freeze({ type: "weft.health-changed" });

/**
 * How `layer`'s health reads for staff: nothing while healthy; otherwise which transport is being
 * (re)connected to and what still works.
 *
 * @param layer - the channel layer of this process
 * @returns the banner's assigns
 */
export function describeHealth(layer: ChannelLayer): HealthAssigns {
  if (layer.healthy) return { healthy: true, message: "", detail: "" };
  let message = "Live updates are paused: reconnecting to the channel layer…";
  if (layer instanceof RedisChannelLayer) {
    message = layer.status === "connecting" ? "Live updates are paused: connecting to Redis…" : "Live updates are paused: reconnecting to Redis…";
  }
  return { healthy: false, message, detail: "Pages still open and save; changes made elsewhere meanwhile show after a reload." };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The degraded banner of the admin shell. Renders nothing while the channel layer is healthy;
 * while it is not, a `role="status"` banner with {@link describeHealth}'s message. Re-renders on
 * every `onHealthChange` of this process's layer, so it appears and disappears without a reload.
 */
export class HealthBanner extends AdminView<HealthAssigns> {
  static title = "Live updates";
  private off: (() => void) | undefined;

  mount(): HealthAssigns {
    // listen first, then read: a change between the two is not missed
    if (this.ctx.connected) this.off = this.ctx.pubsub.onHealthChange(() => this.sendInfo(HEALTH_CHANGED));
    return describeHealth(this.ctx.pubsub);
  }

  handleInfo(msg: unknown): void {
    // read the layer's state now rather than the listener's argument: quick flaps coalesce
    if (msg === HEALTH_CHANGED) this.assign(describeHealth(this.ctx.pubsub));
  }

  terminate(): void {
    this.off?.();
    this.off = undefined;
  }

  render(it: Readonly<HealthAssigns>): string {
    if (it.healthy) return "";
    return `<div class="health-banner" role="status" aria-live="polite"><span class="health-dot" aria-hidden="true"></span><span><strong class="health-message">${esc(it.message)}</strong> <span class="health-detail">${esc(it.detail)}</span></span></div>`;
  }
}
