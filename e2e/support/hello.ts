// examples/hello's app served in this process on a free port, with a headless Chromium: the
// set-up of the specs that drive the hello app's pages.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { buildApp } from "../../examples/hello/src/app.js";
import { launchBrowser } from "./browser.js";

/** What {@link useHelloApp} gives a spec file; read it in hooks and tests (it is set in beforeAll). */
export interface HelloSession {
  /** the app (its Fastify instance) */
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly browser: Browser;
}

/**
 * The hello app (`buildApp(secret, options)`) and a Chromium for the calling spec file: registers
 * a beforeAll that starts both and an afterAll that closes them. Call it at the top level of the
 * file, before the file's own hooks that use it.
 */
export function useHelloApp(secret: string, options?: Parameters<typeof buildApp>[1]): HelloSession {
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let base = "";
  let browser: Browser | undefined;
  beforeAll(async () => {
    app = await buildApp(secret, options);
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  return {
    get app() {
      if (!app) throw new Error("useHelloApp: read it in a hook or a test");
      return app;
    },
    get base() {
      if (!base) throw new Error("useHelloApp: read it in a hook or a test");
      return base;
    },
    get browser() {
      if (!browser) throw new Error("useHelloApp: read it in a hook or a test");
      return browser;
    },
  };
}
