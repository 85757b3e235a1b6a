/**
 * The Weft wire codec (protocol v1): the one module that knows the layout of every frame,
 * in both directions. docs/protocol.md says what each frame means.
 *
 * - On the wire a frame is a JSON array `[type, ...fields]`. Its TypeScript type here is a
 *   labelled tuple ({@link ClientFrame}, {@link ServerFrame}); the constructors
 *   (`joinFrame(…)`, `replyFrame(…)`, …) are the only code that builds one, and
 *   {@link encodeFrame} writes it.
 * - Reading turns a frame into an object with named fields ({@link ClientMessage},
 *   {@link ServerMessage}). {@link decodeClientFrame} is the server's strict reader (limits
 *   on names, URLs, nesting); {@link decodeServerFrame} reads what a server sends, for code
 *   outside the browser (tests, benchmarks, the testing helper).
 * - The browser runtime imports only the client-frame constructors and, for its frame
 *   handler, the {@link ServerFrame} type; esbuild drops the rest of the codec from the
 *   bundle.
 *
 * The type names (`S_…`, `C_…`) are constants of `./protocol.js`.
 *
 * The codec is five files: `codec-client.ts` (client frames and their constructors),
 * `codec-server.ts` (server frames and theirs), `codec-decode-client.ts` (the server's strict
 * reader, {@link FrameError}), `codec-decode-server.ts` (the reader of server frames); this
 * module is the one they are imported through (`@weft/client/codec`), and holds {@link encodeFrame}.
 */
import type { ClientFrame } from "./codec-client.js";
import type { ServerFrame } from "./codec-server.js";

export * from "./codec-client.js";
export * from "./codec-server.js";
export { FrameError, decodeClientFrame, type ClientMessage } from "./codec-decode-client.js";
export * from "./codec-decode-server.js";

/**
 * Writes a frame as the text sent over the socket.
 * @param frame - a frame built by one of the constructors of this module
 * @returns its JSON text
 */
export const encodeFrame = (frame: ClientFrame | ServerFrame): string => JSON.stringify(frame);
