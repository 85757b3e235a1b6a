import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryChannelLayer } from "../src/pubsub/memory.js";
import { SessionAuthority } from "../src/transport/authority.js";
import type { SessionProvider } from "../src/transport/session.js";

afterEach(() => void vi.useRealTimers());

describe("a socket's expiry timer", () => {
  it("ends the session although the timer fires before Date.now() reaches the expiry", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const t0 = Date.now();
    const expiresAt = t0 + 300;
    // the provider's own rule: a session is valid until its expiry, on the wall clock
    const provider: SessionProvider = {
      ensure: async () => ({ id: "s" }),
      load: async () => null,
      reload: (s) => (Date.now() >= expiresAt ? null : { ...s, expiresAt }),
    };
    const log = { error() {}, warn() {}, info() {}, debug() {} } as never;
    const authority = new SessionAuthority(new MemoryChannelLayer(), provider, { cacheMs: 3_600_000, recheckMs: 3_600_000 }, log);
    const ended = vi.fn();
    authority.attach({ id: "s", expiresAt }, { ended, changed() {} });
    // the wall clock a millisecond behind the timers' clock, as when a timer fires early
    vi.setSystemTime(t0 - 1);
    await vi.advanceTimersByTimeAsync(300);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(ended).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ended).toHaveBeenCalledTimes(1);
    authority.close();
  });
});
