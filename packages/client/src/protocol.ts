/**
 * Weft wire protocol, version 1: every message name, attribute name and close code
 * shared by the server (`@weft/server`) and the browser runtime (`@weft/client`).
 *
 * This is the only place these strings are written down. The client bundle imports
 * it at build time (esbuild inlines the constants); the server imports it at run time.
 * See docs/protocol.md for the meaning of every frame.
 *
 * Frames are JSON text frames holding arrays: `[type, viewRef, ...payload]`.
 */

/** Protocol version, sent by the client as the `v` query parameter of the socket URL. */
export const PROTOCOL_VERSION = "1";

/** Default socket path, used when the page has no `<meta name="lv-socket" content="…">`. */
export const SOCKET_PATH = "/live/websocket";

/** Client → server message types (first element of a frame). */
export const C_JOIN = "j";
export const C_LEAVE = "l";
export const C_EVENT = "e";
export const C_PARAMS = "p";
export const C_HEARTBEAT = "h";
/** Live navigation: replace the top-level view with the live route of a URL, over the same socket. */
export const C_NAVIGATE = "n";
/** Uploads (see docs/protocol.md, "Uploads"): the files chosen for an `lv-upload` input, then their chunks. */
export const C_UPLOAD = "f";
export const C_CHUNK = "c";

/** Server → client message types (first element of a frame). */
export const S_RENDERED = "r";
export const S_DELTA = "d";
/** The answer to a join whose render is the HTML the page already shows (the join's hash matched): nothing to apply. */
export const S_UNCHANGED = "=";
/** Replies: `a` releases the event only; `ar` / `ad` also carry the render it caused, as `r` / `d` do. */
export const S_REPLY = "a";
export const S_REPLY_RENDERED = "ar";
export const S_REPLY_DELTA = "ad";
export const S_REDIRECT = "x";
export const S_PATCH = "t";
export const S_PUSH = "u";
export const S_ERROR = "!";
export const S_HEARTBEAT = "h";
/** Live navigation: the client should navigate to a URL (`pushNavigate`, or a patch to another route). */
export const S_NAVIGATE = "g";
/** Live navigation's answer: the new top-level view, mounted (its root's attributes, title and HTML). */
export const S_MOUNTED = "m";
/** The document title changed (`pageTitle` assign). */
export const S_TITLE = "ti";
/** Uploads: the server asks for the next slice of an entry's file (length 0: stop sending it). */
export const S_CHUNK_NEXT = "k";
/** Stream operations (`reset`, deletes, inserts) for one `lv-stream` container, as Phoenix's streams. */
export const S_STREAM = "s";

/** DOM attribute names. The prefix is `lv-`, as Phoenix's is `phx-`. */
export const A_VIEW = "lv-view";
export const A_TOKEN = "lv-token";
export const A_CHILD = "lv-child";
export const A_CLICK = "lv-click";
export const A_SUBMIT = "lv-submit";
export const A_CHANGE = "lv-change";
export const A_KEYDOWN = "lv-keydown";
export const A_KEYUP = "lv-keyup";
export const A_KEY = "lv-key";
export const A_BLUR = "lv-blur";
export const A_FOCUS = "lv-focus";
export const A_VALUE_PREFIX = "lv-value-";
export const A_DEBOUNCE = "lv-debounce";
export const A_THROTTLE = "lv-throttle";
export const A_PATCH = "lv-patch";
export const A_CONFIRM = "lv-confirm";
/** Text a submit button (or an `lv-click` button) shows while its event is in flight, as Phoenix's `phx-disable-with`. */
export const A_DISABLE_WITH = "lv-disable-with";
/** the component an element's events go to (on the element carrying the binding: the button, the form), as Phoenix's `phx-target` */
export const A_TARGET = "lv-target";
export const A_HOOK = "lv-hook";
export const A_IGNORE = "lv-ignore";
/** JS commands run when the element appears in a rendered view / is removed by a render. */
export const A_MOUNTED = "lv-mounted";
export const A_REMOVE = "lv-remove";
export const A_SOCKET = "lv-socket";
/** `<a lv-navigate href>`: a live navigation (as Phoenix's `<.link navigate>`). */
export const A_NAVIGATE = "lv-navigate";
/** On a container of links (a sidebar): the link matching the URL gets `aria-current="page"` after every navigation. */
export const A_NAV = "lv-nav";
export const A_CLICK_AWAY = "lv-click-away";
export const A_WINDOW_KEYDOWN = "lv-window-keydown";
export const A_WINDOW_KEYUP = "lv-window-keyup";
/** `<input type=file lv-upload="name">`, `lv-drop-target="name"`; `<meta name="lv-upload">` holds the upload chunk's URL. */
export const A_UPLOAD = "lv-upload";
export const A_DROP_TARGET = "lv-drop-target";
/** Marks a stream container: `lv-stream="name"`; its children are the stream's items, keyed by their `id`. */
export const A_STREAM = "lv-stream";

/** CSS classes the runtime toggles. */
export const CLASS_LOADING = "lv-loading";
export const CLASS_DISCONNECTED = "lv-disconnected";
export const CLASS_ERROR = "lv-error";
/**
 * A click on an `lv-retry` element (the layout's "Reconnecting…" notice, shown by CSS while a
 * root has {@link CLASS_DISCONNECTED}) reconnects at once instead of after the backoff.
 */
export const A_RETRY = "lv-retry";

/** Error codes carried by `S_ERROR` frames: `["!", viewRef | 0, code, message]`. */
export const E_BAD_FRAME = "bad_frame";
export const E_UNKNOWN_VIEW = "unknown_view";
export const E_UNKNOWN_EVENT = "unknown_event";
/** an event's `target` names no component the view rendered */
export const E_UNKNOWN_TARGET = "unknown_target";
export const E_INVALID_PAYLOAD = "invalid_payload";
export const E_INVALID_TOKEN = "invalid_token";
export const E_EXPIRED_TOKEN = "expired_token";
export const E_UNAUTHORIZED = "unauthorized";
export const E_TOO_MANY_VIEWS = "too_many_views";
export const E_RATE_LIMITED = "rate_limited";
export const E_SERVER = "server_error";

/** WebSocket close codes (4000-4999 are application codes). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_TOO_LARGE = 1009;
export const CLOSE_BAD_VERSION = 4400;
export const CLOSE_UNAUTHORIZED = 4401;
/** the socket's session ended (logout, expiry, deactivation): the page says so and does not reconnect; the reason is the login URL */
export const CLOSE_SESSION_ENDED = 4403;
export const CLOSE_JOIN_TIMEOUT = 4408;
/** the session already has `maxSocketsPerSession` sockets open on this worker */
export const CLOSE_TOO_MANY_SOCKETS = 4409;
export const CLOSE_RATE_LIMITED = 4429;
export const CLOSE_IDLE = 4410;

/**
 * A delta: a flat list of splices `[gap, deleteCount, insert, gap, deleteCount, insert, …]`
 * against the last HTML the server sent for that view. `gap` counts UTF-16 code units
 * kept from the old HTML since the end of the previous splice (or since its start).
 */
export type Delta = Array<number | string>;
