import { createHmac, timingSafeEqual } from "node:crypto";
import { WeftError, weftError } from "../errors.js";

/**
 * Checks the secret that signs view tokens and the session cookie.
 * @throws WeftError `WEFT_ERR_SECRET_MISSING` / `WEFT_ERR_SECRET_TOO_SHORT`
 * @internal
 */
export function checkSecret(secret: unknown): asserts secret is string {
  const how = "at least 32 characters, the same on every worker and stable across restarts (e.g. from process.env.WEFT_SECRET; `randomSecret()` makes one for development)";
  if (typeof secret !== "string" || secret === "") {
    throw weftError("WEFT_ERR_SECRET_MISSING", `weft: the plugin needs \`secret\`: pass \`secret\`, ${how}`);
  }
  if (secret.length < 32) {
    throw weftError("WEFT_ERR_SECRET_TOO_SHORT", `weft: \`secret\` must be at least 32 characters (got ${secret.length}): pass \`secret\`, ${how}`);
  }
}

/** What a view token carries. Signed, so the browser can read it but never change it. */
export interface ViewClaims {
  /** registered view id */
  v: string;
  /** session id the token was issued for */
  s: string;
  /** DOM id of the view root */
  i: string;
  /** props: route params for a page view, the props of a nested view */
  p: Record<string, unknown>;
  /** expiry, seconds since the epoch */
  e: number;
}

/**
 * Why a token was refused (`WEFT_ERR_TOKEN_INVALID` / `WEFT_ERR_TOKEN_EXPIRED`); `reason` is the
 * wire's `invalid_token` / `expired_token` error code. Thrown by {@link TokenSigner.verify};
 * the socket answers the join with `reason`.
 */
export class TokenError extends WeftError {
  constructor(readonly reason: "invalid_token" | "expired_token") {
    super(
      reason === "expired_token" ? "WEFT_ERR_TOKEN_EXPIRED" : "WEFT_ERR_TOKEN_INVALID",
      reason === "expired_token" ? "view token expired" : "view token invalid",
    );
  }
}

/**
 * Signs and verifies view tokens: `base64url(JSON claims) "." base64url(HMAC-SHA256)`.
 * The HMAC comes from node:crypto; comparison is constant-time.
 */
export class TokenSigner {
  private key: Buffer;

  /**
   * @param secret - at least 32 characters; the same on every worker, stable across restarts
   *   (a restarted server must accept the tokens of pages still open)
   * @param ttlMs - token lifetime in ms (default 12 h)
   * @throws WeftError `WEFT_ERR_SECRET_MISSING` without a string, `WEFT_ERR_SECRET_TOO_SHORT` when
   *   it is shorter than 32 characters
   */
  constructor(secret: string, readonly ttlMs = 12 * 3600_000) {
    checkSecret(secret);
    this.key = Buffer.from(secret, "utf8");
  }

  /** Signs claims (without `e`, which is set from the TTL). */
  sign(claims: Omit<ViewClaims, "e">, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ ...claims, e: Math.floor((now + this.ttlMs) / 1000) })).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  /**
   * Verifies a token and returns its claims.
   * @throws TokenError `invalid_token` for anything forged, tampered or malformed;
   *   `expired_token` for a genuine token past its expiry
   */
  verify(token: unknown, now = Date.now()): ViewClaims {
    if (typeof token !== "string" || token.length > 8192) throw new TokenError("invalid_token");
    const dot = token.indexOf(".");
    if (dot < 1) throw new TokenError("invalid_token");
    const body = token.slice(0, dot);
    // compare the MAC as text: decoding first would accept other spellings of the same bytes
    const given = Buffer.from(token.slice(dot + 1), "utf8");
    const want = Buffer.from(this.mac(body), "utf8");
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new TokenError("invalid_token");
    let claims: ViewClaims;
    try {
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      throw new TokenError("invalid_token");
    }
    if (typeof claims?.v !== "string" || typeof claims.s !== "string" || typeof claims.e !== "number") {
      throw new TokenError("invalid_token");
    }
    if (claims.e * 1000 <= now) throw new TokenError("expired_token");
    return claims;
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}
