/**
 * `@weft/server/testing`: helpers for users to test their own LiveViews without a browser
 * ({@link mountLive}, as Phoenix's LiveViewTest), and a Redis server for tests.
 */
import { ViewRegistry } from "../live/registry.js";
import type { LiveServices, Logger } from "../live/services.js";
import type { LiveView, LiveViewClass } from "../live/view.js";
import { MemoryChannelLayer } from "../pubsub/memory.js";
import { Templates } from "../render/templates.js";
import { randomSecret } from "../transport/plugin.js";
import { TokenSigner } from "../live/token.js";
import { mountWith, type LiveTest, type MountLiveOptions } from "./live-test.js";

export { LiveTest, type MountLiveOptions, type TestError } from "./live-test.js";
export { LiveElement, LiveForm } from "./elements.js";
export { freePort, startRedisServer, type RedisServer } from "./redis.js";
export { rootInner } from "./dom.js";

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * Mounts a view as a browser would meet it, and returns a {@link LiveTest} to drive it:
 * first the disconnected HTTP render (mount with `connected` false, nested views inlined; kept
 * as {@link LiveTest.staticHtml}), then the join with the token that render signed (mount
 * again, connected), then the joins of its nested views.
 * @throws whatever `mount` throws (or the render: e.g. WeftError `WEFT_ERR_COMPONENT_ID_DUPLICATE`); UnauthorizedError when `authorize` refuses
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
  for (const c of opts.register ?? []) services.registry.register(c);
  return mountWith(cls, opts, services);
}
