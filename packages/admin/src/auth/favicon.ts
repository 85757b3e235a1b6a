/**
 * The admin's favicon, an inline SVG data URL (weft's CSP allows `img-src data:`): the login
 * page and the shell link it, so no page asks for a /favicon.ico that is not there.
 */
export const FAVICON =
  "data:image/svg+xml," +
  encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2f5bd3"/><path d="M6 10l4.5 13L16 13l5.5 10L26 10" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>`);
