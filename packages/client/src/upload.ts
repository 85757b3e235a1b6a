/**
 * The upload chunk (dist/upload.js, ESM, its own budget): loaded by the runtime only once the
 * page shows an `lv-upload` input (see index.ts). It sends the files chosen in an
 * `<input type=file lv-upload="name">`, or dropped on an `lv-drop-target="name"` element, as
 * an `upload` frame, then answers each `next chunk` frame of the server with one base64 chunk
 * (docs/protocol.md, "Uploads"). It shares the runtime's socket and views through the
 * functions the runtime hands it; it imports only the protocol's names and frame builders,
 * so the runtime's state is never duplicated.
 */
import { A_DROP_TARGET, A_UPLOAD, S_CHUNK_NEXT } from "./protocol.js";
import { chunkFrame, uploadFrame, type ClientFrame, type ServerFrame } from "./codec.js";
import type { View } from "./state.js";

/**
 * Installs the upload listeners and takes the `next chunk` frames; the runtime calls it once
 * and lends it (positional, to keep the runtime's loader small) its socket's `send`, its
 * views' `viewOf`, `onFrame` to take over the frames, and the runtime's own frame handler.
 */
export default (
  send: (f: ClientFrame) => unknown,
  viewOf: (el: Element) => View | undefined,
  onFrame: (f: (frame: ServerFrame) => void) => unknown,
  handleFrame: (frame: ServerFrame) => void,
) => {
  const d = document;
  /** the chosen files by entry ref (unique per page) */
  const files = new Map<number, Blob>();
  let n = 0;
  const go = (el: Element | null | undefined, list?: FileList | null) => {
    const v = el && viewOf(el);
    if (v?.r && list?.length)
      send(uploadFrame(v.r, el!.getAttribute(A_UPLOAD)!, [...list].map((f) => (files.set(++n, f), [n, f.name, f.size, f.type]))));
  };
  const pick = (e: Event) => {
    const t = e.target as HTMLInputElement;
    if (t.matches?.(`[${A_UPLOAD}]`)) go(t, t.files);
  };
  const zone = (e: DragEvent) => (e.target as Element).closest?.(`[${A_DROP_TARGET}]`);
  d.addEventListener("change", pick);
  d.addEventListener("dragover", (e) => zone(e) && e.preventDefault());
  d.addEventListener("drop", (e) => {
    const z = zone(e);
    if (!z) return;
    e.preventDefault();
    go(viewOf(z)?.el.querySelector(`[${A_UPLOAD}="${z.getAttribute(A_DROP_TARGET)}"]`), e.dataTransfer?.files);
  });
  onFrame((f) => {
    if (f[0] != S_CHUNK_NEXT) return handleFrame(f);
    const [, r, e, o, l] = f;
    const b = files.get(e);
    // length 0: the entry is complete, refused or cancelled
    if (!b || !l) return files.delete(e);
    const rd = new FileReader();
    rd.onload = () => send(chunkFrame(r, e, (rd.result as string).split(",")[1]!));
    rd.readAsDataURL(b.slice(o, o + l));
  });
  // files chosen before this chunk loaded
  d.querySelectorAll<HTMLInputElement>(`input[${A_UPLOAD}]`).forEach((i) => go(i, i.files));
};
