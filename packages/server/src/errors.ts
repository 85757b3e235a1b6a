/**
 * Every error @weft/server throws at a developer: a {@link WeftError} with a stable `code`
 * (`WEFT_ERR_…`, listed in {@link weftErrorCodes}) and a message that says what to do. In the
 * manner of fastify's `lib/errors.js`: match on `err.code`, never on the wording.
 *
 * This module imports nothing, so every folder of the package may throw from it.
 * @packageDocumentation
 */

/**
 * Every code @weft/server throws, with when it is thrown. The codes are stable; the messages
 * may change.
 */
export const weftErrorCodes = Object.freeze({
  /** registration: `secret` is missing or not a string */
  WEFT_ERR_SECRET_MISSING: "the weft plugin was registered without a `secret`",
  /** registration (or `new TokenSigner`): `secret` is shorter than 32 characters */
  WEFT_ERR_SECRET_TOO_SHORT: "the weft plugin's `secret` is shorter than 32 characters",
  /** registration: an option has the wrong type or value; the message names it */
  WEFT_ERR_INVALID_OPTION: "an option of the weft plugin has the wrong type or value",
  /** registration: the weft plugin is registered a second time in the same app (or a child scope of it) */
  WEFT_ERR_ALREADY_REGISTERED: "the weft plugin was registered twice",
  /** registration: `helmet: { global: true }` while the app registered @fastify/helmet itself */
  WEFT_ERR_HELMET_CONFLICT: "app-wide security headers were asked for, but the app registered @fastify/helmet itself",
  /** registration: the browser runtime (@weft/client's dist/weft.js) is not built */
  WEFT_ERR_CLIENT_NOT_BUILT: "the browser runtime is not built",
  /** render: a relative template path, and the plugin has no `views` directory */
  WEFT_ERR_TEMPLATE_NO_VIEWS_DIR: "a relative template path without a `views` directory",
  /** render: the template file does not exist */
  WEFT_ERR_TEMPLATE_NOT_FOUND: "a template file does not exist",
  /** render: a view class has neither `static template` nor `render()` */
  WEFT_ERR_VIEW_NO_TEMPLATE: "a view has no template and no render()",
  /** `app.live`, `app.weft.register`, `liveRender`: two different view classes share one id */
  WEFT_ERR_VIEW_ID_TAKEN: "two view classes are registered under one id",
  /** render: `liveRender("id")` names a view id no class was registered under */
  WEFT_ERR_VIEW_NOT_REGISTERED: "liveRender names a view id that is not registered",
  /** `app.liveSession` / `app.live`: a live session declared twice or named before it is declared, or a view class put in two live sessions */
  WEFT_ERR_LIVE_SESSION: "a live session is declared twice or not at all, or a view is in two live sessions",
  /** render: `it.component(Cls, props)` without an `id` prop (a non-empty string or number of at most 128 characters) */
  WEFT_ERR_COMPONENT_ID_MISSING: "a component was rendered without an id",
  /** render: `it.component("Name", props)` names a component the view's `static components` does not declare */
  WEFT_ERR_COMPONENT_NOT_DECLARED: "a template names a component its view does not declare",
  /** render: one render of a view shows two components with the same id */
  WEFT_ERR_COMPONENT_ID_DUPLICATE: "two components of one view share an id",
  /** async: the reason of an `assignAsync` / `startAsync` task's AbortSignal (`AsyncCancelledError`, name `AbortError`): the view left, `cancelAsync`, or a newer task of the same name */
  WEFT_ERR_ASYNC_CANCELLED: "an async task was cancelled",
  /** `stream`, `streamInsert`, `streamDelete`: the view's `static streams` has no such stream (with a template or render) */
  WEFT_ERR_STREAM_NOT_CONFIGURED: "a stream is not declared in the view's static streams",
  /** `stream`, `streamInsert`: `at` is not an integer ≥ -1, `limit` not a non-zero integer, or the items are not iterable */
  WEFT_ERR_STREAM_OPTION: "a stream option has the wrong type or value",
  /** `stream`, `streamInsert`, `streamDelete`: an item is not an object, or has no usable DOM id */
  WEFT_ERR_STREAM_ITEM_ID: "a stream item has no usable DOM id",
  /** mount: a view's `authorize` refused the session ({@link UnauthorizedError}; HTTP 403) */
  WEFT_ERR_UNAUTHORIZED: "a view refused the session",
  /** mount: thrown by a view's `mount` when what it shows does not exist ({@link NotFoundError}; HTTP 404) */
  WEFT_ERR_NOT_FOUND: "a view's subject does not exist",
  /** join: a view token is forged, tampered, malformed or for another session (internal; the client gets `invalid_token`) */
  WEFT_ERR_TOKEN_INVALID: "a view token was refused",
  /** join: a genuine view token is past its expiry (internal; the client gets `expired_token`) */
  WEFT_ERR_TOKEN_EXPIRED: "a view token expired",
  /** socket: a frame that is not valid protocol (internal; the client gets `bad_frame`) */
  WEFT_ERR_BAD_FRAME: "a frame is not valid protocol",
  /** event: a payload refused by the handler's schema (internal; the client gets `invalid_payload`) */
  WEFT_ERR_INVALID_PAYLOAD: "an event payload failed its schema",
  /** `allowUpload`: an upload option has the wrong type or range; the message names it */
  WEFT_ERR_UPLOAD_OPTION: "an option of allowUpload has the wrong type or value",
  /** upload: a frame names an upload the view did not allow, or an entry twice (`UploadRefusedError`; the client gets `invalid_payload`) */
  WEFT_ERR_UPLOAD_REFUSED: "an upload frame was refused",
  /** event: a handler returned `{ reply }` whose value is not a plain object (internal; the client gets `server_error`) */
  WEFT_ERR_INVALID_REPLY: "an event handler's reply is not a plain object",
  /** render: a JS command (`JS.show(…)`, …) was given a bad argument; the message names it */
  WEFT_ERR_INVALID_JS: "a JS command has a bad argument",
  /** channel layer: the transport (Redis) is unreachable, closed or too slow (`ChannelLayerUnavailableError`) */
  WEFT_ERR_CHANNEL_UNAVAILABLE: "the channel layer is unavailable",
  /** jobs: the store holds `maxRecords` jobs and none is finished (`JobLimitError`) */
  WEFT_ERR_JOB_LIMIT: "too many job records",
  /** jobs: the owner holds their cap of unfinished jobs, overall or of that action (`JobQuotaError`; the admin answers 429) */
  WEFT_ERR_JOB_QUOTA: "a user holds their cap of running or queued jobs",
  /** jobs: the reason of a cancelled job's signal (`JobCancelledError`, name `AbortError`) */
  WEFT_ERR_JOB_CANCELLED: "the job was cancelled",
  /** jobs: a new job's id is taken (practically never: ids are random) */
  WEFT_ERR_JOB_ID_COLLISION: "a new job id is already taken",
  /** jobs: a queue was given a kind of job no handler is registered for (`queue.handle`) */
  WEFT_ERR_JOB_KIND: "no handler is registered for a kind of job",
  /** jobs: an action's `retries`, `retryDelayMs` or `retryBackoff` is not valid (`checkRetry`, at registration) */
  WEFT_ERR_JOB_RETRIES: "a job's retry options are not valid",
  /** jobs: a record kept changing under a write (20 compare-and-set attempts failed) */
  WEFT_ERR_JOB_WRITE_CONFLICT: "a job record kept changing under a write",
  /** `@weft/server/testing`: `element(selector)` / `form(selector)` matched no element, or more than one */
  WEFT_ERR_TEST_NO_ELEMENT: "a test helper's selector matched no element, or several",
  /** `@weft/server/testing`: `click()` on an element without `lv-click`, `change()` / `submit()` on a form without `lv-change` / `lv-submit` */
  WEFT_ERR_TEST_NO_BINDING: "the element has no binding for that action",
  /** `@weft/server/testing`: `change(values)` / `submit(values)` names a field the form does not have */
  WEFT_ERR_TEST_NO_FIELD: "a form value names a field the form does not have",
  /** `@weft/server/testing`: `followRedirect` without a redirect, or a redirect that leaves the site */
  WEFT_ERR_TEST_NO_REDIRECT: "followRedirect found no redirect to follow",
  /** `@weft/server/testing`: `renderAsync(timeoutMs)` found an async task still running after the bound */
  WEFT_ERR_TEST_ASYNC_TIMEOUT: "an async task did not end within renderAsync's bound",
  /** `@weft/server/testing`: the private redis-server could not be started or restarted */
  WEFT_ERR_TEST_REDIS: "the test helper could not start redis-server",
});

/** A code of {@link weftErrorCodes}. */
export type WeftErrorCode = keyof typeof weftErrorCodes;

/**
 * The base of every error weft throws at a developer (@weft/admin's too): `code` says which
 * one (`WEFT_ERR_…`, `WEFT_ADMIN_ERR_…`), the message says what to do. Subclasses keep their
 * own names (`UnauthorizedError`, `JobLimitError`…), so `instanceof` works on either.
 *
 * @example
 * try { await app.register(weft, opts) } catch (err) {
 *   if (err instanceof WeftError && err.code === "WEFT_ERR_SECRET_TOO_SHORT") …
 * }
 */
export class WeftError extends Error {
  /** the stable code (`WEFT_ERR_…` or `WEFT_ADMIN_ERR_…`) */
  readonly code: string;

  /**
   * @param code - the stable code
   * @param message - what went wrong and what to do
   * @param options - `cause`, when another error is behind this one
   */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Makes a {@link WeftError} for one of {@link weftErrorCodes}: the one factory every bare
 * error of @weft/server goes through.
 * @internal
 */
export function weftError(code: WeftErrorCode, message: string, options?: ErrorOptions): WeftError {
  return new WeftError(code, message, options);
}
