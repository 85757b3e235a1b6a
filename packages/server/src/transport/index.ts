/**
 * The transport's settings and building blocks for apps that tune them: the default security
 * policy and limits, the default cookie sessions, and content-hashed assets.
 * @packageDocumentation
 */
export { WEFT_CSP_DIRECTIVES } from "./helmet.js";
export { defaultLimits, type Limits } from "./limits.js";
export { cookieSessions, SESSION_COOKIE, type SessionProvider } from "./session.js";
export { defaultAuthority, type AuthorityOptions } from "./authority.js";
export { hashedAsset, type Asset } from "./assets.js";
export type { HealthReport } from "./health.js";
