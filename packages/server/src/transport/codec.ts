/**
 * The transport's reader of client frames. Every frame's layout, both directions, lives in
 * `@weft/client/codec`, the one module the server and the browser runtime share; the strict
 * validation of client frames (`decodeClientFrame`: limits on names, URLs, tokens, forms and
 * payload depth) is there too, next to the constructors the browser builds them with.
 */
export {
  decodeClientFrame as decodeFrame,
  FrameError,
  type ClientMessage,
  type Payload,
} from "@weft/client/codec";
