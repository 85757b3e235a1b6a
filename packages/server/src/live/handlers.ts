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

/**
 * Runs a handler (validating its payload first) and returns what it returned.
 * @throws PayloadError when the payload fails the handler's schema; whatever the handler throws
 */
export async function callHandler(handler: LiveView["events"][string], payload: Payload): Promise<unknown> {
  if (typeof handler === "function") return await handler(payload);
  let result = handler.schema["~standard"].validate(payload);
  if (result instanceof Promise) result = await result;
  if (result.issues) throw new PayloadError(result.issues.map((i) => i.message).join("; ").slice(0, 500));
  return await handler.handle(result.value);
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
