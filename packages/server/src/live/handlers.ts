/**
 * Calling a view's (or component's) event handler: its payload validated first when the handler
 * declares a schema (`on(schema, fn)`), and the `{ reply }` it may return for the client hook.
 */
import { WeftError, weftError } from "../errors.js";
import type { Payload } from "./types.js";
import type { LiveView } from "./view.js";

/** `WEFT_ERR_INVALID_PAYLOAD`: a payload rejected by an event's schema (answered `invalid_payload`). */
export class PayloadError extends WeftError {
  constructor(message: string) {
    super("WEFT_ERR_INVALID_PAYLOAD", message);
  }
}

/** Whether `x` is a promise (or any thenable): what a handler that awaits returns. @internal */
export const thenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as { then?: unknown } | null)?.then === "function";

type Validated = Awaited<ReturnType<Exclude<LiveView["events"][string], Function>["schema"]["~standard"]["validate"]>>;

/**
 * Runs a handler (validating its payload first) and returns what it returned: a promise only
 * when the handler or its schema's validation is asynchronous (a synchronous handler, most of
 * them, answers in the same turn, without a promise per event).
 * @throws PayloadError when the payload fails the handler's schema (or rejects with it, when
 *   asynchronous); whatever the handler throws
 */
export function callHandler(handler: LiveView["events"][string], payload: Payload): unknown {
  if (typeof handler === "function") return handler(payload);
  const validated = handler.schema["~standard"].validate(payload);
  const handle = (result: Validated) => {
    if (result.issues) throw new PayloadError(result.issues.map((i) => i.message).join("; ").slice(0, 500));
    return handler.handle(result.value);
  };
  return validated instanceof Promise ? validated.then(handle) : handle(validated);
}

/**
 * The reply value of a handler's result: `{ reply: {…} }` gives the object to the hook that
 * pushed the event (as Phoenix's `{:reply, map, socket}`); any other result gives none.
 * @throws WeftError `WEFT_ERR_INVALID_REPLY` when `reply` is not a plain JSON object (the
 *   client gets `server_error`; the log says which event)
 */
export function replyOf(result: unknown, event: string): Payload | undefined {
  if (typeof result !== "object" || result === null || !Object.hasOwn(result, "reply")) return undefined;
  const r = (result as { reply: unknown }).reply;
  if (typeof r === "object" && r !== null && !Array.isArray(r) && Object.getPrototypeOf(r) === Object.prototype) return r as Payload;
  throw weftError("WEFT_ERR_INVALID_REPLY", `weft: the handler of "${event.slice(0, 64)}" returned { reply } that is not a plain object: reply with an object, as { reply: { id: 1 } }`);
}
