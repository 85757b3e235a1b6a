/**
 * The protocol fuzzer's oracle (fuzz.test.ts): the server frames, error codes and close codes
 * docs/protocol.md documents, and a check of one received frame against them.
 */
export const FRAME_TYPES = new Set(["r", "d", "a", "ar", "ad", "t", "x", "u", "!", "h", "g", "m", "ti"]);
export const ERROR_CODES = new Set([
  "bad_frame", "unknown_view", "unknown_event", "invalid_payload", "invalid_token",
  "expired_token", "unauthorized", "too_many_views", "rate_limited", "server_error",
]);
/** docs/protocol.md's close codes, plus 1007 (ws: invalid UTF-8 in a text frame) */
export const CLOSE_CODES = new Set([1000, 1007, 1009, 4400, 4401, 4408, 4409, 4410, 4429]);
/** refs used only by joins with a bad token: the server must never render them */
export const BAD_REF = 1000;

export const isInt = (x: unknown, min: number) => Number.isSafeInteger(x) && (x as number) >= min;

/** Whether a server frame is one of the documented shapes; the reason when not. */
export function badShape(f: unknown): string | undefined {
  if (!Array.isArray(f) || typeof f[0] !== "string" || !FRAME_TYPES.has(f[0])) return "unknown frame type";
  if (f[0] === "h") return f.length === 1 ? undefined : "heartbeat with payload";
  if (!isInt(f[1], f[0] === "!" ? 0 : 1)) return "bad ref";
  switch (f[0]) {
    case "r":
      return typeof f[2] === "string" && f.length === 3 ? undefined : "bad rendered";
    case "d":
      return Array.isArray(f[2]) && f.length === 3 ? undefined : "bad delta";
    case "a":
      return isInt(f[2], 1) && f.length === 3 ? undefined : "bad reply";
    case "ar":
      return isInt(f[2], 1) && f.length === 4 && typeof f[3] === "string" ? undefined : "bad reply with HTML";
    case "ad":
      return isInt(f[2], 1) && f.length === 4 && Array.isArray(f[3]) ? undefined : "bad reply with a delta";
    case "t":
      return typeof f[2] === "string" && (f[3] === 0 || f[3] === 1) ? undefined : "bad patch";
    case "x":
      return typeof f[2] === "string" ? undefined : "bad redirect";
    case "u":
      return typeof f[2] === "string" ? undefined : "bad push";
    case "g":
      return typeof f[2] === "string" && (f[3] === 0 || f[3] === 1) && f.length === 4 ? undefined : "bad navigate";
    case "m":
      return f.length === 7 && f.slice(2).every((x) => typeof x === "string") ? undefined : "bad mounted";
    case "ti":
      return typeof f[2] === "string" && f.length === 3 ? undefined : "bad title";
    case "!":
      if (!ERROR_CODES.has(f[2] as string)) return `undocumented error code ${String(f[2])}`;
      return typeof f[3] === "string" && (f.length === 4 || (f.length === 5 && isInt(f[4], 1))) ? undefined : "bad error";
  }
}
